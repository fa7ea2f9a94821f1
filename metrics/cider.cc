#include "metrics/cider.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "metrics/ngrams.h"
#include "metrics/numpy_mean.h"
#include "metrics/parallel.h"

namespace captioner::metrics {
namespace {

constexpr double kSigma = 6.0;
constexpr double kE = 2.718281828459045;  // numpy.e

// A sentence's tf-idf vector: a weight for each of its n-gram counts (in insertion
// order), the norm of each order, and its "length", which pycocoevalcap counts as the
// number of bigrams.
struct TfIdfVector {
  std::vector<double> weights;
  std::array<double, kMaxNgramOrder> norm{};
  double length = 0.0;
};

// `idf` holds log N - log(max(1, df)) for each of the image's n-grams.
void tf_idf(const NgramChunk& chunk, const SentenceNgrams& sentence, const std::vector<double>& idf,
            TfIdfVector& vector) {
  vector.weights.clear();
  std::uint32_t bigrams = 0;
  for (std::size_t k = 0; k < kMaxNgramOrder; ++k) {
    double squares = 0.0;
    for (std::uint32_t n = sentence.order_begin[k]; n < sentence.order_begin[k + 1]; ++n) {
      const NgramCount& ngram = chunk.counts[n];
      const double weight = static_cast<double>(ngram.count) * idf[ngram.ngram];
      vector.weights.push_back(weight);
      squares += std::pow(weight, 2);
      if (k == 1) bigrams += ngram.count;
    }
    vector.norm[k] = std::sqrt(squares);
  }
  vector.length = static_cast<double>(bigrams);
}

}  // namespace

MetricScore compute_cider_d(const CorpusNgrams& corpus) {
  const std::size_t images = corpus.size();
  const double log_images = std::log(static_cast<double>(images));
  // log(max(1.0, df)) for every possible df: an n-gram is in at most every image.
  std::vector<double> log_frequency(images + 1);
  for (std::size_t df = 0; df <= images; ++df) {
    log_frequency[df] = std::log(std::max(1.0, static_cast<double>(df)));
  }

  MetricScore result;
  result.name = "CIDEr";
  result.per_image.resize(images);
  run_in_parallel(corpus.chunks.size(), [&](std::size_t c) {
    const NgramChunk& chunk = corpus.chunks[c];
    std::vector<double> idf;
    std::vector<double> reference_weight;  // by the image's n-gram, for the reference at hand
    TfIdfVector candidate;
    TfIdfVector reference;
    for (std::size_t i = 0; i < chunk.images.size(); ++i) {
      const ImageNgrams& image = chunk.images[i];
      idf.resize(image.ngrams);
      for (std::uint32_t n = 0; n < image.ngrams; ++n) {
        idf[n] = log_images - log_frequency[chunk.document_frequency[image.first_ngram + n]];
      }
      reference_weight.assign(image.ngrams, 0.0);
      const SentenceNgrams& candidate_ngrams = chunk.candidate(image);
      tf_idf(chunk, candidate_ngrams, idf, candidate);
      std::array<double, kMaxNgramOrder> sum_over_references{};
      for (std::uint32_t r = 0; r < image.references; ++r) {
        const SentenceNgrams& reference_ngrams = chunk.sentences[image.first_sentence + r];
        tf_idf(chunk, reference_ngrams, idf, reference);
        const std::uint32_t reference_begin = reference_ngrams.order_begin[0];
        for (std::uint32_t n = reference_begin; n < reference_ngrams.order_begin[kMaxNgramOrder]; ++n) {
          reference_weight[chunk.counts[n].ngram] = reference.weights[n - reference_begin];
        }

        const double delta = candidate.length - reference.length;
        const double penalty = std::pow(kE, -std::pow(delta, 2) / (2 * std::pow(kSigma, 2)));
        const std::uint32_t candidate_begin = candidate_ngrams.order_begin[0];
        for (std::size_t k = 0; k < kMaxNgramOrder; ++k) {
          double similarity = 0.0;
          for (std::uint32_t n = candidate_ngrams.order_begin[k]; n < candidate_ngrams.order_begin[k + 1]; ++n) {
            const double weight = reference_weight[chunk.counts[n].ngram];
            similarity += std::min(candidate.weights[n - candidate_begin], weight) * weight;
          }
          if (candidate.norm[k] != 0.0 && reference.norm[k] != 0.0) {
            similarity /= candidate.norm[k] * reference.norm[k];
          }
          similarity *= penalty;
          sum_over_references[k] += similarity;
        }
        for (std::uint32_t n = reference_begin; n < reference_ngrams.order_begin[kMaxNgramOrder]; ++n) {
          reference_weight[chunk.counts[n].ngram] = 0.0;
        }
      }
      double score = numpy_sum(sum_over_references.data(), sum_over_references.size()) /
                     static_cast<double>(kMaxNgramOrder);
      score /= static_cast<double>(image.references);
      score *= 10.0;
      result.per_image[chunk.first_image + i] = score;
    }
  });
  result.corpus = numpy_mean(result.per_image);
  return result;
}

MetricScore compute_cider_d(const TokenizedCorpus& corpus) { return compute_cider_d(count_corpus_ngrams(corpus)); }

}  // namespace captioner::metrics
