// compute_rouge_l against pycocoevalcap 1.2's Rouge().compute_score on the same strings
// (values printed with repr) and the formula of shared/specs/metrics.md section 4. ROUGE-L
// uses only + - * / and numpy's mean, so the values must agree bit for bit.
#include "metrics/rouge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "metrics/numpy_mean.h"

namespace captioner::metrics {
namespace {

TokenizedCorpus corpus(std::vector<std::string> candidates, std::vector<std::vector<std::string>> references) {
  return TokenizedCorpus{std::move(candidates), std::move(references)};
}

// F-measure as rouge.py writes it, with beta**2 = pow(1.2, 2).
double f_measure(double precision, double recall) {
  const double b2 = std::pow(1.2, 2);
  return ((1 + b2) * precision * recall) / (recall + b2 * precision);
}

double rouge_of(const std::string& candidate, const std::vector<std::string>& references) {
  const MetricScore score = compute_rouge_l(corpus({candidate}, {references}));
  EXPECT_EQ(score.name, "ROUGE_L");
  EXPECT_EQ(score.per_image.size(), 1u);
  EXPECT_EQ(score.corpus, score.per_image.at(0));  // one image: the mean is the value
  return score.per_image.at(0);
}

// "".split(" ") is [""]: one empty token on each side, LCS 1, P = R = 1, score 1.0
// (pycocoevalcap gives 1.0), although BLEU and CIDEr see no words at all.
TEST(RougeL, EmptyAgainstEmptyIsOne) { EXPECT_EQ(rouge_of("", {""}), 1.0); }

// An empty candidate is one empty token that matches nothing in "a dog": LCS 0.
TEST(RougeL, EmptyAgainstWordsIsZero) {
  EXPECT_EQ(rouge_of("", {"a dog"}), 0.0);
  EXPECT_EQ(rouge_of("a dog", {""}), 0.0);
}

// Single-space split: "a  dog" is [a, "", dog], three tokens, LCS 2 with "a dog":
// P = 2/3, R = 1, F = (2.44 * 2/3 * 1) / (1 + 1.44 * 2/3) = 0.829931...
TEST(RougeL, SplitsOnSingleSpaces) {
  EXPECT_EQ(rouge_of("a  dog", {"a dog"}), f_measure(2.0 / 3, 1.0));
  EXPECT_EQ(rouge_of("a  dog", {"a dog"}), 0.8299319727891156);
  EXPECT_EQ(rouge_of("a dog ", {"a dog"}), 0.8299319727891156);  // trailing space: [a, dog, ""]
  // The other way round: P = 1, R = 2/3.
  EXPECT_EQ(rouge_of("a dog", {"a  dog"}), f_measure(1.0, 2.0 / 3));
  EXPECT_EQ(rouge_of("a dog", {"a  dog"}), 0.7721518987341772);
}

// The best precision and the best recall are maxima taken separately over the references.
// "a b c d" vs "a b": LCS 2, P 2/4, R 2/2; vs "a b c x y z w v": LCS 3, P 3/4, R 3/8.
// P = 3/4 comes from the second reference and R = 1 from the first: F = 0.8798..., more
// than either reference's own F (0.5/1 -> 0.7097, 0.75/0.375 -> 0.4716).
TEST(RougeL, PrecisionAndRecallMaximisedIndependently) {
  const double score = rouge_of("a b c d", {"a b", "a b c x y z w v"});
  EXPECT_EQ(score, f_measure(0.75, 1.0));
  EXPECT_EQ(score, 0.8798076923076923);
  EXPECT_GT(score, f_measure(0.5, 1.0));
  EXPECT_GT(score, f_measure(0.75, 0.375));
}

// No common token with any reference: exactly 0.0 (the formula would divide 0 by 0).
TEST(RougeL, ZeroLcsScoresZero) {
  const double score = rouge_of("red car", {"a dog", "the cat sat"});
  EXPECT_FALSE(std::isnan(score));
  EXPECT_EQ(score, 0.0);
}

// The corpus value is numpy.mean of the image scores, with numpy's summation order.
// The images are in an order where a plain left-to-right sum gives 0.639365429728371
// (one ulp lower) while numpy, and pycocoevalcap, give 0.6393654297283711.
TEST(RougeL, CorpusIsTheNumpyMeanOfImageScores) {
  const MetricScore score = compute_rouge_l(
      corpus({"a red bus on the road", "a cat on a cat mat", "people walking", "two dogs play", "x y",
              "a man on a horse", "a dog", "a bird flying over water", "a plate of food on a table", "the sky is blue"},
             {{"a red double decker bus on a road"},
              {"a cat sits on a mat"},
              {"people walk down a street"},
              {"two dogs play in the snow", "dogs play"},
              {"z"},
              {"a man rides a horse", "a person on a horse"},
              {"a dog runs"},
              {"a bird flies over the water", "bird over water"},
              {"a plate of food", "food on a table"},
              {"blue sky"}}));
  const std::vector<double> expected = {
      0.6963470319634703, 0.8333333333333334, 0.26521739130434785, 1.0, 0.0, 0.8, 0.7721518987341772,
      0.9070631970260222, 0.7648902821316614, 0.3546511627906977};
  ASSERT_EQ(score.per_image.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(score.per_image[i], expected[i]) << "image " << i;
  EXPECT_EQ(score.corpus, 0.6393654297283711);
  EXPECT_EQ(score.corpus, numpy_mean(expected));
  double naive = 0.0;
  for (const double value : expected) naive += value;
  EXPECT_NE(score.corpus, naive / static_cast<double>(expected.size()));  // the order is visible
}

}  // namespace
}  // namespace captioner::metrics
