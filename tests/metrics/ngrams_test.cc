// count_corpus_ngrams, and BLEU and CIDEr-D on top of it, against a plain reimplementation
// of pycocoevalcap's bleu_scorer.py and cider_scorer.py (n-grams as strings in ordered
// maps, every formula spelled out as shared/specs/metrics.md gives it) on corpora large
// enough to be split between threads, with small and with very large vocabularies.
#include "metrics/ngrams.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "metrics/bleu.h"
#include "metrics/cider.h"
#include "metrics/numpy_mean.h"
#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// A sentence's n-grams of order 1..4 with their counts, in pycocoevalcap's insertion order.
std::vector<std::pair<std::string, int>> ngrams_in_order(const std::string& sentence, int order) {
  const std::vector<std::string_view> words = split_python_whitespace(sentence);
  std::vector<std::pair<std::string, int>> ngrams;
  std::map<std::string, std::size_t> position;
  for (std::size_t start = 0; start + static_cast<std::size_t>(order) <= words.size(); ++start) {
    std::string ngram;
    for (int k = 0; k < order; ++k) ngram += std::string(words[start + static_cast<std::size_t>(k)]) + " ";
    const auto [found, added] = position.emplace(ngram, ngrams.size());
    if (added) {
      ngrams.emplace_back(ngram, 1);
    } else {
      ++ngrams[found->second].second;
    }
  }
  return ngrams;
}

std::vector<double> plain_bleu_per_image(const TokenizedCorpus& corpus, std::size_t image) {
  const std::string& candidate = corpus.candidates[image];
  const std::size_t length = split_python_whitespace(candidate).size();
  std::size_t reference_length = 0;
  std::size_t best_distance = ~std::size_t{0};
  for (const std::string& reference : corpus.references[image]) {
    const std::size_t words = split_python_whitespace(reference).size();
    const std::size_t distance = words > length ? words - length : length - words;
    if (distance < best_distance || (distance == best_distance && words < reference_length)) {
      best_distance = distance;
      reference_length = words;
    }
  }
  std::vector<double> scores;
  double product = 1.0;
  for (int order = 1; order <= 4; ++order) {
    std::map<std::string, int> max_reference_count;
    for (const std::string& reference : corpus.references[image]) {
      for (const auto& [ngram, count] : ngrams_in_order(reference, order)) {
        max_reference_count[ngram] = std::max(max_reference_count[ngram], count);
      }
    }
    std::size_t correct = 0;
    for (const auto& [ngram, count] : ngrams_in_order(candidate, order)) {
      correct += static_cast<std::size_t>(std::min(count, max_reference_count[ngram]));
    }
    const std::size_t guess = length >= static_cast<std::size_t>(order) ? length - static_cast<std::size_t>(order) + 1 : 0;
    product *= (static_cast<double>(correct) + 1e-15) / (static_cast<double>(guess) + 1e-9);
    scores.push_back(std::pow(product, 1.0 / order));
  }
  const double ratio = (static_cast<double>(length) + 1e-15) / (static_cast<double>(reference_length) + 1e-9);
  if (ratio < 1.0) {
    for (double& score : scores) score *= std::exp(1.0 - 1.0 / ratio);
  }
  return scores;
}

struct PlainVector {
  std::vector<std::vector<std::pair<std::string, double>>> weights;  // by order, insertion order
  std::vector<double> norm;
  double length = 0.0;
};

