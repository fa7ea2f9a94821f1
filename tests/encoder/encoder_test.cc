#include "encoder/encoder.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "encoder/backend_ops.h"
#include "encoder/layers.h"
#include "tests/encoder/numeric.h"
#include "util/error.h"

using namespace captioner::encoder;
using captioner::encoder::testing::relative_error;

namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

EncoderOptions options_for(const std::string& spec, int64_t size, Backend backend = Backend::kNative) {
  EncoderOptions options;
  options.spec = spec;
  options.image_size = size;
  options.backend = backend;
  return options;
}

std::shared_ptr<torch::nn::SequentialImpl> layers_of(Encoder& encoder) {
  return std::dynamic_pointer_cast<torch::nn::SequentialImpl>(encoder->named_children()["layers"]);
}

TEST(Encoder, EveryLayersOutputHasThePlannedVolume) {
  for (const std::string& spec : {std::string(kDefaultSpec),
                                 std::string("conv5x8s2p2 lrelu pool3s2 conv3x12p1 maxout3 avgpool2 dropout0.5 gap fc7"),
                                 std::string("conv3x12p1 relu pool2 fc10")}) {
    const int64_t size = spec == kDefaultSpec ? 64 : spec.rfind("conv5", 0) == 0 ? 33 : 32;
    torch::manual_seed(1);
    Encoder encoder(options_for(spec, size));
    encoder->eval();
    torch::NoGradGuard no_grad;
    torch::Tensor x = torch::rand({2, 3, size, size});
    size_t i = 0;
    for (auto& layer : *layers_of(encoder)) {
      x = layer.forward(x);
      const Volume& planned = encoder->plan().layers.at(i++).output;
      EXPECT_EQ(x.sizes(), (std::vector<int64_t>{2, planned.depth, planned.height, planned.width}))
          << spec << " layer " << i;
    }
    EXPECT_EQ(i, encoder->plan().layers.size());
    const auto features = encoder->forward(torch::rand({3, 3, size, size}));
    EXPECT_EQ(features.sizes(), (std::vector<int64_t>{3, encoder->feature_size()}));
  }
  EXPECT_EQ(Encoder(EncoderOptions())->feature_size(), 256);
}

TEST(Encoder, ScratchAndNativeGiveTheSameFeaturesAndGradients) {
  const std::string spec = "conv3x8p1 bn relu pool2 conv4x8s2p1 tanh avgpool2 fc6 elu fc4";
  torch::manual_seed(2);
  Encoder native(options_for(spec, 16, Backend::kNative));
  Encoder scratch(options_for(spec, 16, Backend::kScratch));
  native->to(torch::kFloat64);
  scratch->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    const auto from = native->named_parameters();
    for (auto& p : scratch->named_parameters()) p.value().copy_(from[p.key()]);
  }
  const auto images = torch::randn({4, 3, 16, 16}, kDouble);
  const auto upstream = torch::randn({4, 4}, kDouble);
  const auto a = native->forward(images);
  const auto b = scratch->forward(images);
  EXPECT_LT(relative_error(b, a), 1e-10);
  (a * upstream).sum().backward();
  (b * upstream).sum().backward();
  const auto native_parameters = native->named_parameters();
  // Relative to at least 1e-3: the first conv's bias feeds bn, its gradient is 0 but for rounding.
  for (const auto& p : scratch->named_parameters())
    EXPECT_LT(relative_error(p.value().grad(), native_parameters[p.key()].grad(), 1e-3), 1e-10) << p.key();
}

TEST(Encoder, FullyConnectedEqualsTheConvWithTheInputsSize) {
  // The seed: an fc layer looking at a 7x7x512 volume is a conv with F = 7, P = 0, S = 1.
  torch::manual_seed(3);
  const auto x = torch::randn({3, 5, 7, 7}, kDouble);
  for (const Backend backend : {Backend::kNative, Backend::kScratch}) {
    FullyConnected fc(Volume{7, 7, 5}, 11, backend, InitScheme::kHe);
    fc->to(torch::kFloat64);
    const auto as_fc = fc->forward(x);
    const auto as_conv = conv2d(backend, x, fc->conv_weight(), fc->bias, 1, 0);
    ASSERT_EQ(as_fc.sizes(), (std::vector<int64_t>{3, 11, 1, 1}));
    EXPECT_LT(relative_error(as_fc, as_conv), 1e-12) << to_string(backend);
    EXPECT_LT(relative_error(as_fc.flatten(1), torch::linear(x.flatten(1), fc->weight, fc->bias)), 1e-12);
  }
}

