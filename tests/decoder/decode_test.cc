#include "decoder/decode.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "decoder/logits_processors.h"
#include "decoder/token_ids.h"
#include "tests/decoder/tiny_decoder.h"
#include "util/error.h"

using namespace captioner::decoder;
using namespace captioner::decoder::testing;

namespace {

DecodeOptions with_strategy(const std::string& strategy, int beam_size = 3) {
  DecodeOptions options;
  options.strategy = strategy;
  options.beam_size = beam_size;
  options.max_length = 12;
  return options;
}

bool has_repeated_ngram(const std::vector<int32_t>& tokens, size_t n) {
  std::vector<std::vector<int32_t>> seen;
  for (size_t start = 0; start + n <= tokens.size(); ++start) {
    std::vector<int32_t> ngram(tokens.begin() + start, tokens.begin() + start + n);
    if (std::find(seen.begin(), seen.end(), ngram) != seen.end()) return true;
    seen.push_back(ngram);
  }
  return false;
}

// Every hypothesis `decode` gives for `features` with each strategy (beam and sampling
// returning several per image).
std::vector<Hypothesis> all_hypotheses(CaptionDecoder& decoder, const torch::Tensor& features, DecodeOptions options) {
  std::vector<Hypothesis> all;
  for (const std::string strategy : {"greedy", "beam", "sample"}) {
    options.strategy = strategy;
    options.beam_size = 4;
    options.num_hypotheses = strategy == "greedy" ? 1 : 4;
    for (const auto& image : decode(decoder, features, options)) all.insert(all.end(), image.begin(), image.end());
  }
  return all;
}

TEST(Decode, BeamOfWidthOneIsGreedy) {
  for (const std::string init : {"hidden", "input", "none"}) {
    for (const double alpha : {0.0, 0.7}) {
      auto decoder = random_decoder(tiny_options(init), 11);
      bias_token(decoder, kEosId, 1.5);  // captions of varied lengths
      const auto features = torch::randn({6, 6});
      auto greedy_options = with_strategy("greedy");
      greedy_options.length_penalty = alpha;
      auto beam_options = with_strategy("beam", 1);
      beam_options.length_penalty = alpha;
      const auto greedy = decode(decoder, features, greedy_options);
      const auto beam = decode(decoder, features, beam_options);
      ASSERT_EQ(greedy.size(), 6u);
      ASSERT_EQ(beam.size(), 6u);
      for (size_t i = 0; i < greedy.size(); ++i) {
        ASSERT_EQ(greedy[i].size(), 1u);
        ASSERT_EQ(beam[i].size(), 1u);
        EXPECT_EQ(beam[i][0].tokens, greedy[i][0].tokens) << init << " image " << i;
        EXPECT_EQ(beam[i][0].log_prob, greedy[i][0].log_prob) << init << " image " << i;
        EXPECT_EQ(beam[i][0].score, greedy[i][0].score) << init << " image " << i;
      }
    }
  }
}

TEST(Decode, BeamHypothesesAreSortedAndScoredByTheirTeacherForcedLogProb) {
  for (const double alpha : {0.0, 0.7, 1.0}) {
    auto decoder = random_decoder(tiny_options("hidden"), 12);
    bias_token(decoder, kEosId, 1.0);
    const auto features = torch::randn({4, 6});
    auto options = with_strategy("beam", 5);
    options.num_hypotheses = 5;
    options.length_penalty = alpha;
    const auto decoded = decode(decoder, features, options);
    bool lengths_differ = false;
    for (size_t i = 0; i < decoded.size(); ++i) {
      ASSERT_EQ(decoded[i].size(), 5u);
      for (size_t h = 0; h < decoded[i].size(); ++h) {
        const auto& hypothesis = decoded[i][h];
        if (h > 0) {
          EXPECT_GE(decoded[i][h - 1].score, hypothesis.score) << "alpha " << alpha << " image " << i;
          lengths_differ |= hypothesis.tokens.size() != decoded[i][0].tokens.size();
        }
        const double recomputed = teacher_forced_log_prob(decoder, features.slice(0, i, i + 1), hypothesis.tokens);
        EXPECT_NEAR(hypothesis.log_prob, recomputed, 1e-4);
        const double length = hypothesis.tokens.size() + 1.0;
        EXPECT_NEAR(hypothesis.score, recomputed / std::pow(length, alpha), 1e-4);
      }
    }
    EXPECT_TRUE(lengths_differ) << "the test needs hypotheses of different lengths";
  }
}

TEST(Decode, BeamStopsEarlyOnlyWhenTheBestCannotChange) {
  // Asking for one hypothesis lets an image stop as soon as no live beam can beat its best
  // finished one; asking for all beam_size of them waits for beam_size finished. The best
  // hypothesis must be the same either way.
  for (const double alpha : {0.0, 0.7}) {
    auto decoder = random_decoder(tiny_options("hidden"), 24);
    bias_token(decoder, kEosId, 1.0);
    const auto features = torch::randn({8, 6});
    auto options = with_strategy("beam", 5);
    options.length_penalty = alpha;
    const auto best_only = decode(decoder, features, options);
    options.num_hypotheses = 5;
    const auto all = decode(decoder, features, options);
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(best_only[i][0].tokens, all[i][0].tokens) << "alpha " << alpha << " image " << i;
      EXPECT_EQ(best_only[i][0].score, all[i][0].score) << "alpha " << alpha << " image " << i;
    }
  }
}

