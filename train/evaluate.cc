#include "train/evaluate.h"

#include <algorithm>
#include <chrono>

#include "data/batch_loader.h"
#include "data/text_normalize.h"

namespace captioner::train {

EvaluationSet EvaluationSet::first(std::size_t count) const {
  if (count == 0 || count >= size()) return *this;
  EvaluationSet subset;
  subset.keys.assign(keys.begin(), keys.begin() + count);
  subset.store_indices.assign(store_indices.begin(), store_indices.begin() + count);
  if (!references.empty()) subset.references.assign(references.begin(), references.begin() + count);
  return subset;
}

EvaluationSet evaluation_set(const data::PreparedDataset& dataset, data::Split split) {
  EvaluationSet set;
  for (const auto& image : dataset.images(split)) {
    set.keys.push_back(image.key);
    set.store_indices.push_back(image.store_index);
    std::vector<std::string> references;
    for (const auto& caption : image.captions) references.push_back(caption.raw);
    set.references.push_back(std::move(references));
  }
  return set;
}

std::vector<std::string> caption_images(CaptionModel& model, std::size_t count, const ImageBatchSource& images,
                                        const data::SentencePieceTokenizer& tokenizer,
                                        const decoder::DecodeOptions& options, int batch_size,
                                        Progress* progress, CaptioningTime* time) {
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
  };
  std::vector<std::string> captions;
  captions.reserve(count);
  for (std::size_t begin = 0; begin < count; begin += batch_size) {
    const std::size_t end = std::min(count, begin + static_cast<std::size_t>(batch_size));
    const auto start = Clock::now();
    const auto features = model->encode(data::images_to_input(images(begin, end)));
    const auto encoded = Clock::now();
    for (const auto& hypotheses : model->decode(features, options)) {
      const std::string text = hypotheses.empty() ? std::string() : tokenizer.decode(hypotheses.front().tokens);
      captions.push_back(data::normalize_caption(text));
    }
    if (time) {
      time->encode_seconds += seconds(start, encoded);
      time->decode_seconds += seconds(encoded, Clock::now());
    }
    if (progress) progress->advance(end - begin);
  }
  return captions;
}

std::vector<std::string> caption_stored_images(CaptionModel& model, const data::ImageStore& store,
                                               const std::vector<std::size_t>& store_indices,
                                               const data::SentencePieceTokenizer& tokenizer,
                                               const decoder::DecodeOptions& options, int batch_size,
                                               Progress* progress, CaptioningTime* time) {
  const auto gather = [&](std::size_t begin, std::size_t end) {
    return store.gather({store_indices.begin() + begin, store_indices.begin() + end});
  };
  return caption_images(model, store_indices.size(), gather, tokenizer, options, batch_size, progress, time);
}

metrics::Evaluation score_captions(const EvaluationSet& set, const std::vector<std::string>& captions) {
  metrics::CaptionSet caption_set;
  caption_set.image_ids = set.keys;
  caption_set.candidates = captions;
  caption_set.references = set.references;
  return metrics::evaluate(caption_set, metrics::TokenizationMode::kPtb);
}

std::vector<std::pair<std::string, double>> corpus_scores(const metrics::Evaluation& evaluation) {
  std::vector<std::pair<std::string, double>> scores;
  for (const auto& metric : evaluation.scores) scores.emplace_back(metric.name, metric.corpus);
  return scores;
}

}  // namespace captioner::train