TEST(Encoder, LargerImagesAverageTheFeaturesOfEveryPlacement) {
  // No padding and an even offset per pooled step: on a 14x14 image the fc's 4x4 window
  // fits at 3x3 positions, each exactly the encoder applied to the 10x10 crop at (2i, 2j).
  for (const Backend backend : {Backend::kNative, Backend::kScratch}) {
    torch::manual_seed(4);
    Encoder encoder(options_for("conv3x4 relu pool2 fc5 relu fc3", 10, backend));
    encoder->to(torch::kFloat64);
    const auto image = torch::randn({2, 3, 14, 14}, kDouble);
    const auto features = encoder->forward(image);
    ASSERT_EQ(features.sizes(), (std::vector<int64_t>{2, 3}));
    torch::Tensor sum = torch::zeros({2, 3}, kDouble);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        sum += encoder->forward(image.slice(2, 2 * i, 2 * i + 10).slice(3, 2 * j, 2 * j + 10).contiguous());
    EXPECT_LT(relative_error(features, sum / 9), 1e-12) << to_string(backend);
  }
}

TEST(Encoder, ImageSizesTheSpecDoesNotAllowAreInputErrors) {
  Encoder encoder(EncoderOptions{});
  torch::NoGradGuard no_grad;
  try {
    encoder->forward(torch::zeros({1, 3, 72, 72}));
    FAIL() << "72x72 should not plan";
  } catch (const captioner::InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot encode 72x72 images with the encoder planned for 64x64: layer 16 'pool2' on 9x9x128: "
              "(9 - 2 + 2*0)/2 + 1 = 4.5 is not a whole number");
  }
  EXPECT_EQ(encoder->forward(torch::zeros({1, 3, 80, 80})).sizes(), (std::vector<int64_t>{1, 256}));
  EXPECT_THROW(encoder->forward(torch::zeros({1, 1, 64, 64})), c10::Error);
  EXPECT_THROW(Encoder(options_for("conv3x8 relu", 64)), captioner::InputError);
}

TEST(Encoder, InitialisationSuitsTheActivation) {
  torch::manual_seed(5);
  Encoder encoder(options_for("conv3x64p1 relu conv3x64p1 lrelu conv3x64p1 tanh conv3x64p1 maxout2 gap fc64", 8));
  const auto parameters = encoder->named_parameters();
  const double fan_in = 64 * 9;
  auto std_of = [&](const std::string& name) { return parameters[name].std().item<double>(); };
  auto expect_std = [&](const std::string& name, double expected, double tolerance) {
    EXPECT_NEAR(std_of(name), expected, tolerance * expected) << name;
  };
  expect_std("layers.0.weight", std::sqrt(2.0 / 27), 0.1);                       // relu: He (fan_in 3*3*3)
  expect_std("layers.2.weight", std::sqrt(2.0 / (1.01 * fan_in)), 0.03);         // lrelu: He with slope 0.1
  const double glorot = std::sqrt(6.0 / (fan_in + fan_in));                      // tanh: Glorot uniform
  EXPECT_LE(parameters["layers.4.weight"].abs().max().item<double>(), glorot);
  expect_std("layers.4.weight", glorot / std::sqrt(3.0), 0.03);
  expect_std("layers.6.weight", std::sqrt(1.0 / fan_in), 0.03);                  // maxout: LeCun
  const double last = std::sqrt(6.0 / (32 + 64));                                // no activation: Glorot
  EXPECT_LE(parameters["layers.9.weight"].abs().max().item<double>(), last);
  expect_std("layers.9.weight", last / std::sqrt(3.0), 0.1);
  for (const auto& p : parameters) {
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().sum().item<double>(), 0.0) << p.key();
    }
  }
  // relu keeps the scale through a deep stack: the output of 8 relu layers stays within 3x.
  torch::manual_seed(6);
  Encoder deep(options_for("conv3x32p1 relu conv3x32p1 relu conv3x32p1 relu conv3x32p1 relu conv3x32p1 relu "
                           "conv3x32p1 relu conv3x32p1 relu conv3x32p1 relu gap",
                           16));
  torch::NoGradGuard no_grad;
  torch::Tensor x = torch::randn({4, 3, 16, 16});
  const double input_rms = x.pow(2).mean().sqrt().item<double>();
  auto layers = layers_of(deep);
  for (auto layer = layers->begin(); layer + 1 != layers->end(); ++layer) x = layer->forward(x);  // all but gap
  const double rms = x.pow(2).mean().sqrt().item<double>();
  EXPECT_GT(rms, input_rms / 3);
  EXPECT_LT(rms, input_rms * 3);
}