TEST(Decode, AWideEnoughBeamFindsTheExactRanking) {
  // Two words (4 and 5) and at most 3 of them: 15 captions in all. A beam of 16 keeps every
  // one, so it must return all of them ranked exactly as an exhaustive enumeration.
  auto decoder = random_decoder(tiny_options("hidden", 6), 13, 1.5);
  const auto feature = torch::randn({1, 6});
  std::vector<std::vector<int32_t>> captions = {{}};
  for (size_t start = 0; captions.size() < 15; ++start) {
    for (const int32_t word : {4, 5}) {
      auto longer = captions[start];
      longer.push_back(word);
      captions.push_back(longer);
    }
  }
  for (const double alpha : {0.0, 1.0}) {
    std::vector<Hypothesis> expected;
    for (const auto& caption : captions) {
      const double log_prob = teacher_forced_log_prob(decoder, feature, caption);
      expected.push_back({caption, log_prob, log_prob / std::pow(caption.size() + 1.0, alpha)});
    }
    std::stable_sort(expected.begin(), expected.end(), [](auto& a, auto& b) { return a.score > b.score; });
    auto options = with_strategy("beam", 16);
    options.num_hypotheses = 16;
    options.min_length = 0;
    options.max_length = 3;
    options.length_penalty = alpha;
    const auto decoded = decode(decoder, feature, options);
    ASSERT_EQ(decoded[0].size(), expected.size());
    for (size_t h = 0; h < expected.size(); ++h) {
      EXPECT_EQ(decoded[0][h].tokens, expected[h].tokens) << "alpha " << alpha << " rank " << h;
      EXPECT_NEAR(decoded[0][h].score, expected[h].score, 1e-4) << "alpha " << alpha << " rank " << h;
    }
  }
}

TEST(Decode, BatchedEqualsOneImageAtATime) {
  auto decoder = random_decoder(tiny_options("input"), 14);
  bias_token(decoder, kEosId, 1.5);
  const auto features = torch::randn({5, 6});
  for (const std::string strategy : {"greedy", "beam"}) {
    auto options = with_strategy(strategy, 4);
    options.num_hypotheses = strategy == "beam" ? 3 : 1;
    const auto batched = decode(decoder, features, options);
    for (int64_t i = 0; i < 5; ++i) {
      const auto alone = decode(decoder, features.slice(0, i, i + 1), options);
      ASSERT_EQ(alone[0].size(), batched[i].size());
      for (size_t h = 0; h < alone[0].size(); ++h) {
        EXPECT_EQ(alone[0][h].tokens, batched[i][h].tokens) << strategy << " image " << i;
        EXPECT_NEAR(alone[0][h].log_prob, batched[i][h].log_prob, 1e-5) << strategy << " image " << i;
      }
    }
  }
}

