#pragma once
// What the scorers take and give: tokenized captions per image, scores per metric.

#include <cstddef>
#include <string>
#include <vector>

namespace captioner::metrics {

// Tokenized captions (tokens joined by single spaces), one entry per image, in the
// evaluation order. Every image has exactly one candidate and at least one reference.
struct TokenizedCorpus {
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;

  std::size_t size() const { return candidates.size(); }
};

// One metric's corpus score and its score for each image, under pycocoevalcap's name
// (Bleu_1 ... Bleu_4, METEOR, ROUGE_L, CIDEr).
struct MetricScore {
  std::string name;
  double corpus = 0.0;
  std::vector<double> per_image;
};

// Throws std::invalid_argument unless the corpus is non-empty, aligned, and every image
// has a reference: the checks pycocoevalcap's scorers assert.
void check_corpus(const TokenizedCorpus& corpus);

}  // namespace captioner::metrics