TEST(Encoder, TrainsFromRandomWeightsWithTheScratchBackend) {
  // Where is the bright square: left or right half? Learnt in a few steps from scratch.
  torch::manual_seed(7);
  Encoder encoder(options_for("conv3x8p1 relu pool2 conv3x8p1 relu pool2 fc2", 16, Backend::kScratch));
  torch::optim::Adam optimizer(encoder->parameters(), torch::optim::AdamOptions(0.01));
  auto batch = [](int64_t n, torch::Tensor& labels) {
    labels = torch::randint(0, 2, {n}, torch::kLong);
    torch::Tensor images = torch::rand({n, 3, 16, 16}) * 0.2;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t column = labels[i].item<int64_t>() ? 10 : 2;
      images[i].slice(1, 5, 9).slice(2, column, column + 4) += 0.8;
    }
    return images;
  };
  torch::Tensor labels;
  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 40; ++step) {
    const auto images = batch(32, labels);
    const auto loss = torch::cross_entropy_loss(encoder->forward(images), labels);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    (step == 0 ? first_loss : last_loss) = loss.item<double>();
  }
  EXPECT_GT(first_loss, 0.5);
  EXPECT_LT(last_loss, 0.1);
  torch::NoGradGuard no_grad;
  const auto images = batch(200, labels);
  const double accuracy = (encoder->forward(images).argmax(1) == labels).to(torch::kDouble).mean().item<double>();
  EXPECT_GT(accuracy, 0.97);
}

// relu overwrites its input only after conv, fc or bn (which keep no output for their
// backward): the features and gradients equal those of out-of-place relus, and the caller's
// images and the outputs tanh and sigmoid need for their backward stay intact.
TEST(Encoder, InPlaceReluGivesTheOutOfPlaceResultsAndLeavesTheImages) {
  for (const std::string spec : {"relu conv3x4p1 bn relu pool2 fc6 relu", "conv3x4p1 tanh relu pool2 fc6 sigmoid relu"}) {
    torch::manual_seed(3);
    Encoder encoder(options_for(spec, 8));
    encoder->to(torch::kFloat64);
    const auto images = torch::randn({2, 3, 8, 8}, kDouble);
    const auto unchanged = images.clone();
    encoder->forward(images);

    auto input = images.clone().requires_grad_(true);
    encoder->forward(input).pow(2).sum().backward();
    const auto gradient = input.grad().clone();
    const auto weight_gradient = encoder->parameters().front().grad().clone();
    encoder->zero_grad();

    auto reference = images.clone().requires_grad_(true);
    torch::Tensor x = reference;
    for (auto& layer : *layers_of(encoder)) x = layer.ptr()->as<torch::nn::ReLU>() ? torch::relu(x) : layer.forward(x);
    x.flatten(1).pow(2).sum().backward();

    EXPECT_TRUE(torch::equal(images, unchanged)) << spec;
    EXPECT_TRUE(torch::allclose(gradient, reference.grad(), 1e-12, 1e-12)) << spec;
    EXPECT_TRUE(torch::allclose(weight_gradient, encoder->parameters().front().grad(), 1e-12, 1e-12)) << spec;
  }
}

}  // namespace