TEST(Decode, ImagesSearchedSideBySideGiveTheSameCaptionsAsOneThread) {
  auto decoder = random_decoder(tiny_options("hidden"), 15);
  bias_token(decoder, kEosId, 1.5);
  const auto features = torch::randn({7, 6});
  const int threads = torch::get_num_threads();
  for (const std::string strategy : {"greedy", "beam"}) {
    const auto options = with_strategy(strategy, 3);
    torch::set_num_threads(1);
    const auto one_thread = decode(decoder, features, options);
    torch::set_num_threads(3);  // shares of 2, 2 and 3 images
    const auto side_by_side = decode(decoder, features, options);
    ASSERT_EQ(one_thread.size(), side_by_side.size());
    for (size_t i = 0; i < one_thread.size(); ++i) {
      ASSERT_EQ(one_thread[i].size(), side_by_side[i].size());
      for (size_t h = 0; h < one_thread[i].size(); ++h) {
        EXPECT_EQ(one_thread[i][h].tokens, side_by_side[i][h].tokens) << strategy << " image " << i;
        EXPECT_FLOAT_EQ(one_thread[i][h].log_prob, side_by_side[i][h].log_prob) << strategy << " image " << i;
      }
    }
  }
  torch::set_num_threads(threads);
}

TEST(Decode, NoImagesNoCaptions) {
  auto decoder = random_decoder(tiny_options("hidden"), 1);
  for (const std::string strategy : {"greedy", "beam", "sample"}) {
    EXPECT_TRUE(decode(decoder, torch::empty({0, 6}), with_strategy(strategy)).empty());
  }
}

TEST(Decode, MinLengthHoldsBackEos) {
  auto decoder = random_decoder(tiny_options("hidden"), 15);
  bias_token(decoder, kEosId, 20.0);  // the model wants to stop at once
  const auto features = torch::randn({3, 6});
  for (const std::string strategy : {"greedy", "beam", "sample"}) {
    auto options = with_strategy(strategy);
    options.min_length = 0;
    for (const auto& image : decode(decoder, features, options)) EXPECT_TRUE(image[0].tokens.empty()) << strategy;
    options.min_length = 3;
    // Then eos as early as allowed.
    for (const auto& image : decode(decoder, features, options)) EXPECT_EQ(image[0].tokens.size(), 3u) << strategy;
  }
  auto options = with_strategy("greedy");
  options.min_length = 3;
  for (const auto& hypothesis : all_hypotheses(decoder, features, options)) EXPECT_GE(hypothesis.tokens.size(), 3u);
}

TEST(Decode, MaxLengthEndsTheCaptionWithEos) {
  auto decoder = random_decoder(tiny_options("hidden"), 16);
  bias_token(decoder, kEosId, -20.0);  // the model never wants to stop
  const auto features = torch::randn({3, 6});
  auto options = with_strategy("greedy");
  options.max_length = 5;
  for (const auto& hypothesis : all_hypotheses(decoder, features, options)) {
    EXPECT_EQ(hypothesis.tokens.size(), 5u);
    // The forced eos is part of the log-probability, as in teacher forcing.
    EXPECT_LT(hypothesis.log_prob, -15.0);
  }
}

