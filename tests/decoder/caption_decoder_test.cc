#include "decoder/caption_decoder.h"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "decoder/token_ids.h"
#include "tests/decoder/tiny_decoder.h"
#include "util/error.h"

using namespace captioner::decoder;
using captioner::decoder::testing::random_decoder;
using captioner::decoder::testing::tiny_options;

namespace {

torch::Tensor some_captions() {
  // bos, words, eos, padding: three captions of different lengths.
  return torch::tensor({1, 5, 6, 7, 2, 0, 0, 1, 8, 2, 0, 0, 0, 0, 1, 4, 9, 10, 11, 4, 2}, torch::kLong).view({3, 7});
}

class EveryInitMode : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryInitMode, ForwardGivesLogitsForEveryNextToken) {
  auto decoder = random_decoder(tiny_options(GetParam()), 1);
  const auto logits = decoder->forward(torch::randn({3, 6}), some_captions());
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 6, 12}));
}

TEST_P(EveryInitMode, StepByStepEqualsTeacherForcing) {
  for (const int layers : {1, 2}) {
    auto options = tiny_options(GetParam(), 12, layers);
    options.dropout = 0.5;  // eval mode below: dropout must be off in both paths
    auto decoder = random_decoder(options, 2);
    decoder->eval();
    torch::NoGradGuard no_grad;
    const auto features = torch::randn({3, 6});
    const auto tokens = some_captions();
    const auto teacher_forced = decoder->forward(features, tokens);
    DecoderState state = decoder->start(features);
    for (int64_t t = 0; t + 1 < tokens.size(1); ++t) {
      const auto logits = decoder->step(tokens.select(1, t), state);
      EXPECT_TRUE(torch::allclose(logits, teacher_forced.select(1, t), 1e-5, 1e-5))
          << "layers " << layers << " step " << t;
    }
  }
}

TEST_P(EveryInitMode, DecodingComputesEachTokensInputGatesOnce) {
  auto decoder = random_decoder(tiny_options(GetParam()), 4);
  const auto features = torch::randn({3, 6});
  EXPECT_EQ(decoder->start(features).input_gates, nullptr) << "training mode: the weights may change";
  decoder->eval();
  torch::NoGradGuard no_grad;
  DecoderState state = decoder->start(features);
  ASSERT_NE(state.input_gates, nullptr);
  decoder->step(torch::tensor({5, 5, 6}, torch::kLong), state);
  state = state.select_rows(torch::tensor({0, 0, 2, 1}, torch::kLong));
  decoder->step(torch::tensor({6, 7, 7, 5}, torch::kLong), state);
  const auto& known = state.input_gates->known;
  EXPECT_EQ(std::count(known.begin(), known.end(), true), 3);
  EXPECT_TRUE(known[5] && known[6] && known[7]);
}

TEST_P(EveryInitMode, OnlyTheBlindBaselineIgnoresTheImage) {
  auto decoder = random_decoder(tiny_options(GetParam()), 3);
  torch::NoGradGuard no_grad;
  const auto tokens = some_captions();
  const auto a = decoder->forward(torch::randn({3, 6}), tokens);
  const auto b = decoder->forward(torch::randn({3, 6}), tokens);
  if (GetParam() == "none") {
    EXPECT_TRUE(torch::equal(a, b));
  } else {
    EXPECT_FALSE(torch::allclose(a, b, 1e-3, 1e-3));
  }
}

INSTANTIATE_TEST_SUITE_P(Decoder, EveryInitMode, ::testing::Values("hidden", "input", "none"));

TEST(CaptionDecoder, InitModesHaveTheirOwnImageProjections) {
  auto names = [](const std::string& init) {
    std::string joined;
    for (const auto& parameter : random_decoder(tiny_options(init), 1)->named_parameters()) {
      joined += parameter.key() + " ";
    }
    return joined;
  };
  EXPECT_NE(names("hidden").find("init_h.weight"), std::string::npos);
  EXPECT_NE(names("hidden").find("init_c.weight"), std::string::npos);
  EXPECT_EQ(names("hidden").find("image_embedding"), std::string::npos);
  EXPECT_NE(names("input").find("image_embedding.weight"), std::string::npos);
  EXPECT_EQ(names("input").find("init_h"), std::string::npos);
  EXPECT_EQ(names("none").find("init_h"), std::string::npos);
  EXPECT_EQ(names("none").find("image_embedding"), std::string::npos);
}

TEST(CaptionDecoder, BlindBaselineTakesImagesWithoutColumns) {
  auto decoder = random_decoder(tiny_options("none"), 1);
  EXPECT_EQ(decoder->forward(torch::empty({3, 0}), some_captions()).size(0), 3);
}

TEST(CaptionDecoder, RejectsFeaturesOfTheWrongWidth) {
  auto decoder = random_decoder(tiny_options("hidden"), 1);
  EXPECT_THROW(decoder->forward(torch::randn({3, 5}), some_captions()), c10::Error);
}

TEST(DecoderOptions, InvalidOptionsAreInputErrorsNamingTheOption) {
  auto expect_error = [](DecoderOptions options, const std::string& fragment) {
    try {
      CaptionDecoder decoder(options);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const captioner::InputError& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  auto options = tiny_options();
  options.hidden_size = 0;
  expect_error(options, "hidden size must be at least 1 (got 0)");
  options = tiny_options();
  options.embedding_size = -3;
  expect_error(options, "embedding size");
  options = tiny_options();
  options.layers = 0;
  expect_error(options, "layers");
  options = tiny_options();
  options.dropout = 1.0;
  expect_error(options, "dropout must be in [0, 1)");
  options = tiny_options();
  options.init = "bottom";
  expect_error(options, "init mode 'bottom' is not one of hidden, input, none");
  options = tiny_options();
  options.vocab_size = 4;
  expect_error(options, "vocabulary size 4 is too small");
  options = tiny_options("input");
  options.feature_size = 0;
  expect_error(options, "feature size");
  options = tiny_options("none");
  options.feature_size = 0;  // the blind baseline needs no image
  EXPECT_NO_THROW(CaptionDecoder{options});
}

}  // namespace
