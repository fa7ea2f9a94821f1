#pragma once
// A directory written by `captioner prepare` (data/prepare.h), read back for training and
// captioning: its manifest, tokenizer, captions with token ids per split, reference files
// and image store.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/caption_sources.h"
#include "data/image_store.h"

namespace captioner::data {

struct PreparedCaption {
  std::string raw;                   // as the source file has it
  std::string text;                  // normalised (data/text_normalize.h), clipped to max_words
  std::vector<std::int32_t> tokens;  // SentencePiece ids, without bos/eos
};

struct PreparedImage {
  std::string key;          // the image's key in the store (COCO id, or file name stem)
  std::size_t store_index;  // its row in images.u8
  std::vector<PreparedCaption> captions;
};

class PreparedDataset {
 public:
  // Reads manifest.json and captions.jsonl and opens the image store. InputError "file:
  // problem" when a file is missing or malformed, of another format version, or not the
  // file the manifest vouches for (its SHA-256 differs: an interrupted or mixed prepare;
  // rerunning prepare fixes it).
  static PreparedDataset open(const std::filesystem::path& dir);

  const std::filesystem::path& directory() const { return dir_; }
  const nlohmann::json& manifest() const { return manifest_; }
  std::filesystem::path tokenizer_model() const { return dir_ / "spm.model"; }
  int vocab_size() const { return vocab_size_; }
  int image_size() const { return store_.image_size(); }

  // The split's images in captions.jsonl's order, each with its captions.
  const std::vector<PreparedImage>& images(Split split) const { return images_[static_cast<int>(split)]; }
  // references_val.json / references_test.json; InputError for train (it has none).
  std::filesystem::path references(Split split) const;
  const ImageStore& image_store() const { return store_; }

 private:
  PreparedDataset(std::filesystem::path dir, nlohmann::json manifest, ImageStore store)
      : dir_(std::move(dir)), manifest_(std::move(manifest)), store_(std::move(store)) {}

  std::filesystem::path dir_;
  nlohmann::json manifest_;
  ImageStore store_;
  int vocab_size_ = 0;
  std::vector<PreparedImage> images_[3];
};

}  // namespace captioner::data