TEST(Decode, NgramBlockingPreventsRepeats) {
  auto decoder = random_decoder(tiny_options("hidden", 12), 17);
  bias_token(decoder, 5, 6.0);  // the model loves one word
  bias_token(decoder, kEosId, -6.0);
  const auto features = torch::randn({3, 6});
  auto options = with_strategy("greedy");
  options.max_length = 7;
  bool repeats_without_blocking = false;
  for (const auto& hypothesis : all_hypotheses(decoder, features, options)) {
    repeats_without_blocking |= has_repeated_ngram(hypothesis.tokens, 2);
  }
  EXPECT_TRUE(repeats_without_blocking);
  for (const int n : {1, 2, 3}) {
    options.no_repeat_ngram_size = n;
    for (const auto& hypothesis : all_hypotheses(decoder, features, options)) {
      EXPECT_FALSE(has_repeated_ngram(hypothesis.tokens, n)) << "n " << n;
    }
  }
}

TEST(Decode, UnkSuppression) {
  auto decoder = random_decoder(tiny_options("hidden"), 18);
  bias_token(decoder, kUnkId, 5.0);
  const auto features = torch::randn({3, 6});
  auto count_unk = [&](bool suppress) {
    auto options = with_strategy("greedy");
    options.suppress_unk = suppress;
    size_t unks = 0;
    for (const auto& hypothesis : all_hypotheses(decoder, features, options)) {
      unks += std::count(hypothesis.tokens.begin(), hypothesis.tokens.end(), kUnkId);
    }
    return unks;
  };
  EXPECT_GT(count_unk(false), 0u);
  EXPECT_EQ(count_unk(true), 0u);
}

TEST(Decode, NeverProducesPadOrBos) {
  auto decoder = random_decoder(tiny_options("hidden"), 19);
  bias_token(decoder, kPadId, 10.0);
  bias_token(decoder, kBosId, 10.0);
  for (const auto& hypothesis : all_hypotheses(decoder, torch::randn({3, 6}), with_strategy("greedy"))) {
    for (const int32_t token : hypothesis.tokens) {
      EXPECT_NE(token, kPadId);
      EXPECT_NE(token, kBosId);
    }
  }
}

TEST(Sampling, ColdSamplingAndTopOneAreGreedy) {
  auto decoder = random_decoder(tiny_options("hidden"), 20);
  bias_token(decoder, kEosId, 1.5);
  const auto features = torch::randn({6, 6});
  const auto greedy = decode(decoder, features, with_strategy("greedy"));
  auto cold = with_strategy("sample");
  cold.temperature = 1e-4;
  auto top_one = with_strategy("sample");
  top_one.top_k = 1;
  top_one.temperature = 3.0;
  for (const auto& options : {cold, top_one}) {
    const auto sampled = decode(decoder, features, options);
    for (size_t i = 0; i < greedy.size(); ++i) {
      EXPECT_EQ(sampled[i][0].tokens, greedy[i][0].tokens) << "image " << i;
      // log_prob is the model's own (temperature 1), whatever the temperature of the draw.
      EXPECT_NEAR(sampled[i][0].log_prob, greedy[i][0].log_prob, 1e-5) << "image " << i;
    }
  }
}

TEST(Sampling, TheSameSeedDrawsTheSameCaptions) {
  auto decoder = random_decoder(tiny_options("hidden"), 21, 1.0);
  const auto features = torch::randn({4, 6});
  auto options = with_strategy("sample");
  options.num_hypotheses = 3;
  auto tokens_of = [&](uint64_t seed) {
    options.seed = seed;
    std::vector<std::vector<int32_t>> all;
    for (const auto& image : decode(decoder, features, options))
      for (const auto& hypothesis : image) all.push_back(hypothesis.tokens);
    return all;
  };
  const auto first = tokens_of(5);
  torch::manual_seed(999);  // LibTorch's global generator plays no part
  EXPECT_EQ(tokens_of(5), first);
  EXPECT_NE(tokens_of(6), first);
}

