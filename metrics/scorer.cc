#include "metrics/scorer.h"

#include <chrono>

#include "metrics/cider.h"
#include "metrics/rouge.h"

namespace captioner::metrics {

TokenizedCorpus tokenize_corpus(const CaptionSet& captions, const CaptionTokenizer& tokenizer) {
  std::vector<std::string> all_references;
  for (const std::vector<std::string>& references : captions.references) {
    all_references.insert(all_references.end(), references.begin(), references.end());
  }
  std::vector<std::string> tokenized_references = tokenizer.tokenize(all_references);

  TokenizedCorpus corpus;
  corpus.candidates = tokenizer.tokenize(captions.candidates);
  corpus.references.reserve(captions.size());
  auto next = tokenized_references.begin();
  for (const std::vector<std::string>& references : captions.references) {
    corpus.references.emplace_back(std::make_move_iterator(next),
                                   std::make_move_iterator(next + static_cast<std::ptrdiff_t>(references.size())));
    next += static_cast<std::ptrdiff_t>(references.size());
  }
  return corpus;
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Evaluation evaluate(const CaptionSet& captions, TokenizationMode tokenization) {
  Evaluation evaluation;
  const auto started = std::chrono::steady_clock::now();
  const TokenizedCorpus corpus = tokenize_corpus(captions, *make_tokenizer(tokenization));
  evaluation.tokenize_seconds = seconds_since(started);
  const auto scoring_started = std::chrono::steady_clock::now();
  const CorpusNgrams ngrams = count_corpus_ngrams(corpus);
  BleuScores bleu = compute_bleu(ngrams);
  for (MetricScore& order : bleu.orders) evaluation.scores.push_back(std::move(order));
  evaluation.bleu_statistics = bleu.statistics;
  evaluation.scores.push_back(compute_rouge_l(corpus));
  evaluation.scores.push_back(compute_cider_d(ngrams));
  evaluation.score_seconds = seconds_since(scoring_started);
  return evaluation;
}

}  // namespace captioner::metrics
