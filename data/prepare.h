#pragma once
// `captioner prepare`: caption files + an image folder in, a prepared directory out.
//
// The directory (format "captioner-prepared", version kPreparedVersion):
//   manifest.json        inputs (paths, sizes, SHA-256), options, split sizes, vocabulary
//                        statistics, caption-length histograms, everything skipped and why,
//                        and the SHA-256 of every file below (data/prepared_dataset.h checks them)
//   spm.model, spm.vocab the SentencePiece tokenizer, trained on the train split's normalised
//                        captions only (special ids: pad 0, bos 1, eos 2, unk 3)
//   captions.jsonl       one line per caption, train then val then test:
//                        {"image": key, "split", "raw", "text" (normalised, clipped), "tokens": [ids]}
//                        (tokens without bos/eos)
//   references_val.json, references_test.json
//                        COCO annotation files of the split's raw captions (every non-empty
//                        one, overlong ones too: they are what a caption is scored against),
//                        so that `capeval --references` scores a split directly
//   images.u8, images.json  the image store (data/image_store.h)
//
// Idempotent and resumable, stage by stage: the image store judges itself (and resumes a
// killed build); the tokenizer is retrained only when its training captions or options
// changed; captions are re-encoded only when the tokenizer or the captions changed; a file
// whose bytes would not change is not rewritten. A rerun with the same inputs does no work.
// Every file is written atomically; no output holds a time, so a rerun after a kill ends
// with the same bytes as an uninterrupted run.
//
// Skipped and counted (listed in the manifest), an error with `strict`: a missing or corrupt
// image, an empty caption (nothing left after normalisation). Skipped by option: captions
// longer than max_words with overlong = drop. An image left without captions is skipped.

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "data/caption_sources.h"
#include "data/image_store.h"
#include "data/sentencepiece.h"

namespace captioner::data {

inline constexpr int kPreparedVersion = 1;

// What happens to a caption longer than max_words.
enum class OverlongCaptions { clip, drop };
const char* overlong_name(OverlongCaptions policy);
OverlongCaptions overlong_from_name(const std::string& name);  // InputError for another name

struct PrepareOptions {
  CaptionSourceOptions sources;               // caption files, image folder, COCO val/test sizes and seed
  std::filesystem::path out;                  // the prepared directory (created if needed)
  int image_size = 64;                        // side of the square RGB images in the store
  std::size_t max_words = 30;                 // longest caption kept whole, in normalised words (0: no limit)
  OverlongCaptions overlong = OverlongCaptions::clip;  // clip to max_words, or drop the caption
  SentencePieceOptions tokenizer;             // model type, vocabulary size (1000), adjust to the corpus
  bool strict = false;                        // a missing/corrupt image or an empty caption is an error
  int threads = ImageStoreOptions::default_threads();  // image decoding threads (the output does not depend on it)
};

struct PrepareSummary {
  bool up_to_date = false;           // nothing was done: every output was current
  std::size_t images[3] = {0, 0, 0};    // per split (train, val, test)
  std::size_t captions[3] = {0, 0, 0};  // per split, in captions.jsonl
  std::size_t skipped_images = 0;
  std::size_t skipped_captions = 0;
  int vocab_size = 0;
};

// Prepares options.out. Progress and what was done or reused go to `log` (none if null).
// InputError (one line, naming the file) for bad input or options.
PrepareSummary prepare_dataset(const PrepareOptions& options, std::ostream* log);

}  // namespace captioner::data