TEST(Sampling, DrawsFromTheModelsDistribution) {
  // 4000 draws of the first word for one image: each word's share matches its probability
  // (within 4 standard deviations) among the words the constraints allow (here eos is not
  // allowed yet); top-k keeps only the k most likely words.
  auto decoder = random_decoder(tiny_options("hidden", 8), 22, 2.0);
  const auto feature = torch::randn({1, 6});
  torch::Tensor probs;
  {
    torch::NoGradGuard no_grad;
    decoder->eval();
    auto state = decoder->start(feature);
    auto log_probs = torch::log_softmax(decoder->step(torch::tensor({int64_t{kBosId}}), state), 1);
    DecodeOptions defaults;
    LogitsProcessorChain(defaults).apply(log_probs, torch::empty({1, 0}, torch::kLong));
    probs = log_probs.exp()[0];
  }
  const int draws = 4000;
  for (const int top_k : {0, 2}) {
    // The draw is among the allowed tokens (or the top k of them), renormalised.
    auto expected = probs.clone();
    if (top_k > 0) {
      const auto kept = std::get<1>(probs.topk(top_k));
      expected = torch::zeros_like(probs).index_copy(0, kept, probs.index_select(0, kept));
    }
    expected /= expected.sum();
    auto options = with_strategy("sample");
    options.top_k = top_k;
    options.num_hypotheses = draws;
    options.max_length = 1;
    options.min_length = 1;
    std::map<int32_t, int> counts;
    const auto decoded = decode(decoder, feature, options);
    for (const auto& hypothesis : decoded[0]) counts[hypothesis.tokens.at(0)]++;
    for (int64_t id = 0; id < probs.size(0); ++id) {
      const double p = expected[id].item<double>();
      const double share = counts[static_cast<int32_t>(id)] / static_cast<double>(draws);
      EXPECT_NEAR(share, p, 4 * std::sqrt(p * (1 - p) / draws) + 1e-9) << "top_k " << top_k << " id " << id;
    }
  }
}

TEST(Decode, RestoresTheTrainingMode) {
  auto options = tiny_options("hidden");
  options.dropout = 0.5;
  auto decoder = random_decoder(options, 23);
  decoder->train();
  const auto features = torch::randn({2, 6});
  const auto first = decode(decoder, features, with_strategy("beam"));
  EXPECT_TRUE(decoder->is_training());
  // Dropout was off while decoding: the same captions every time.
  const auto second = decode(decoder, features, with_strategy("beam"));
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i][0].tokens, second[i][0].tokens);
  decoder->eval();
  decode(decoder, features, with_strategy("greedy"));
  EXPECT_FALSE(decoder->is_training());
}

TEST(DecodeOptions, InvalidOptionsAreInputErrorsNamingTheOption) {
  auto decoder = random_decoder(tiny_options("hidden"), 1);
  const auto features = torch::randn({1, 6});
  auto expect_error = [&](const std::function<void(DecodeOptions&)>& change, const std::string& fragment) {
    DecodeOptions options;
    change(options);
    try {
      decode(decoder, features, options);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const captioner::InputError& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  expect_error([](auto& o) { o.strategy = "nucleus"; }, "strategy 'nucleus' is not one of greedy, beam, sample");
  expect_error([](auto& o) { o.beam_size = 0; }, "beam size must be at least 1 (got 0)");
  expect_error([](auto& o) { o.length_penalty = -1; }, "length penalty");
  expect_error([](auto& o) { o.max_length = 0; }, "max length");
  expect_error([](auto& o) { o.min_length = 40; }, "min length must be between 0 and the max length 30 (got 40)");
  expect_error([](auto& o) { o.no_repeat_ngram_size = -1; }, "n-gram");
  expect_error([](auto& o) { o.temperature = 0; }, "temperature must be above 0");
  expect_error([](auto& o) { o.top_k = -2; }, "top-k");
  expect_error([](auto& o) { o.num_hypotheses = 0; }, "number of hypotheses");
  expect_error(
      [](auto& o) {
        o.strategy = "greedy";
        o.num_hypotheses = 2;
      },
      "greedy decoding gives one hypothesis per image");
  expect_error([](auto& o) { o.num_hypotheses = 4; }, "cannot exceed the beam size 3");
}

}  // namespace
