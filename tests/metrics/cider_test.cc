// compute_cider_d against pycocoevalcap 1.2's Cider().compute_score on the same strings
// (values printed with repr) and the formulas of shared/specs/metrics.md section 5.
// pycocoevalcap takes its logarithms from numpy, whose SIMD log may differ from glibc's by
// one ulp (spec section 6), so non-zero values are compared with a 1e-12 relative bound.
#include "metrics/cider.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "metrics/numpy_mean.h"

namespace captioner::metrics {
namespace {

TokenizedCorpus corpus(std::vector<std::string> candidates, std::vector<std::vector<std::string>> references) {
  return TokenizedCorpus{std::move(candidates), std::move(references)};
}

void expect_close(double actual, double expected, const std::string& what) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::max(1.0, std::fabs(expected))) << what;
}

void expect_cider(const MetricScore& score, double corpus_value, const std::vector<double>& per_image) {
  EXPECT_EQ(score.name, "CIDEr");
  expect_close(score.corpus, corpus_value, "corpus");
  ASSERT_EQ(score.per_image.size(), per_image.size());
  for (std::size_t i = 0; i < per_image.size(); ++i) {
    expect_close(score.per_image[i], per_image[i], "image " + std::to_string(i));
  }
  // The corpus value is numpy's mean of the image values.
  EXPECT_EQ(score.corpus, numpy_mean(score.per_image));
}

// One image: log N = log 1 = 0 and every reference n-gram has df 1, so every tf-idf
// weight is 0 - 0 and the score is exactly 0.0 even for a perfect candidate.
TEST(CiderD, OneImageIsExactlyZero) {
  const MetricScore score =
      compute_cider_d(corpus({"a man rides a horse"}, {{"a man rides a horse", "a person on a horse"}}));
  ASSERT_EQ(score.per_image.size(), 1u);
  EXPECT_EQ(score.per_image[0], 0.0);
  EXPECT_EQ(score.corpus, 0.0);
}

// Three images with repeated candidate n-grams ("a dog" x3: its weight exceeds the
// reference's and is clipped), n-grams absent from the references (weight log 3), and
// references of different lengths; values from pycocoevalcap.
TEST(CiderD, ThreeImagesMatchPycocoevalcap) {
  const MetricScore score = compute_cider_d(
      corpus({"a dog and a dog on a dog bed", "a cat on a mat", "two people walking on a beach"},
             {{"a dog lying on a dog bed", "two dogs on a bed", "a dog sleeps"},
              {"a cat sitting on a mat", "a cat on the floor"},
              {"two people walk on the beach", "people walking on a sandy beach", "a couple on a beach"}}));
  expect_cider(score, 2.9870093319529123, {1.6702914087756513, 3.9105919330505685, 3.380144654032518});
}

// "dog" against "dog" and "big dog", and "cat" against "cat", by hand. N = 2 and every
// reference n-gram occurs in one image, so every weight is w = log 2 - log 1.
// Image 1, ref "dog": identical unigram vectors, cosine 1; higher orders have zero norms
// and stay 0; lengths 0 and 0, no penalty.
// Ref "big dog": unigram cosine w*w / (w * sqrt(w^2 + w^2)) = 1/sqrt(2); its length is
// its 1 bigram against the candidate's 0, so the penalty is e^(-1/72).
// Score (1 + cos * penalty) / 4 / 2 refs * 10 = 2.1216...; image 2: 1 / 4 / 1 * 10 = 2.5.
// (Counting words instead of bigrams gives the same deltas for non-empty sentences, 1 - 2
// here, and an empty sentence has similarity 0 whatever its penalty: the two definitions
// cannot be told apart by the score.)
TEST(CiderD, LengthPenaltyOnBigramCounts) {
  const MetricScore score = compute_cider_d(corpus({"dog", "cat"}, {{"dog", "big dog"}, {"cat"}}));
  const double w = std::log(2.0) - std::log(1.0);
  const double cosine = std::min(w, w) * w / (w * std::sqrt(std::pow(w, 2) + std::pow(w, 2)));
  const double delta = 0.0 - 1.0;
  const double penalty = std::pow(2.718281828459045, -(delta * delta) / (2 * 6.0 * 6.0));
  const double image1 = ((((-0.0 + (1.0 + cosine * penalty)) + 0.0) + 0.0) + 0.0) / 4 / 2 * 10.0;
  expect_close(score.per_image.at(0), image1, "hand computation");
  expect_cider(score, 2.3108460874400354, {2.1216921748800703, 2.5});
  EXPECT_EQ(score.per_image[1], 2.5);  // (1 / 4) / 1 * 10, exact
}

// An empty candidate has no n-grams: 0 for that image. Document frequencies come from the
// references only, so the other image's score is the same as with a non-empty candidate.
TEST(CiderD, EmptyCandidate) {
  const std::vector<std::vector<std::string>> references = {{"a dog runs"}, {"a cat sitting on a mat", "a cat"}};
  const MetricScore empty = compute_cider_d(corpus({"", "a cat on a mat"}, references));
  expect_cider(empty, 1.7194375063101341, {0.0, 3.4388750126202683});
  EXPECT_EQ(empty.per_image[0], 0.0);
  const MetricScore non_empty = compute_cider_d(corpus({"a dog", "a cat on a mat"}, references));
  expect_cider(non_empty, 3.462821856070275, {3.486768699520282, 3.4388750126202683});
  EXPECT_EQ(empty.per_image[1], non_empty.per_image[1]);
}

// Both sides empty in one image: pycocoevalcap gives 0 there (and 5.0 for "a cat" vs
// "a cat", (2 orders * 1) / 4 * 10) as long as another image supplies document frequencies.
TEST(CiderD, EmptyCandidateAndReference) {
  expect_cider(compute_cider_d(corpus({"", "a cat"}, {{""}, {"a cat"}})), 2.5, {0.0, 5.0});
}

// A reference given twice: each copy adds the same similarity and the sum is divided by
// 2 references, and df counts images, not references: the same scores as one copy.
TEST(CiderD, RepeatedReferences) {
  const MetricScore twice = compute_cider_d(corpus(
      {"a dog runs", "a cat on a mat"}, {{"a dog runs fast", "a dog runs fast"}, {"a cat sitting on a mat", "a cat"}}));
  expect_cider(twice, 4.604216528460201, {5.769558044300133, 3.4388750126202683});
  const MetricScore once = compute_cider_d(
      corpus({"a dog runs", "a cat on a mat"}, {{"a dog runs fast"}, {"a cat sitting on a mat", "a cat"}}));
  EXPECT_EQ(twice.per_image, once.per_image);
}

}  // namespace
}  // namespace captioner::metrics
