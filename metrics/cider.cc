#include "metrics/cider.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "metrics/ngrams.h"
#include "metrics/numpy_mean.h"

namespace captioner::metrics {
namespace {

constexpr double kSigma = 6.0;
constexpr double kE = 2.718281828459045;  // numpy.e

struct Weighted {
  std::uint32_t id;
  int order;
  double weight;
};

// A sentence's tf-idf vector (n-grams in insertion order), the norm of each order,
// and its "length", which pycocoevalcap counts as the number of bigrams.
struct TfIdfVector {
  std::vector<Weighted> ngrams;
  std::array<double, kMaxNgramOrder> norm{};
  double length = 0.0;
};

TfIdfVector tf_idf(const SentenceNgrams& sentence, const std::vector<double>& log_document_frequency,
                   double log_images) {
  TfIdfVector vector;
  std::size_t bigrams = 0;
  for (const NgramCount& ngram : sentence.ngrams) {
    const double weight = static_cast<double>(ngram.count) * (log_images - log_document_frequency[ngram.id]);
    vector.ngrams.push_back({ngram.id, ngram.order, weight});
    vector.norm[static_cast<std::size_t>(ngram.order - 1)] += std::pow(weight, 2);
    if (ngram.order == 2) bigrams += ngram.count;
  }
  for (double& norm : vector.norm) norm = std::sqrt(norm);
  vector.length = static_cast<double>(bigrams);
  return vector;
}

}  // namespace

MetricScore compute_cider_d(const CorpusNgrams& corpus) {
  const std::size_t images = corpus.size();
  // Document frequency: the number of images whose references hold the n-gram.
  std::vector<double> document_frequency(corpus.distinct_ngrams, 0.0);
  std::vector<std::size_t> seen_in_image(corpus.distinct_ngrams, 0);
  for (std::size_t image = 0; image < images; ++image) {
    for (const SentenceNgrams& reference : corpus.references[image]) {
      for (const NgramCount& ngram : reference.ngrams) {
        if (seen_in_image[ngram.id] != image + 1) {
          seen_in_image[ngram.id] = image + 1;
          document_frequency[ngram.id] += 1.0;
        }
      }
    }
  }
  std::vector<double> log_document_frequency(corpus.distinct_ngrams, 0.0);
  for (std::size_t id = 0; id < document_frequency.size(); ++id) {
    log_document_frequency[id] = std::log(std::max(1.0, document_frequency[id]));
  }
  const double log_images = std::log(static_cast<double>(images));

  MetricScore result;
  result.name = "CIDEr";
  result.per_image.reserve(images);
  std::vector<double> reference_weight(corpus.distinct_ngrams, 0.0);  // by id, for the reference at hand
  for (std::size_t image = 0; image < images; ++image) {
    const TfIdfVector candidate = tf_idf(corpus.candidates[image], log_document_frequency, log_images);
    std::array<double, kMaxNgramOrder> sum_over_references{};
    for (const SentenceNgrams& reference_ngrams : corpus.references[image]) {
      const TfIdfVector reference = tf_idf(reference_ngrams, log_document_frequency, log_images);
      for (const Weighted& ngram : reference.ngrams) reference_weight[ngram.id] = ngram.weight;

      std::array<double, kMaxNgramOrder> similarity{};
      for (const Weighted& ngram : candidate.ngrams) {
        const double weight = reference_weight[ngram.id];
        similarity[static_cast<std::size_t>(ngram.order - 1)] += std::min(ngram.weight, weight) * weight;
      }
      const double delta = candidate.length - reference.length;
      for (std::size_t k = 0; k < kMaxNgramOrder; ++k) {
        if (candidate.norm[k] != 0.0 && reference.norm[k] != 0.0) {
          similarity[k] /= candidate.norm[k] * reference.norm[k];
        }
        similarity[k] *= std::pow(kE, -std::pow(delta, 2) / (2 * std::pow(kSigma, 2)));
        sum_over_references[k] += similarity[k];
      }
      for (const Weighted& ngram : reference.ngrams) reference_weight[ngram.id] = 0.0;
    }
    double score = numpy_sum(sum_over_references.data(), sum_over_references.size()) /
                   static_cast<double>(kMaxNgramOrder);
    score /= static_cast<double>(corpus.references[image].size());
    score *= 10.0;
    result.per_image.push_back(score);
  }
  result.corpus = numpy_mean(result.per_image);
  return result;
}

MetricScore compute_cider_d(const TokenizedCorpus& corpus) { return compute_cider_d(count_corpus_ngrams(corpus)); }

}  // namespace captioner::metrics
