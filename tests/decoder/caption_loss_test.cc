#include "decoder/caption_loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "tests/decoder/tiny_decoder.h"

using namespace captioner::decoder;
using captioner::decoder::testing::random_decoder;
using captioner::decoder::testing::tiny_options;

namespace {

namespace F = torch::nn::functional;

torch::Tensor captions() {
  return torch::tensor({1, 5, 6, 7, 2, 0, 1, 8, 2, 0, 0, 0, 1, 4, 9, 10, 11, 2}, torch::kLong).view({3, 6});
}

// torch's own cross-entropy: the reference our masked loss must equal.
torch::Tensor torch_reference(const torch::Tensor& logits, const torch::Tensor& targets, double smoothing) {
  return F::cross_entropy(logits.reshape({-1, logits.size(2)}), targets.reshape({-1}),
                          F::CrossEntropyFuncOptions().ignore_index(kPadId).label_smoothing(smoothing));
}

TEST(MaskedCrossEntropy, EqualsTorchCrossEntropyIgnoringPadding) {
  torch::manual_seed(1);
  const auto logits = torch::randn({3, 5, 12});
  const auto targets = captions().slice(1, 1);
  for (const double smoothing : {0.0, 0.1, 0.3}) {
    const auto ours = masked_cross_entropy(logits, targets, smoothing);
    EXPECT_NEAR(ours.item<double>(), torch_reference(logits, targets, smoothing).item<double>(), 1e-6)
        << "smoothing " << smoothing;
  }
}

TEST(MaskedCrossEntropy, IsTheMeanOverRealTokens) {
  // Two real tokens with known probabilities, the rest padding.
  auto logits = torch::zeros({1, 4, 5});
  logits[0][0][2] = std::log(3.0);  // p(2) = 3 / 7 over five classes
  const auto targets = torch::tensor({2, 4, 0, 0}, torch::kLong).view({1, 4});
  const double expected = (-std::log(3.0 / 7.0) - std::log(1.0 / 5.0)) / 2.0;
  EXPECT_NEAR(masked_cross_entropy(logits, targets).item<double>(), expected, 1e-6);
}

TEST(MaskedCrossEntropy, LogitsAtPaddedPositionsChangeNothing) {
  torch::manual_seed(2);
  const auto targets = captions().slice(1, 1);
  const auto padded = targets.eq(kPadId).unsqueeze(2).expand({3, 5, 12});
  auto logits = torch::randn({3, 5, 12}).requires_grad_();
  auto wild = torch::where(padded, torch::full({3, 5, 12}, std::numeric_limits<float>::infinity()),
                           logits.detach()).requires_grad_();
  const auto loss = masked_cross_entropy(logits, targets, 0.1);
  const auto wild_loss = masked_cross_entropy(wild, targets, 0.1);
  EXPECT_EQ(loss.item<float>(), wild_loss.item<float>());
  loss.backward();
  wild_loss.backward();
  EXPECT_TRUE(torch::equal(logits.grad(), wild.grad()));
  EXPECT_EQ(wild.grad().masked_select(padded).abs().sum().item<float>(), 0.0f);
}

TEST(MaskedCrossEntropy, NoRealTokenGivesZero) {
  auto logits = torch::randn({2, 3, 5}).requires_grad_();
  const auto loss = masked_cross_entropy(logits, torch::zeros({2, 3}, torch::kLong), 0.1);
  EXPECT_EQ(loss.item<float>(), 0.0f);
  loss.backward();
  EXPECT_EQ(logits.grad().abs().sum().item<float>(), 0.0f);
}

TEST(CaptionLoss, AppendingPaddingChangesNeitherLossNorGradients) {
  for (const std::string init : {"hidden", "input", "none"}) {
    auto decoder = random_decoder(tiny_options(init, 12, 2), 3);
    const auto features = torch::randn({3, 6});
    const auto tokens = captions();
    const auto more_padding = torch::cat({tokens, torch::zeros({3, 4}, torch::kLong)}, 1);

    auto gradients_of = [&](const torch::Tensor& t) {
      decoder->zero_grad();
      const auto loss = caption_loss(decoder, features, t, 0.1);
      loss.backward();
      std::vector<torch::Tensor> grads;
      for (const auto& parameter : decoder->parameters()) grads.push_back(parameter.grad().clone());
      return std::make_pair(loss.item<double>(), grads);
    };
    const auto [loss, grads] = gradients_of(tokens);
    const auto [padded_loss, padded_grads] = gradients_of(more_padding);
    EXPECT_NEAR(loss, padded_loss, 1e-6) << init;
    ASSERT_EQ(grads.size(), padded_grads.size());
    for (size_t i = 0; i < grads.size(); ++i) {
      EXPECT_TRUE(torch::allclose(grads[i], padded_grads[i], 1e-5, 1e-7)) << init << " parameter " << i;
    }
  }
}

}  // namespace

TEST(BagOfWordsLoss, EachWordOfTheCaptionOnceAndNoSpecialPiece) {
  // Vocabulary of 7: ids 0-3 are pad, bos, eos, unk; words 4, 5, 6.
  const auto tokens = torch::tensor({1, 4, 4, 6, 3, 2, 0, 1, 5, 2, 0, 0, 0, 0}, torch::kLong).view({2, 7});
  const auto logits = torch::tensor({0.5, -1.0, 2.0, 1.5, 0.3, -0.7, 1.1, -2.0, 0.0, 0.4, 0.9, -0.2, 1.3, 0.6},
                                    torch::kDouble).view({2, 7});
  const std::vector<std::vector<int>> present = {{4, 6}, {5}};
  double expected = 0.0;
  for (int n = 0; n < 2; ++n) {
    for (int v = 0; v < 7; ++v) {
      const double x = logits[n][v].item<double>();
      const bool word = std::find(present[n].begin(), present[n].end(), v) != present[n].end();
      expected += word ? std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    }
  }
  EXPECT_NEAR(bag_of_words_loss(logits, tokens).item<double>(), expected / 2, 1e-12);
}
