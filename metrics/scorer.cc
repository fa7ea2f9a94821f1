#include "metrics/scorer.h"

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

Evaluation evaluate(const CaptionSet& captions, TokenizationMode tokenization) {
  const TokenizedCorpus corpus = tokenize_corpus(captions, *make_tokenizer(tokenization));
  Evaluation evaluation;
  const CorpusNgrams ngrams = count_corpus_ngrams(corpus);
  BleuScores bleu = compute_bleu(ngrams);
  for (MetricScore& order : bleu.orders) evaluation.scores.push_back(std::move(order));
  evaluation.bleu_statistics = bleu.statistics;
  evaluation.scores.push_back(compute_rouge_l(corpus));
  evaluation.scores.push_back(compute_cider_d(ngrams));
  return evaluation;
}

}  // namespace captioner::metrics