std::vector<double> plain_cider_per_image(const TokenizedCorpus& corpus) {
  std::map<std::string, int> document_frequency;
  for (const std::vector<std::string>& references : corpus.references) {
    std::set<std::string> in_image;
    for (const std::string& reference : references) {
      for (int order = 1; order <= 4; ++order) {
        for (const auto& ngram : ngrams_in_order(reference, order)) in_image.insert(ngram.first);
      }
    }
    for (const std::string& ngram : in_image) ++document_frequency[ngram];
  }
  const double log_images = std::log(static_cast<double>(corpus.size()));
  auto vector_of = [&](const std::string& sentence) {
    PlainVector vector;
    for (int order = 1; order <= 4; ++order) {
      vector.weights.emplace_back();
      double squares = 0.0;
      for (const auto& [ngram, count] : ngrams_in_order(sentence, order)) {
        const auto df = document_frequency.find(ngram);
        const double frequency = df == document_frequency.end() ? 0.0 : df->second;
        const double weight = count * (log_images - std::log(std::max(1.0, frequency)));
        vector.weights.back().emplace_back(ngram, weight);
        squares += std::pow(weight, 2);
        if (order == 2) vector.length += count;
      }
      vector.norm.push_back(std::sqrt(squares));
    }
    return vector;
  };
  std::vector<double> scores;
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    const PlainVector candidate = vector_of(corpus.candidates[image]);
    std::vector<double> sum(4, 0.0);
    for (const std::string& reference_text : corpus.references[image]) {
      const PlainVector reference = vector_of(reference_text);
      for (std::size_t k = 0; k < 4; ++k) {
        const std::map<std::string, double> reference_weight(reference.weights[k].begin(), reference.weights[k].end());
        double value = 0.0;
        for (const auto& [ngram, weight] : candidate.weights[k]) {
          const auto found = reference_weight.find(ngram);
          const double other = found == reference_weight.end() ? 0.0 : found->second;
          value += std::min(weight, other) * other;
        }
        if (candidate.norm[k] != 0.0 && reference.norm[k] != 0.0) value /= candidate.norm[k] * reference.norm[k];
        const double delta = candidate.length - reference.length;
        value *= std::pow(2.718281828459045, -std::pow(delta, 2) / (2 * std::pow(6.0, 2)));
        sum[k] += value;
      }
    }
    double score = numpy_sum(sum.data(), sum.size()) / 4.0;
    score /= static_cast<double>(corpus.references[image].size());
    scores.push_back(score * 10.0);
  }
  return scores;
}

// Random captions over `words` distinct words (so that n-grams recur across images), some
// empty, with 1 to 5 references per image, a repeated one now and then.
TokenizedCorpus random_corpus(std::size_t images, int words, unsigned seed) {
  std::mt19937 random(seed);
  auto sentence = [&] {
    std::string text;
    const int length = std::uniform_int_distribution<int>(0, 14)(random);
    for (int k = 0; k < length; ++k) {
      if (k > 0) text += ' ';
      text += "w" + std::to_string(std::uniform_int_distribution<int>(0, words - 1)(random));
    }
    return text;
  };
  TokenizedCorpus corpus;
  for (std::size_t image = 0; image < images; ++image) {
    corpus.candidates.push_back(sentence());
    corpus.references.emplace_back();
    const int references = std::uniform_int_distribution<int>(1, 5)(random);
    for (int r = 0; r < references; ++r) corpus.references.back().push_back(sentence());
    if (image % 11 == 0) corpus.references.back().push_back(corpus.references.back().front());
  }
  return corpus;
}

void expect_like_the_plain_implementation(const TokenizedCorpus& corpus) {
  const CorpusNgrams ngrams = count_corpus_ngrams(corpus);
  const BleuScores bleu = compute_bleu(ngrams);
  const MetricScore cider = compute_cider_d(ngrams);
  const std::vector<double> plain_cider = plain_cider_per_image(corpus);
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    const std::vector<double> plain_bleu = plain_bleu_per_image(corpus, image);
    for (std::size_t k = 0; k < 4; ++k) {
      ASSERT_EQ(bleu.orders[k].per_image[image], plain_bleu[k]) << "Bleu_" << k + 1 << " of image " << image;
    }
    ASSERT_EQ(cider.per_image[image], plain_cider[image]) << "CIDEr-D of image " << image;
  }
  EXPECT_EQ(cider.corpus, numpy_mean(plain_cider));
}

