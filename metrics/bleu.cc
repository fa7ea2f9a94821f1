#include "metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "metrics/ngrams.h"

namespace captioner::metrics {
namespace {

constexpr double kSmall = 1e-9;
constexpr double kTiny = 1e-15;

// The scores for totals: running product of smoothed precisions, k-th roots, then the
// brevity penalty on every order (the same code path per image and for the corpus).
std::array<double, 4> bleu_from_counts(const std::array<std::size_t, 4>& correct,
                                       const std::array<std::size_t, 4>& guess,
                                       std::size_t candidate_length, std::size_t reference_length) {
  std::array<double, 4> scores{};
  double product = 1.0;
  for (std::size_t k = 0; k < 4; ++k) {
    product *= (static_cast<double>(correct[k]) + kTiny) / (static_cast<double>(guess[k]) + kSmall);
    scores[k] = std::pow(product, 1.0 / static_cast<double>(k + 1));
  }
  const double ratio = (static_cast<double>(candidate_length) + kTiny) /
                       (static_cast<double>(reference_length) + kSmall);
  if (ratio < 1.0) {
    for (double& score : scores) score *= std::exp(1.0 - 1.0 / ratio);
  }
  return scores;
}

// min over references of (|length - candidate length|, length).
std::size_t closest_reference_length(const std::vector<std::size_t>& lengths,
                                     std::size_t candidate_length) {
  auto distance = [candidate_length](std::size_t length) {
    return length > candidate_length ? length - candidate_length : candidate_length - length;
  };
  std::size_t best = lengths.front();
  for (const std::size_t length : lengths) {
    if (distance(length) < distance(best) || (distance(length) == distance(best) && length < best)) {
      best = length;
    }
  }
  return best;
}

}  // namespace

BleuScores compute_bleu(const CorpusNgrams& corpus) {
  BleuScores result;
  for (std::size_t k = 0; k < 4; ++k) {
    result.orders[k].name = "Bleu_" + std::to_string(k + 1);
    result.orders[k].per_image.reserve(corpus.size());
  }
  BleuStatistics& totals = result.statistics;

  // Clipping counts: each n-gram's largest count in any single reference of the image.
  std::vector<std::uint32_t> max_reference_count(corpus.distinct_ngrams, 0);
  std::vector<std::size_t> stamp(corpus.distinct_ngrams, 0);  // image + 1 where valid
  std::vector<std::size_t> reference_lengths;
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    reference_lengths.clear();
    for (const SentenceNgrams& reference : corpus.references[image]) {
      reference_lengths.push_back(reference.length);
      for (const NgramCount& ngram : reference.ngrams) {
        if (stamp[ngram.id] != image + 1) {
          stamp[ngram.id] = image + 1;
          max_reference_count[ngram.id] = 0;
        }
        max_reference_count[ngram.id] = std::max(max_reference_count[ngram.id], ngram.count);
      }
    }
    const SentenceNgrams& candidate = corpus.candidates[image];
    std::array<std::size_t, 4> guess{};
    std::array<std::size_t, 4> correct{};
    for (std::size_t k = 0; k < 4; ++k) {
      guess[k] = candidate.length > k ? candidate.length - k : 0;
    }
    for (const NgramCount& ngram : candidate.ngrams) {
      const std::uint32_t in_references = stamp[ngram.id] == image + 1 ? max_reference_count[ngram.id] : 0;
      correct[static_cast<std::size_t>(ngram.order - 1)] += std::min(ngram.count, in_references);
    }
    const std::size_t reference_length = closest_reference_length(reference_lengths, candidate.length);

    const std::array<double, 4> scores = bleu_from_counts(correct, guess, candidate.length, reference_length);
    for (std::size_t k = 0; k < 4; ++k) {
      result.orders[k].per_image.push_back(scores[k]);
      totals.guess[k] += guess[k];
      totals.correct[k] += correct[k];
    }
    totals.candidate_length += candidate.length;
    totals.reference_length += reference_length;
  }
  const std::array<double, 4> corpus_scores = bleu_from_counts(
      totals.correct, totals.guess, totals.candidate_length, totals.reference_length);
  for (std::size_t k = 0; k < 4; ++k) result.orders[k].corpus = corpus_scores[k];
  return result;
}

BleuScores compute_bleu(const TokenizedCorpus& corpus) { return compute_bleu(count_corpus_ngrams(corpus)); }

}  // namespace captioner::metrics
