// compute_bleu on tokenized corpora. Expected values come from pycocoevalcap 1.2
// (Bleu(4).compute_score(gts, res, verbose=1) on the same strings, printed with repr) and
// the hand arithmetic of the formulas in shared/specs/metrics.md section 2. pycocoevalcap
// uses only glibc pow/exp here, so the values must agree bit for bit.
#include "metrics/bleu.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "metrics/numpy_mean.h"

namespace captioner::metrics {
namespace {

using Counts = std::array<std::size_t, 4>;

TokenizedCorpus corpus(std::vector<std::string> candidates, std::vector<std::vector<std::string>> references) {
  return TokenizedCorpus{std::move(candidates), std::move(references)};
}

// Corpus and per-image values of all four orders, bit for bit.
void expect_bleu(const BleuScores& bleu, const std::array<double, 4>& corpus_values,
                 const std::vector<std::array<double, 4>>& per_image) {
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(bleu.orders[k].name, "Bleu_" + std::to_string(k + 1));
    EXPECT_EQ(bleu.orders[k].corpus, corpus_values[k]) << "Bleu_" << k + 1;
    ASSERT_EQ(bleu.orders[k].per_image.size(), per_image.size());
    for (std::size_t i = 0; i < per_image.size(); ++i) {
      EXPECT_EQ(bleu.orders[k].per_image[i], per_image[i][k]) << "Bleu_" << k + 1 << " image " << i;
    }
  }
}

void expect_statistics(const BleuStatistics& s, std::size_t testlen, std::size_t reflen, Counts guess, Counts correct) {
  EXPECT_EQ(s.candidate_length, testlen);
  EXPECT_EQ(s.reference_length, reflen);
  EXPECT_EQ(s.guess, guess);
  EXPECT_EQ(s.correct, correct);
}

// 1-, 2- and 3-word hypotheses have no n-grams of the higher orders: guess 0, correct 0,
// and the smoothing turns each such factor into (0 + 1e-15) / (0 + 1e-9) = 1e-6, so the
// score is tiny but positive, never 0 or NaN.
TEST(Bleu, OneWordHypothesis) {
  const BleuScores bleu = compute_bleu(corpus({"dog"}, {{"a dog"}}));
  expect_statistics(bleu.statistics, 1, 2, {1, 0, 0, 0}, {1, 0, 0, 0});
  // p = (1+1e-15)/(1+1e-9), then *1e-6 three times; ratio (1+1e-15)/(2+1e-9) ~ 1/2 gives
  // the brevity penalty exp(1 - 2) = e^-1.
  const double penalty = std::exp(1.0 - 1.0 / ((1.0 + 1e-15) / (2.0 + 1e-9)));
  double p = (1.0 + 1e-15) / (1.0 + 1e-9);
  EXPECT_EQ(bleu.orders[0].corpus, std::pow(p, 1.0) * penalty);
  p *= (0.0 + 1e-15) / (0.0 + 1e-9);
  EXPECT_EQ(bleu.orders[1].corpus, std::pow(p, 1.0 / 2) * penalty);
  expect_bleu(bleu, {0.3678794404356846, 0.0003678794406196241, 3.678794406809375e-05, 1.163336936997511e-05},
              {{0.3678794404356846, 0.0003678794406196241, 3.678794406809375e-05, 1.163336936997511e-05}});
}

TEST(Bleu, TwoWordHypothesis) {
  const BleuScores bleu = compute_bleu(corpus({"a dog"}, {{"a dog"}}));
  expect_statistics(bleu.statistics, 2, 2, {2, 1, 0, 0}, {2, 1, 0, 0});
  // BLEU-3 ~ (1e-6)^(1/3) = 1e-2, BLEU-4 ~ (1e-12)^(1/4) = 1e-3.
  expect_bleu(bleu, {0.9999999990000008, 0.9999999987500011, 0.009999999990000012, 0.0009999999991250007},
              {{0.9999999990000008, 0.9999999987500011, 0.009999999990000012, 0.0009999999991250007}});
}

TEST(Bleu, ThreeWordHypothesis) {
  const BleuScores bleu = compute_bleu(corpus({"a big dog"}, {{"a big dog"}}));
  expect_statistics(bleu.statistics, 3, 3, {3, 2, 1, 0}, {3, 2, 1, 0});
  // Only BLEU-4 meets an empty order: (1e-6)^(1/4) = 0.0316...
  EXPECT_GT(bleu.orders[3].corpus, 0.0);
  EXPECT_LT(bleu.orders[3].corpus, 0.032);
  expect_bleu(bleu, {0.9999999993333338, 0.9999999992500005, 0.9999999990555564, 0.03162277657664911},
              {{0.9999999993333338, 0.9999999992500005, 0.9999999990555564, 0.03162277657664911}});
}

// Words are split on any whitespace (Python's str.split()), so a tab and a double space
// separate words exactly as a single space does.
TEST(Bleu, SplitsOnAnyWhitespace) {
  const BleuScores bleu = compute_bleu(corpus({"a\tdog  runs"}, {{"a dog runs"}}));
  expect_statistics(bleu.statistics, 3, 3, {3, 2, 1, 0}, {3, 2, 1, 0});
  EXPECT_EQ(bleu.orders[3].corpus, 0.03162277657664911);
}

// With one image the corpus totals are that image's counts: the corpus score equals the
// image score exactly.
TEST(Bleu, SingleImageCorpusEqualsImageScore) {
  const BleuScores bleu = compute_bleu(
      corpus({"a man rides a red horse"}, {{"a man is riding a horse on the beach", "a person on a horse"}}));
  // Lengths 9 and 5 for a 6-word candidate: 5 is closer. a(2) man horse match; rides red do not.
  expect_statistics(bleu.statistics, 6, 5, {6, 5, 4, 3}, {4, 1, 0, 0});
  for (std::size_t k = 0; k < 4; ++k) {
    ASSERT_EQ(bleu.orders[k].per_image.size(), 1u);
    EXPECT_EQ(bleu.orders[k].corpus, bleu.orders[k].per_image[0]);
  }
  expect_bleu(bleu, {0.6666666665555557, 0.36514837160316715, 3.2182979480238973e-06, 1.0266900958365025e-08},
              {{0.6666666665555557, 0.36514837160316715, 3.2182979480238973e-06, 1.0266900958365025e-08}});
}

// Clipping uses each n-gram's largest count in ONE reference, not the sum over references.
// "a dog a dog a dog": a x3, dog x3 clip at 2 each (ref 1) -> 4 of 6 (the sum over refs,
// 4 per word, would give 6); "a dog" x3 clips at 2, "dog a" x2 at 1 -> 3 of 5; "a dog a"
// and "dog a dog" x2 each clip at 1 -> 2 of 4; "a dog a dog" x2 at 1 -> 1 of 3.
TEST(Bleu, RepeatedReferencesClipByTheLargestSingleCount) {
  const BleuScores bleu = compute_bleu(corpus({"a dog a dog a dog"}, {{"a dog a dog", "a dog", "a dog"}}));
  expect_statistics(bleu.statistics, 6, 4, {6, 5, 4, 3}, {4, 3, 2, 1});
  expect_bleu(bleu, {0.6666666665555557, 0.6324555319177259, 0.5848035475223639, 0.5081327480339335},
              {{0.6666666665555557, 0.6324555319177259, 0.5848035475223639, 0.5081327480339335}});
}

// A 4-word candidate with references of 3 and 5 words: both are 1 away and the shorter
// wins (min over (|l - 4|, l)), whatever the reference order. Picking 5 would add a
// brevity penalty; with 3 the ratio is 4/3 and there is none.
TEST(Bleu, ClosestReferenceLengthTiePicksTheShorter) {
  const std::array<double, 4> expected = {0.9999999997500002, 0.8164965806895814, 0.6933612741002546,
                                          0.0001351200154103285};
  for (const auto& references : {std::vector<std::string>{"a dog runs", "a dog runs very fast"},
                                 std::vector<std::string>{"a dog runs very fast", "a dog runs"}}) {
    const BleuScores bleu = compute_bleu(corpus({"a dog runs fast"}, {references}));
    expect_statistics(bleu.statistics, 4, 3, {4, 3, 2, 1}, {4, 2, 1, 0});
    expect_bleu(bleu, expected, {expected});
  }
}

// "a dog" against a 6-word reference: ratio (2 + 1e-15) / (6 + 1e-9) ~ 1/3 and every
// order is multiplied by exp(1 - 1/ratio) ~ e^-2.
TEST(Bleu, BrevityPenalty) {
  const BleuScores bleu = compute_bleu(corpus({"a dog"}, {{"a dog runs on the grass"}}));
  expect_statistics(bleu.statistics, 2, 6, {2, 1, 0, 0}, {2, 1, 0, 0});
  const double ratio = (2.0 + 1e-15) / (6.0 + 1e-9);
  const double penalty = std::exp(1.0 - 1.0 / ratio);
  double p = (2.0 + 1e-15) / (2.0 + 1e-9);
  const double bleu1 = std::pow(p, 1.0) * penalty;
  p *= (1.0 + 1e-15) / (1.0 + 1e-9);
  const double bleu2 = std::pow(p, 1.0 / 2) * penalty;
  EXPECT_EQ(bleu.orders[0].corpus, bleu1);
  EXPECT_EQ(bleu.orders[1].corpus, bleu2);
  expect_bleu(bleu, {0.13533528310127763, 0.13533528306744386, 0.0013533528310127768, 0.00013533528311819452},
              {{0.13533528310127763, 0.13533528306744386, 0.0013533528310127768, 0.00013533528311819452}});
}

// A caption that was only punctuation is "" after tokenization: 0 words, ratio
// 1e-15 / (2 + 1e-9), and exp(1 - 1/ratio) underflows to exactly 0.
TEST(Bleu, EmptyCandidateScoresZero) {
  const BleuScores bleu = compute_bleu(corpus({""}, {{"a dog"}}));
  expect_statistics(bleu.statistics, 0, 2, {0, 0, 0, 0}, {0, 0, 0, 0});
  expect_bleu(bleu, {0.0, 0.0, 0.0, 0.0}, {{0.0, 0.0, 0.0, 0.0}});
}

// Four images whose totals were counted by hand (and printed by pycocoevalcap's verbose
// mode as {'testlen': 21, 'reflen': 22, 'guess': [21, 17, 13, 9], 'correct': [20, 13, 6, 2]}):
//   "a man on a horse"     len 5, refs 5 5 -> 5; correct 5 3 1 0 of 5 4 3 2
//   "two dogs play"        len 3, refs 6 2 -> 2; correct 3 2 1 0 of 3 2 1 0
//   "a cat on a cat mat"   len 6, ref  6   -> 6; correct 5 2 0 0 of 6 5 4 3 ("cat" clips at 1)
//   "a plate of food ..."  len 7, refs 4 4 9 -> 9 (|9-7| < |4-7|); correct 7 6 4 2 of 7 6 5 4
TEST(Bleu, CorpusStatisticsAndScoresOnFourImages) {
  const BleuScores bleu =
      compute_bleu(corpus({"a man on a horse", "two dogs play", "a cat on a cat mat", "a plate of food on a table"},
                          {{"a man rides a horse", "a person on a horse"},
                           {"two dogs play in the snow", "dogs play"},
                           {"a cat sits on a mat"},
                           {"a plate of food", "food on a table", "a plate with some food on a wooden table"}}));
  expect_statistics(bleu.statistics, 21, 22, {21, 17, 13, 9}, {20, 13, 6, 2});
  expect_bleu(bleu, {0.9080923378501595, 0.8137141651573928, 0.6629645711565805, 0.49847621359141486},
              {{0.9999999996000004, 0.8660254034163782, 0.6299605246569553, 0.00010573712628898506},
               {0.999999999666667, 0.9999999995833336, 0.9999999993888895, 0.03162277658719003},
               {0.8333333330555557, 0.5773502689875534, 4.367902322055668e-06, 1.2909944482140289e-08},
               {0.7514772928605784, 0.7514772928516321, 0.6976097222322197, 0.5976278943170199}});
  // Corpus BLEU comes from the summed counts, so it is not the mean of the image scores
  // (BLEU-4: 0.498 against a mean of about 0.157).
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_NE(bleu.orders[k].corpus, numpy_mean(bleu.orders[k].per_image)) << "Bleu_" << k + 1;
  }
  EXPECT_GT(bleu.orders[3].corpus, 3 * numpy_mean(bleu.orders[3].per_image));
}

}  // namespace
}  // namespace captioner::metrics