TEST(CorpusNgrams, CountsEachSentenceInInsertionOrderWithDocumentFrequencies) {
  const TokenizedCorpus corpus{{"a b d", "c"}, {{"a b a", "b c"}, {"a b"}}};
  const CorpusNgrams ngrams = count_corpus_ngrams(corpus);
  ASSERT_EQ(ngrams.size(), 2u);
  ASSERT_EQ(ngrams.chunks.size(), 1u);  // 2 images are not worth a second thread
  const NgramChunk& chunk = ngrams.chunks[0];
  const ImageNgrams& image = chunk.images[0];
  EXPECT_EQ(image.references, 2u);
  // a, b, "a b", "b a", "a b a" | c, "b c" | d, "b d", "a b d"
  EXPECT_EQ(image.ngrams, 10u);

  const SentenceNgrams& first_reference = chunk.sentences[image.first_sentence];
  EXPECT_EQ(first_reference.words, 3u);
  EXPECT_EQ(first_reference.order_begin, (std::array<std::uint32_t, 5>{0, 2, 4, 5, 5}));
  EXPECT_EQ(chunk.counts[0].count, 2u);  // a
  EXPECT_EQ(chunk.counts[1].count, 1u);  // b

  // The candidate "a b d": a, b, d, then "a b", "b d", then "a b d". Documents: a, b and
  // "a b" are in both images' references, the rest of its n-grams in none.
  const SentenceNgrams& candidate = chunk.candidate(image);
  EXPECT_EQ(candidate.words, 3u);
  std::vector<std::uint32_t> frequencies;
  for (std::uint32_t n = candidate.order_begin[0]; n < candidate.order_begin[4]; ++n) {
    EXPECT_EQ(chunk.counts[n].count, 1u);
    frequencies.push_back(chunk.document_frequency[image.first_ngram + chunk.counts[n].ngram]);
  }
  EXPECT_EQ(frequencies, (std::vector<std::uint32_t>{2, 2, 0, 2, 0, 0}));
  std::vector<std::uint32_t> per_order;
  for (std::size_t k = 0; k < 4; ++k) per_order.push_back(candidate.order_begin[k + 1] - candidate.order_begin[k]);
  EXPECT_EQ(per_order, (std::vector<std::uint32_t>{3, 2, 1, 0}));
  // "c" is in the first image's references only: the second image's candidate does not count.
  const ImageNgrams& second = chunk.images[1];
  const SentenceNgrams& c = chunk.candidate(second);
  ASSERT_EQ(c.order_begin[1] - c.order_begin[0], 1u);
  EXPECT_EQ(chunk.document_frequency[second.first_ngram + chunk.counts[c.order_begin[0]].ngram], 1u);
}

TEST(CorpusNgrams, SmallCorpusMatchesThePlainImplementation) {
  expect_like_the_plain_implementation(random_corpus(40, 12, 1));
}

// Enough images for every core to take a share: chunk boundaries must not show.
TEST(CorpusNgrams, LargeCorpusMatchesThePlainImplementation) {
  expect_like_the_plain_implementation(random_corpus(2500, 30, 2));
}

// Over 65,535 distinct words, n-gram keys no longer fit 16 bits a word: the first image's
// reference has 65,600 distinct words, so every later word's id is above 65,535.
TEST(CorpusNgrams, HugeVocabularyMatchesThePlainImplementation) {
  TokenizedCorpus corpus = random_corpus(300, 30, 3);
  std::string many_words;
  for (int k = 0; k < 65600; ++k) many_words += "x" + std::to_string(k) + " ";
  corpus.candidates.insert(corpus.candidates.begin(), "x1 x2 x3 w1");
  corpus.references.insert(corpus.references.begin(), {many_words});
  expect_like_the_plain_implementation(corpus);
}

}  // namespace
}  // namespace captioner::metrics
