#include "metrics/scorer.h"

#include <chrono>

#include "metrics/cider.h"
#include "metrics/meteor.h"
#include "metrics/parallel.h"
#include "metrics/rouge.h"

namespace captioner::metrics {

TokenizedCorpus tokenize_corpus(const CaptionSet& captions, const CaptionTokenizer& tokenizer) {
  std::vector<std::string> all_references;
  for (const std::vector<std::string>& references : captions.references) {
    all_references.insert(all_references.end(), references.begin(), references.end());
  }
  // Two batches, as pycocoevalcap tokenizes them, side by side.
  std::vector<std::string> tokenized_references;
  TokenizedCorpus corpus;
  run_in_parallel(2, [&](std::size_t batch) {
    if (batch == 0) {
      tokenized_references = tokenizer.tokenize(all_references);
    } else {
      corpus.candidates = tokenizer.tokenize(captions.candidates);
    }
  });
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

Evaluation evaluate(const CaptionSet& captions, TokenizationMode tokenization, const MeteorData* meteor) {
  Evaluation evaluation;
  const auto started = std::chrono::steady_clock::now();
  const TokenizedCorpus corpus = tokenize_corpus(captions, *make_tokenizer(tokenization));
  evaluation.tokenize_seconds = seconds_since(started);
  const auto scoring_started = std::chrono::steady_clock::now();
  // ROUGE-L needs no n-grams: it runs beside the counting, BLEU and CIDEr-D.
  BleuScores bleu;
  MetricScore rouge_l;
  MetricScore cider_d;
  run_in_parallel(2, [&](std::size_t task) {
    if (task == 1) {
      rouge_l = compute_rouge_l(corpus);
      return;
    }
    const CorpusNgrams ngrams = count_corpus_ngrams(corpus);
    bleu = compute_bleu(ngrams);
    cider_d = compute_cider_d(ngrams);
  });
  for (MetricScore& order : bleu.orders) evaluation.scores.push_back(std::move(order));
  evaluation.bleu_statistics = bleu.statistics;
  if (meteor != nullptr) {
    const auto meteor_started = std::chrono::steady_clock::now();
    evaluation.scores.push_back(MeteorScorer(*meteor).score(corpus));
    evaluation.meteor_seconds = seconds_since(meteor_started);
  }
  evaluation.scores.push_back(std::move(rouge_l));
  evaluation.scores.push_back(std::move(cider_d));
  evaluation.score_seconds = seconds_since(scoring_started);
  return evaluation;
}

}  // namespace captioner::metrics
