#include "decoder/logits_processors.h"

#include <cmath>
#include <limits>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "decoder/token_ids.h"

using namespace captioner::decoder;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

torch::Tensor uniform_log_probs(int64_t rows, int64_t vocab) {
  return torch::full({rows, vocab}, -std::log(static_cast<float>(vocab)));
}

torch::Tensor generated(std::vector<std::vector<int64_t>> rows) {
  const auto length = static_cast<int64_t>(rows.front().size());
  auto out = torch::empty({static_cast<int64_t>(rows.size()), length}, torch::kLong);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int64_t t = 0; t < length; ++t) out[r][t] = rows[r][t];
  return out;
}

// The ids left allowed (finite) in `row`.
std::vector<int64_t> allowed(const torch::Tensor& log_probs, int64_t row) {
  std::vector<int64_t> ids;
  for (int64_t id = 0; id < log_probs.size(1); ++id) {
    if (std::isfinite(log_probs[row][id].item<float>())) ids.push_back(id);
  }
  return ids;
}

TEST(SuppressTokens, DisallowsExactlyItsIds) {
  auto log_probs = uniform_log_probs(2, 7);
  const auto before = log_probs.clone();
  SuppressTokens({kPadId, kUnkId, 6}).apply(log_probs, generated({{4}, {5}}));
  for (int64_t row = 0; row < 2; ++row) EXPECT_EQ(allowed(log_probs, row), (std::vector<int64_t>{1, 2, 4, 5}));
  // What stays keeps its value: scores remain the model's log-probabilities.
  EXPECT_EQ(log_probs[0][4].item<float>(), before[0][4].item<float>());
}

TEST(MinLength, DisallowsEosUntilTheMinimumLength) {
  const MinLength min_length(2);
  auto log_probs = uniform_log_probs(1, 6);
  min_length.apply(log_probs, torch::empty({1, 0}, torch::kLong));
  EXPECT_EQ(log_probs[0][kEosId].item<float>(), -kInf);
  log_probs = uniform_log_probs(1, 6);
  min_length.apply(log_probs, generated({{4}}));
  EXPECT_EQ(log_probs[0][kEosId].item<float>(), -kInf);
  log_probs = uniform_log_probs(1, 6);
  min_length.apply(log_probs, generated({{4, 5}}));
  EXPECT_EQ(allowed(log_probs, 0).size(), 6u);
}

TEST(MaxLength, LeavesOnlyEosAtTheMaximumLength) {
  const MaxLength max_length(2);
  auto log_probs = uniform_log_probs(2, 6);
  max_length.apply(log_probs, generated({{4}, {5}}));
  EXPECT_EQ(allowed(log_probs, 0).size(), 6u);
  log_probs = uniform_log_probs(2, 6);
  max_length.apply(log_probs, generated({{4, 4}, {5, 4}}));
  for (int64_t row = 0; row < 2; ++row) EXPECT_EQ(allowed(log_probs, row), (std::vector<int64_t>{kEosId}));
  EXPECT_FLOAT_EQ(log_probs[0][kEosId].item<float>(), -std::log(6.0f));
}

TEST(NoRepeatNgram, UnigramsBlockEveryTokenSeen) {
  auto log_probs = uniform_log_probs(1, 9);
  NoRepeatNgram(1).apply(log_probs, generated({{4, 7, 4}}));
  EXPECT_EQ(allowed(log_probs, 0), (std::vector<int64_t>{0, 1, 2, 3, 5, 6, 8}));
}

TEST(NoRepeatNgram, BlocksTheTokenThatWouldRepeatAnNgram) {
  // Row 0 ends in "5" and has seen "5 6" and "5 7": 6 and 7 are blocked.
  // Row 1 ends in "8 4": it has seen "8 4 5", so 5 is blocked for trigrams.
  auto bigrams = uniform_log_probs(2, 10);
  NoRepeatNgram(2).apply(bigrams, generated({{5, 6, 5, 7, 5}, {8, 4, 5, 8, 4}}));
  EXPECT_EQ(allowed(bigrams, 0), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 8, 9}));
  EXPECT_EQ(allowed(bigrams, 1), (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9}));  // "4 5" seen
  auto trigrams = uniform_log_probs(2, 10);
  NoRepeatNgram(3).apply(trigrams, generated({{5, 6, 5, 7, 5}, {8, 4, 5, 8, 4}}));
  EXPECT_EQ(allowed(trigrams, 0).size(), 10u);  // "7 5" never seen before
  EXPECT_EQ(allowed(trigrams, 1), (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9}));
}

TEST(NoRepeatNgram, NothingToBlockBeforeAFullNgram) {
  auto log_probs = uniform_log_probs(1, 8);
  NoRepeatNgram(3).apply(log_probs, generated({{4, 4}}));
  EXPECT_EQ(allowed(log_probs, 0).size(), 8u);
}

TEST(LogitsProcessorChain, FromOptionsSuppressesPadBosAndUnk) {
  DecodeOptions options;
  options.min_length = 0;
  auto log_probs = uniform_log_probs(1, 6);
  LogitsProcessorChain(options).apply(log_probs, torch::empty({1, 0}, torch::kLong));
  EXPECT_EQ(allowed(log_probs, 0), (std::vector<int64_t>{kEosId, 4, 5}));
  options.suppress_unk = false;
  log_probs = uniform_log_probs(1, 6);
  LogitsProcessorChain(options).apply(log_probs, torch::empty({1, 0}, torch::kLong));
  EXPECT_EQ(allowed(log_probs, 0), (std::vector<int64_t>{kEosId, kUnkId, 4, 5}));
}

TEST(LogitsProcessorChain, ARowWithNothingLeftMayEnd) {
  // Unigram blocking has used the whole vocabulary (4 and 5) while the min length still
  // forbids eos: the row gets eos back rather than a disallowed token.
  DecodeOptions options;
  options.min_length = 5;
  options.no_repeat_ngram_size = 1;
  auto log_probs = uniform_log_probs(2, 6);
  log_probs[0][kEosId] = -0.5f;
  LogitsProcessorChain(options).apply(log_probs, generated({{4, 5}, {4, 4}}));
  EXPECT_EQ(allowed(log_probs, 0), (std::vector<int64_t>{kEosId}));
  EXPECT_EQ(log_probs[0][kEosId].item<float>(), -0.5f);
  EXPECT_EQ(allowed(log_probs, 1), (std::vector<int64_t>{5}));  // row 1 may still say 5
}

TEST(LogitsProcessorChain, RunsAddedProcessors) {
  LogitsProcessorChain chain;
  chain.add(std::make_unique<SuppressTokens>(std::vector<int64_t>{4}));
  auto log_probs = uniform_log_probs(1, 6);
  chain.apply(log_probs, torch::empty({1, 0}, torch::kLong));
  EXPECT_EQ(allowed(log_probs, 0), (std::vector<int64_t>{0, 1, 2, 3, 5}));
}

}  // namespace
