// The decoder learns: a tiny set overfits to near-zero loss and decodes back exactly; every
// init mode trains; the blind baseline cannot tell the images apart.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "decoder/caption_decoder.h"
#include "decoder/caption_loss.h"
#include "decoder/decode.h"
#include "decoder/token_ids.h"

using namespace captioner::decoder;

namespace {

// Four images, four captions of different lengths whose first words all differ: only the
// image tells which caption to produce.
const std::vector<std::vector<int32_t>> kCaptions = {{4, 5, 6, 7}, {8, 9, 10}, {11, 4, 12, 5, 6}, {7, 7, 13}};
constexpr int kVocab = 16;
constexpr int kFeatures = 16;

torch::Tensor padded_tokens() {
  auto tokens = torch::zeros({4, 7}, torch::kLong);  // longest: bos + 5 + eos
  for (size_t i = 0; i < kCaptions.size(); ++i) {
    tokens[i][0] = kBosId;
    for (size_t t = 0; t < kCaptions[i].size(); ++t) tokens[i][t + 1] = kCaptions[i][t];
    tokens[i][kCaptions[i].size() + 1] = kEosId;
  }
  return tokens;
}

struct Trained {
  CaptionDecoder decoder{nullptr};
  torch::Tensor features;
  double first_loss = 0.0;
  double last_loss = 0.0;
};

Trained train(const std::string& init, int steps) {
  torch::manual_seed(7);
  DecoderOptions options;
  options.embedding_size = 16;
  options.hidden_size = 32;
  options.dropout = 0.0;
  options.init = init;
  options.feature_size = kFeatures;
  options.vocab_size = kVocab;
  Trained run{CaptionDecoder(options), torch::randn({4, kFeatures})};
  torch::optim::Adam adam(run.decoder->parameters(), torch::optim::AdamOptions(1e-2));
  const auto tokens = padded_tokens();
  for (int step = 0; step < steps; ++step) {
    adam.zero_grad();
    const auto loss = caption_loss(run.decoder, run.features, tokens);
    loss.backward();
    adam.step();
    if (step == 0) run.first_loss = loss.item<double>();
    run.last_loss = loss.item<double>();
  }
  return run;
}

class ImageInitModes : public ::testing::TestWithParam<std::string> {};

TEST_P(ImageInitModes, OverfitsATinySetAndDecodesItExactly) {
  auto run = train(GetParam(), 300);
  EXPECT_LT(run.last_loss, 0.01) << "first loss " << run.first_loss;
  for (const std::string strategy : {"greedy", "beam"}) {
    DecodeOptions options;
    options.strategy = strategy;
    options.beam_size = 3;
    const auto decoded = decode(run.decoder, run.features, options);
    ASSERT_EQ(decoded.size(), kCaptions.size());
    for (size_t i = 0; i < kCaptions.size(); ++i) {
      EXPECT_EQ(decoded[i].front().tokens, kCaptions[i]) << strategy << " image " << i;
      EXPECT_GT(decoded[i].front().log_prob, -0.1) << strategy << " image " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Decoder, ImageInitModes, ::testing::Values("hidden", "input"));

TEST(BlindBaseline, TrainsButCannotTellTheImagesApart) {
  auto run = train("none", 150);
  EXPECT_LT(run.last_loss, 0.5 * run.first_loss);
  // The first word is one of four, equally likely without the image: at least
  // 4 log 4 nats over the 19 predicted tokens.
  EXPECT_GT(run.last_loss, 4 * std::log(4.0) / 19 - 1e-3);
  DecodeOptions greedy;
  greedy.strategy = "greedy";
  const auto decoded = decode(run.decoder, run.features, greedy);
  for (size_t i = 1; i < decoded.size(); ++i) EXPECT_EQ(decoded[i].front().tokens, decoded[0].front().tokens);
}

}  // namespace
