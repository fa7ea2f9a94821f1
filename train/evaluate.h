#pragma once
// Captioning a set of stored images and scoring the captions against their references:
// the evaluation during training and `captioner caption` share it.

#include <functional>
#include <string>
#include <vector>

#include "data/image_store.h"
#include "data/prepared_dataset.h"
#include "data/sentencepiece.h"
#include "decoder/decode_options.h"
#include "metrics/scorer.h"
#include "train/caption_model.h"
#include "util/progress.h"

namespace captioner::train {

// The images of a split: their keys, rows in the image store, and reference captions.
struct EvaluationSet {
  std::vector<std::string> keys;
  std::vector<std::size_t> store_indices;
  std::vector<std::vector<std::string>> references;  // raw text, per image; may be empty (no scoring)

  std::size_t size() const { return keys.size(); }
  // The first `count` images (all when count is 0 or larger than the set).
  EvaluationSet first(std::size_t count) const;
};

// The split's images of a prepared dataset, with their raw captions as references.
EvaluationSet evaluation_set(const data::PreparedDataset& dataset, data::Split split);

// Where captioning spent its time, when the caller asks.
struct CaptioningTime {
  double encode_seconds = 0.0;  // reading and normalising the images, the encoder
  double decode_seconds = 0.0;  // the search from the features, and detokenizing
};

// Images [begin, end) of some sequence, as uint8 N x S x S x 3 RGB.
using ImageBatchSource = std::function<torch::Tensor(std::size_t begin, std::size_t end)>;

// The best caption of each of `count` images, as text (SentencePiece-decoded, then the one
// caption normalisation of data/text_normalize.h), in order, `batch_size` images at a time.
std::vector<std::string> caption_images(CaptionModel& model, std::size_t count, const ImageBatchSource& images,
                                        const data::SentencePieceTokenizer& tokenizer,
                                        const decoder::DecodeOptions& options, int batch_size,
                                        Progress* progress = nullptr, CaptioningTime* time = nullptr);

// The same for images of a store, by their rows.
std::vector<std::string> caption_stored_images(CaptionModel& model, const data::ImageStore& store,
                                               const std::vector<std::size_t>& store_indices,
                                               const data::SentencePieceTokenizer& tokenizer,
                                               const decoder::DecodeOptions& options, int batch_size,
                                               Progress* progress = nullptr, CaptioningTime* time = nullptr);

// pycocoevalcap's scores (BLEU-1..4, ROUGE-L, CIDEr-D) of `captions` against the set's
// references. An image's empty caption scores as pycocoevalcap scores an empty string.
metrics::Evaluation score_captions(const EvaluationSet& set, const std::vector<std::string>& captions);

// {"Bleu_1": ..., "CIDEr": ...}: the corpus scores by name.
std::vector<std::pair<std::string, double>> corpus_scores(const metrics::Evaluation& evaluation);

}  // namespace captioner::train
