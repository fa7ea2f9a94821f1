#include "metrics/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "metrics/ngrams.h"
#include "metrics/parallel.h"

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
    result.orders[k].per_image.resize(corpus.size());
  }
  // Each chunk of images on its own thread, with its own totals (exact integers).
  std::vector<BleuStatistics> chunk_totals(corpus.chunks.size());
  run_in_parallel(corpus.chunks.size(), [&](std::size_t c) {
    const NgramChunk& chunk = corpus.chunks[c];
    BleuStatistics& totals = chunk_totals[c];
    // Clipping counts: each of the image's n-grams' largest count in any single reference.
    std::vector<std::uint32_t> max_reference_count;
    std::vector<std::size_t> reference_lengths;
    for (std::size_t i = 0; i < chunk.images.size(); ++i) {
      const ImageNgrams& image = chunk.images[i];
      max_reference_count.assign(image.ngrams, 0);
      reference_lengths.clear();
      for (std::uint32_t r = 0; r < image.references; ++r) {
        const SentenceNgrams& reference = chunk.sentences[image.first_sentence + r];
        reference_lengths.push_back(reference.words);
        for (std::uint32_t n = reference.order_begin[0]; n < reference.order_begin[kMaxNgramOrder]; ++n) {
          const NgramCount& ngram = chunk.counts[n];
          max_reference_count[ngram.ngram] = std::max(max_reference_count[ngram.ngram], ngram.count);
        }
      }
      const SentenceNgrams& candidate = chunk.candidate(image);
      std::array<std::size_t, 4> guess{};
      std::array<std::size_t, 4> correct{};
      for (std::size_t k = 0; k < 4; ++k) {
        guess[k] = candidate.words > k ? candidate.words - k : 0;
        for (std::uint32_t n = candidate.order_begin[k]; n < candidate.order_begin[k + 1]; ++n) {
          const NgramCount& ngram = chunk.counts[n];
          correct[k] += std::min(ngram.count, max_reference_count[ngram.ngram]);
        }
      }
      const std::size_t reference_length = closest_reference_length(reference_lengths, candidate.words);

      const std::array<double, 4> scores = bleu_from_counts(correct, guess, candidate.words, reference_length);
      for (std::size_t k = 0; k < 4; ++k) {
        result.orders[k].per_image[chunk.first_image + i] = scores[k];
        totals.guess[k] += guess[k];
        totals.correct[k] += correct[k];
      }
      totals.candidate_length += candidate.words;
      totals.reference_length += reference_length;
    }
  });
  BleuStatistics& totals = result.statistics;
  for (const BleuStatistics& chunk : chunk_totals) {
    totals.candidate_length += chunk.candidate_length;
    totals.reference_length += chunk.reference_length;
    for (std::size_t k = 0; k < 4; ++k) {
      totals.guess[k] += chunk.guess[k];
      totals.correct[k] += chunk.correct[k];
    }
  }
  const std::array<double, 4> corpus_scores = bleu_from_counts(
      totals.correct, totals.guess, totals.candidate_length, totals.reference_length);
  for (std::size_t k = 0; k < 4; ++k) result.orders[k].corpus = corpus_scores[k];
  return result;
}

BleuScores compute_bleu(const TokenizedCorpus& corpus) { return compute_bleu(count_corpus_ngrams(corpus)); }

}  // namespace captioner::metrics
