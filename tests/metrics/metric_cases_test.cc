// The scorers on small corpora whose scores were computed by pycocoevalcap 1.2 itself
// (Bleu(4), Rouge(), Cider() on the same tokenized captions), with the hand arithmetic
// that explains each value. Bit-identical results are expected.
#include <gtest/gtest.h>

#include <cmath>

#include "metrics/bleu.h"
#include "metrics/cider.h"
#include "metrics/rouge.h"
#include "metrics/scorer.h"

namespace captioner::metrics {
namespace {

TokenizedCorpus corpus(std::vector<std::string> candidates, std::vector<std::vector<std::string>> references) {
  return TokenizedCorpus{std::move(candidates), std::move(references)};
}

void expect_scores(const MetricScore& score, double corpus_value, const std::vector<double>& per_image) {
  EXPECT_DOUBLE_EQ(score.corpus, corpus_value) << score.name;
  ASSERT_EQ(score.per_image.size(), per_image.size()) << score.name;
  for (std::size_t i = 0; i < per_image.size(); ++i) {
    EXPECT_DOUBLE_EQ(score.per_image[i], per_image[i]) << score.name << " image " << i;
  }
}

// "a cat" against "a cat sat" / "the cat": shorter than every n above 2. Closest
// reference length 2 (|2-2| beats |3-2|); 1-grams 2/2, 2-grams 1/1, 3- and 4-grams 0/0,
// which the smoothing turns into (1e-15/1e-9) = 1e-6 factors: BLEU-3 ~ 1e-2, BLEU-4 ~ 1e-3.
TEST(MetricCases, HypothesisShorterThanEveryN) {
  const TokenizedCorpus c = corpus({"a cat"}, {{"a cat sat", "the cat"}});
  const BleuScores bleu = compute_bleu(c);
  expect_scores(bleu.orders[0], 0.99999999900000081, {0.99999999900000081});
  expect_scores(bleu.orders[1], 0.99999999875000112, {0.99999999875000112});
  expect_scores(bleu.orders[2], 0.0099999999900000115, {0.0099999999900000115});
  expect_scores(bleu.orders[3], 0.00099999999912500073, {0.00099999999912500073});
  EXPECT_EQ(bleu.statistics.candidate_length, 2u);
  EXPECT_EQ(bleu.statistics.reference_length, 2u);
  EXPECT_EQ(bleu.statistics.guess, (std::array<std::size_t, 4>{2, 1, 0, 0}));
  EXPECT_EQ(bleu.statistics.correct, (std::array<std::size_t, 4>{2, 1, 0, 0}));
  // LCS 2 with "a cat sat" (P 1, R 2/3), 1 with "the cat" (P 1/2, R 1/2): best P 1,
  // best R 2/3, F = (2.44 * 1 * 2/3) / (2/3 + 1.44 * 1) = 0.7721518987...
  expect_scores(compute_rouge_l(c), 0.77215189873417722, {0.77215189873417722});
  // One image: log N = 0, every idf weight is 0.
  expect_scores(compute_cider_d(c), 0.0, {0.0});
}

// "the the the the" against a repeated reference: clipping uses the largest count in
// one reference (2), not the sum over references (5): BLEU-1 = 2/4.
TEST(MetricCases, RepeatedReferencesClipByTheMaximum) {
  const TokenizedCorpus c = corpus({"the the the the"}, {{"the cat", "the the dog", "the the dog"}});
  const BleuScores bleu = compute_bleu(c);
  EXPECT_EQ(bleu.statistics.correct, (std::array<std::size_t, 4>{2, 1, 0, 0}));
  EXPECT_EQ(bleu.statistics.reference_length, 3u);  // closest to 4 of {2, 3, 3}
  expect_scores(bleu.orders[0], 0.49999999987500021, {0.49999999987500021});
  expect_scores(bleu.orders[1], 0.40824829034479093, {0.40824829034479093});
  expect_scores(bleu.orders[2], 4.3679023221042019e-06, {4.3679023221042019e-06});
  expect_scores(bleu.orders[3], 1.6990442439622041e-08, {1.6990442439622041e-08});
  expect_scores(compute_rouge_l(c), 0.58653846153846145, {0.58653846153846145});
}

// A candidate that is empty after tokenization: BLEU's brevity penalty exp(1 - 1/1e-6...)
// is 0, ROUGE-L compares one empty token (LCS 0), CIDEr-D has no n-grams. The corpus
// BLEU still counts the other image, and is not the mean of the image scores.
TEST(MetricCases, EmptyCandidate) {
  const TokenizedCorpus c = corpus({"", "a cat on the mat"}, {{"a dog"}, {"a cat on a mat", "the cat"}});
  const BleuScores bleu = compute_bleu(c);
  expect_scores(bleu.orders[0], 0.67032004576751159, {0.0, 0.99999999960000041});
  expect_scores(bleu.orders[1], 0.4739878499156347, {0.0, 0.70710678088602752});
  expect_scores(bleu.orders[2], 0.36889133741079677, {0.0, 0.55032120789534567});
  expect_scores(bleu.orders[3], 6.4045245612128239e-05, {0.0, 9.5544279170674105e-05});
  expect_scores(compute_rouge_l(c), 0.40000000000000002, {0.0, 0.80000000000000004});
  expect_scores(compute_cider_d(c), 1.4521114258196646, {0.0, 2.9042228516393291});
}

// Both sides empty: ROUGE-L's split(" ") gives one empty token on each side, which
// match: 1.0. BLEU is 0. pycocoevalcap's CIDEr raises here (max() of no document
// frequencies); we give 0.
TEST(MetricCases, EmptyCandidateAndReference) {
  const TokenizedCorpus c = corpus({""}, {{""}});
  const BleuScores bleu = compute_bleu(c);
  for (const MetricScore& order : bleu.orders) expect_scores(order, 0.0, {0.0});
  expect_scores(compute_rouge_l(c), 1.0, {1.0});
  expect_scores(compute_cider_d(c), 0.0, {0.0});
}

TEST(MetricCases, ThreeImages) {
  const TokenizedCorpus c = corpus(
      {"a man on a horse", "a dog in the snow", "a plate"},
      {{"a man rides a horse", "a person on a horse"},
       {"two dogs play in the snow", "dogs in snow"},
       {"a plate of food", "food on a plate", "a plate with food"}});
  const BleuScores bleu = compute_bleu(c);
  expect_scores(bleu.orders[0], 0.64900065245133753, {0.99999999960000041, 0.49123845165029401, 0.36787944080356333});
  expect_scores(bleu.orders[1], 0.58048383052110031, {0.86602540341637824, 0.44843730179341734, 0.36787944071159362});
  expect_scores(bleu.orders[2], 0.44391020201126691, {0.62996052465695529, 0.38002115194698255, 0.0036787944080356343});
  expect_scores(bleu.orders[3], 6.4241095988039779e-05,
                {0.00010573712628898506, 6.8846775496267257e-05, 0.00036787944084954821});
  expect_scores(compute_rouge_l(c), 0.68883221380078308, {0.80000000000000004, 0.6376306620209059, 0.62886597938144329});
  expect_scores(compute_cider_d(c), 2.8892877306362497, {3.390993428619308, 2.3208989473028434, 2.9559708159865976});
}

// CIDEr-D's "length" is the number of bigrams: "dog" (0 bigrams) against "dog" and
// "a dog" (0 and 1) is penalised only against the second reference.
TEST(MetricCases, CiderLengthCountsBigrams) {
  const TokenizedCorpus c = corpus({"dog", "a cat"}, {{"dog", "a dog"}, {"cat", "the cat"}});
  expect_scores(compute_cider_d(c), 1.8091921748800703, {2.1216921748800703, 1.4966921748800703});
  expect_scores(compute_rouge_l(c), 0.85465116279069764, {1.0, 0.70930232558139539});
}

// Through the facade: punctuation-only captions tokenize to "" as in pycocoevalcap.
TEST(MetricCases, PunctuationOnlyCaptionsTokenizeToEmpty) {
  CaptionSet captions;
  captions.image_ids = {"1", "2"};
  captions.candidates = {"...", "A cat on the mat."};
  captions.references = {{"A dog!"}, {"A cat on a mat.", "The cat?"}};
  const TokenizedCorpus tokenized = tokenize_corpus(captions, *make_tokenizer(TokenizationMode::kPtb));
  EXPECT_EQ(tokenized.candidates, (std::vector<std::string>{"", "a cat on the mat"}));
  EXPECT_EQ(tokenized.references[1], (std::vector<std::string>{"a cat on a mat", "the cat"}));
  const Evaluation evaluation = evaluate(captions, TokenizationMode::kPtb);
  ASSERT_EQ(evaluation.scores.size(), 6u);
  EXPECT_EQ(evaluation.scores[4].name, "ROUGE_L");
  EXPECT_DOUBLE_EQ(evaluation.scores[4].corpus, 0.40000000000000002);  // as EmptyCandidate
  EXPECT_EQ(evaluation.scores[5].name, "CIDEr");
  EXPECT_DOUBLE_EQ(evaluation.scores[5].corpus, 1.4521114258196646);
}

TEST(MetricCases, RejectsCorporaTheReferenceWouldAssertOn) {
  EXPECT_THROW(compute_bleu(corpus({}, {})), std::invalid_argument);
  EXPECT_THROW(compute_rouge_l(corpus({"a"}, {{}})), std::invalid_argument);
  EXPECT_THROW(compute_cider_d(corpus({"a", "b"}, {{"a"}})), std::invalid_argument);
}

}  // namespace
}  // namespace captioner::metrics
