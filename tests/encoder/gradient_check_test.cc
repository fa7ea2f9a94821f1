// Both backends against finite differences (central, float64): a gradient check for every
// hand-written layer, and for a whole small encoder.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "encoder/backend_ops.h"
#include "encoder/encoder.h"
#include "tests/encoder/numeric.h"

using namespace captioner::encoder;
using captioner::encoder::testing::autograd_gradients;
using captioner::encoder::testing::numeric_gradients;
using captioner::encoder::testing::relative_error;
using Inputs = std::vector<torch::Tensor>;

namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);
// Central differences with step 1e-6 are exact for layers linear in each input up to
// rounding (~1e-10 relative); max pooling is linear away from ties.
constexpr double kTolerance = 1e-7;

void expect_gradients_match(const std::function<torch::Tensor(const Inputs&)>& f, const Inputs& inputs,
                            const std::string& what) {
  torch::manual_seed(1234);
  const torch::Tensor output = f(inputs);
  const torch::Tensor weights = torch::randn(output.sizes(), kDouble);
  const auto analytic = autograd_gradients(f, inputs, weights);
  Inputs copies;
  for (const auto& input : inputs) copies.push_back(input.detach().clone());
  const auto numeric = numeric_gradients(f, copies, weights);
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(analytic[i].defined()) << what << " input " << i;
    EXPECT_LT(relative_error(analytic[i], numeric[i]), kTolerance) << what << " input " << i;
  }
}

struct ConvCase {
  int batch, channels, height, width, filters, filter, stride, padding;
};

TEST(GradientCheck, ConvBothBackends) {
  const std::vector<ConvCase> cases = {
      {2, 2, 5, 5, 3, 3, 1, 1},  // same padding
      {1, 3, 7, 6, 2, 3, 2, 0},  // stride 2, a column left over
      {2, 1, 6, 6, 2, 2, 2, 1},  // even filter, stride and padding
      {1, 2, 4, 5, 2, 1, 3, 2},  // padding larger than F - 1
      {1, 2, 3, 3, 2, 3, 1, 0},  // FC-like: the filter covers the input
  };
  for (const auto& c : cases) {
    torch::manual_seed(c.batch * 100 + c.filter);
    const Inputs inputs = {torch::randn({c.batch, c.channels, c.height, c.width}, kDouble),
                           torch::randn({c.filters, c.channels, c.filter, c.filter}, kDouble),
                           torch::randn({c.filters}, kDouble)};
    for (const Backend backend : {Backend::kScratch, Backend::kNative}) {
      expect_gradients_match(
          [&](const Inputs& in) { return conv2d(backend, in[0], in[1], in[2], c.stride, c.padding); }, inputs,
          to_string(backend) + " conv F=" + std::to_string(c.filter) + " S=" + std::to_string(c.stride) +
              " P=" + std::to_string(c.padding));
    }
  }
}

TEST(GradientCheck, PoolingAndLinearBothBackends) {
  torch::manual_seed(8);
  const Inputs image = {torch::randn({2, 2, 7, 7}, kDouble)};
  const Inputs dense = {torch::randn({3, 7}, kDouble), torch::randn({4, 7}, kDouble), torch::randn({4}, kDouble)};
  for (const Backend backend : {Backend::kScratch, Backend::kNative}) {
    const std::string name = to_string(backend);
    expect_gradients_match([&](const Inputs& in) { return max_pool2d(backend, in[0], 2, 2); }, image, name + " pool2");
    expect_gradients_match([&](const Inputs& in) { return max_pool2d(backend, in[0], 3, 2); }, image, name + " pool3s2");
    expect_gradients_match([&](const Inputs& in) { return avg_pool2d(backend, in[0], 3, 1); }, image,
                           name + " avgpool3s1");
    expect_gradients_match([&](const Inputs& in) { return linear(backend, in[0], in[1], in[2]); }, dense,
                           name + " linear");
  }
}

TEST(GradientCheck, WholeEncoderWithEveryLayerKind) {
  // Every activation, bn (training mode: batch statistics), avgpool, maxout, gap and fc;
  // the parameters' gradients through the whole stack.
  EncoderOptions options;
  options.spec = "conv3x4p1 bn elu pool2 conv3x4s1p1 lrelu avgpool2 conv1x4 maxout2 gap fc3 tanh fc2 sigmoid";
  options.image_size = 8;
  for (const Backend backend : {Backend::kScratch, Backend::kNative}) {
    options.backend = backend;
    torch::manual_seed(21);
    Encoder encoder(options);
    encoder->to(torch::kFloat64);
    encoder->train();
    const auto images = torch::randn({2, 3, 8, 8}, kDouble);
    auto parameters = encoder->parameters();
    // Autograd's gradients of sum(encoder(images) * weights) for the images and every
    // parameter, against central differences of that loss.
    torch::manual_seed(1234);
    const auto weights = torch::randn({2, 2}, kDouble);
    encoder->zero_grad();
    auto x = images.clone().requires_grad_(true);
    (encoder->forward(x) * weights).sum().backward();
    std::vector<torch::Tensor> analytic = {x.grad().clone()};
    for (const auto& p : parameters) analytic.push_back(p.grad().clone());
    // The parameters themselves (shared storage): the differences perturb the module.
    Inputs targets = {images};
    for (const auto& p : parameters) targets.push_back(p.detach());
    const auto numeric =
        numeric_gradients([&](const Inputs& in) { return encoder->forward(in[0]); }, targets, weights);
    // The first conv's bias feeds bn, which takes the mean out: its gradient is exactly 0,
    // and both sides give rounding noise, so errors are relative to at least 1e-3.
    for (size_t t = 0; t < targets.size(); ++t)
      EXPECT_LT(relative_error(analytic[t], numeric[t], 1e-3), 1e-6) << to_string(backend) << " tensor " << t;
    EXPECT_LT(analytic[2].abs().max().item<double>(), 1e-12);
  }
}

}  // namespace
