#pragma once
// The scorer facade: raw captions in, pycocoevalcap's scores out.

#include <string>
#include <vector>

#include "metrics/bleu.h"
#include "metrics/corpus.h"
#include "metrics/meteor_data.h"
#include "metrics/tokenizer.h"

namespace captioner::metrics {

// Captions as read from the user's files, one entry per image in evaluation order.
struct CaptionSet {
  std::vector<std::string> image_ids;  // for reports: the id as the input spelled it
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;

  std::size_t size() const { return candidates.size(); }
};

struct Evaluation {
  // In pycocoevalcap's order: Bleu_1..Bleu_4, METEOR (when its data was given), ROUGE_L, CIDEr.
  std::vector<MetricScore> scores;
  BleuStatistics bleu_statistics;
  // Wall time of the two steps, for reports and benchmarks.
  double tokenize_seconds = 0.0;
  double score_seconds = 0.0;
  double meteor_seconds = 0.0;  // part of score_seconds
};

// Tokenizes the references and the candidates as pycocoevalcap does (two separate
// batches, in image order) and scores them with every available metric: METEOR too
// when `meteor` is given.
Evaluation evaluate(const CaptionSet& captions, TokenizationMode tokenization, const MeteorData* meteor = nullptr);

// The tokenized form of `captions`, as evaluate() sees it.
TokenizedCorpus tokenize_corpus(const CaptionSet& captions, const CaptionTokenizer& tokenizer);

}  // namespace captioner::metrics
