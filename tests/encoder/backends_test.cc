// The scratch backend against LibTorch's ops in float64: forward and backward on many
// random shapes, strides, paddings and batch sizes.
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "encoder/backend_ops.h"
#include "encoder/scratch_conv.h"
#include "encoder/scratch_linear.h"
#include "encoder/scratch_pool.h"
#include "tests/encoder/numeric.h"

using namespace captioner::encoder;
using captioner::encoder::testing::relative_error;

namespace {

constexpr double kTolerance = 1e-10;
const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

struct Gradients {
  torch::Tensor output, input, weight, bias;
};

// Forward, then backward of sum(output * upstream).
template <typename Op>
Gradients run(Op op, const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
              const torch::Tensor* upstream_in = nullptr) {
  auto xi = x.detach().clone().requires_grad_(true);
  auto wi = w.defined() ? w.detach().clone().requires_grad_(true) : torch::Tensor();
  auto bi = b.defined() ? b.detach().clone().requires_grad_(true) : torch::Tensor();
  torch::Tensor y = op(xi, wi, bi);
  torch::manual_seed(99);
  const torch::Tensor upstream = upstream_in ? *upstream_in : torch::randn(y.sizes(), kDouble);
  (y * upstream).sum().backward();
  return {y.detach(), xi.grad(), wi.defined() ? wi.grad() : torch::Tensor(), bi.defined() ? bi.grad() : torch::Tensor()};
}

void expect_close(const Gradients& scratch, const Gradients& native, const std::string& what) {
  ASSERT_EQ(scratch.output.sizes(), native.output.sizes()) << what;
  EXPECT_LT(relative_error(scratch.output, native.output), kTolerance) << what << " output";
  EXPECT_LT(relative_error(scratch.input, native.input), kTolerance) << what << " dX";
  if (native.weight.defined()) {
    EXPECT_LT(relative_error(scratch.weight, native.weight), kTolerance) << what << " dW";
  }
  if (native.bias.defined()) {
    EXPECT_LT(relative_error(scratch.bias, native.bias), kTolerance) << what << " db";
  }
}

TEST(Backends, ConvAgreesOnRandomShapesStridesPaddingsAndBatches) {
  std::mt19937 random(7);
  auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  int cases = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const int filter = pick(1, 5), stride = pick(1, 3), padding = pick(0, 3);
    const int height = std::max(1, filter - 2 * padding) + pick(0, 9);
    const int width = std::max(1, filter - 2 * padding) + pick(0, 9);
    const int batch = pick(1, 5), channels = pick(1, 4), filters = pick(1, 6);
    torch::manual_seed(trial);
    const auto x = torch::randn({batch, channels, height, width}, kDouble);
    const auto w = torch::randn({filters, channels, filter, filter}, kDouble);
    const auto b = torch::randn({filters}, kDouble);
    const std::string what = "N=" + std::to_string(batch) + " C=" + std::to_string(channels) + " H=" +
                             std::to_string(height) + " W=" + std::to_string(width) + " K=" + std::to_string(filters) +
                             " F=" + std::to_string(filter) + " S=" + std::to_string(stride) + " P=" +
                             std::to_string(padding);
    auto with = [&](Backend backend) {
      return [=](const torch::Tensor& xi, const torch::Tensor& wi, const torch::Tensor& bi) {
        return conv2d(backend, xi, wi, bi, stride, padding);
      };
    };
    expect_close(run(with(Backend::kScratch), x, w, b), run(with(Backend::kNative), x, w, b), what);
    ++cases;
  }
  EXPECT_EQ(cases, 120);
}

TEST(Backends, ConvAgreesOnTheDefaultEncodersShapesWithManyThreads) {
  // Bigger images and a batch split over threads: the per-thread dW sums must add up.
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  torch::manual_seed(3);
  const auto x = torch::randn({5, 16, 32, 32}, kDouble);
  const auto w = torch::randn({32, 16, 3, 3}, kDouble);
  const auto b = torch::randn({32}, kDouble);
  auto with = [](Backend backend) {
    return [=](const torch::Tensor& xi, const torch::Tensor& wi, const torch::Tensor& bi) {
      return conv2d(backend, xi, wi, bi, 1, 1);
    };
  };
  expect_close(run(with(Backend::kScratch), x, w, b), run(with(Backend::kNative), x, w, b), "conv3x32p1 on 32x32x16");
  // The workers' single-threaded BLAS setting stays in the workers.
  EXPECT_EQ(torch::get_num_threads(), 2);
  EXPECT_EQ(at::get_num_threads(), 2);
  torch::set_num_threads(threads);
}

TEST(Backends, ScratchRunsInInferenceModeOnSeveralThreads) {
  // Captioning encodes in inference mode: the scratch layers' worker threads must be in it too
  // (at::parallel_for does not carry it over; updating an inference tensor outside it throws).
  const int threads = torch::get_num_threads();
  torch::set_num_threads(2);
  torch::manual_seed(4);
  const auto x = torch::randn({4, 8, 16, 16});
  const auto w = torch::randn({16, 8, 3, 3});
  const auto b = torch::randn({16});
  const auto native = max_pool2d(Backend::kNative, conv2d(Backend::kNative, x, w, b, 1, 1), 2, 2);
  torch::Tensor scratch;
  {
    c10::InferenceMode inference;
    scratch = max_pool2d(Backend::kScratch, conv2d(Backend::kScratch, x, w, b, 1, 1), 2, 2);
  }
  EXPECT_TRUE(torch::allclose(scratch, native, 1e-4, 1e-4));
  torch::set_num_threads(threads);
}

TEST(Backends, ConvSkipsTheInputGradientWhenNotNeeded) {
  torch::manual_seed(4);
  const auto x = torch::randn({2, 3, 6, 6}, kDouble);  // an image batch: no gradient wanted
  auto w = torch::randn({4, 3, 3, 3}, kDouble).requires_grad_(true);
  auto b = torch::randn({4}, kDouble).requires_grad_(true);
  scratch_conv2d(x, w, b, 1, 1).sum().backward();
  EXPECT_FALSE(x.grad().defined());
  ASSERT_TRUE(w.grad().defined());
  auto wn = w.detach().clone().requires_grad_(true);
  torch::conv2d(x, wn, b.detach(), 1, 1).sum().backward();
  EXPECT_LT(relative_error(w.grad(), wn.grad()), kTolerance);
}

TEST(Backends, PoolingAgreesOnRandomShapesAndStrides) {
  std::mt19937 random(11);
  auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  for (int trial = 0; trial < 80; ++trial) {
    const int window = pick(1, 4), stride = pick(1, 4);
    const int height = window + pick(0, 9), width = window + pick(0, 9);
    const int batch = pick(1, 4), channels = pick(1, 5);
    torch::manual_seed(100 + trial);
    const auto x = torch::randn({batch, channels, height, width}, kDouble);
    const std::string what = "N=" + std::to_string(batch) + " C=" + std::to_string(channels) + " H=" +
                             std::to_string(height) + " W=" + std::to_string(width) + " F=" + std::to_string(window) +
                             " S=" + std::to_string(stride);
    for (const bool average : {false, true}) {
      auto with = [&](Backend backend) {
        return [=](const torch::Tensor& xi, const torch::Tensor&, const torch::Tensor&) {
          return average ? avg_pool2d(backend, xi, window, stride) : max_pool2d(backend, xi, window, stride);
        };
      };
      expect_close(run(with(Backend::kScratch), x, {}, {}), run(with(Backend::kNative), x, {}, {}),
                   (average ? "avgpool " : "maxpool ") + what);
    }
  }
}

TEST(Backends, MaxPoolRoutesTheGradientToTheArgMax) {
  // One 4 x 4 plane, 2 x 2 windows: each window's gradient lands on its largest value only.
  const auto x = torch::tensor({1., 5., 2., 0., 3., 4., 8., 1., 0., 0., 1., 1., 9., 0., 2., 7.}, kDouble).view({1, 1, 4, 4});
  auto xi = x.clone().requires_grad_(true);
  const auto y = scratch_max_pool2d(xi, 2, 2);
  EXPECT_TRUE(torch::equal(y.detach().view(-1), torch::tensor({5., 8., 9., 7.}, kDouble)));
  (y * torch::tensor({10., 20., 30., 40.}, kDouble).view({1, 1, 2, 2})).sum().backward();
  const auto expected =
      torch::tensor({0., 10., 0., 0., 0., 0., 20., 0., 0., 0., 0., 0., 30., 0., 0., 40.}, kDouble).view({1, 1, 4, 4});
  EXPECT_TRUE(torch::equal(xi.grad(), expected));
  // Overlapping windows (3 x 3, stride 1) that share a maximum add their gradients there.
  auto xo = torch::zeros({1, 1, 4, 4}, kDouble);
  xo[0][0][1][1] = 1.0;
  xo.requires_grad_(true);
  scratch_max_pool2d(xo, 3, 1).sum().backward();
  EXPECT_EQ(xo.grad()[0][0][1][1].item<double>(), 4.0);
  EXPECT_EQ(xo.grad().sum().item<double>(), 4.0);
}

TEST(Backends, LinearAgreesOnRandomShapes) {
  std::mt19937 random(13);
  auto pick = [&](int low, int high) { return std::uniform_int_distribution<int>(low, high)(random); };
  for (int trial = 0; trial < 30; ++trial) {
    const int batch = pick(1, 9), inputs = pick(1, 40), outputs = pick(1, 20);
    torch::manual_seed(200 + trial);
    const auto x = torch::randn({batch, inputs}, kDouble);
    const auto w = torch::randn({outputs, inputs}, kDouble);
    const auto b = torch::randn({outputs}, kDouble);
    auto with = [](Backend backend) {
      return [=](const torch::Tensor& xi, const torch::Tensor& wi, const torch::Tensor& bi) {
        return linear(backend, xi, wi, bi);
      };
    };
    expect_close(run(with(Backend::kScratch), x, w, b), run(with(Backend::kNative), x, w, b),
                 "linear " + std::to_string(batch) + "x" + std::to_string(inputs) + "->" + std::to_string(outputs));
  }
}

TEST(Backends, ConvMatchesTheSeedsWorkedExample) {
  // The seed's numpy example: x of shape (11, 11, 4), F = 5, no padding, stride 2 -> 4 x 4;
  // v[0,0,0] = sum(x[0:5, 0:5, :] * w0) + b0, v[1,0,0] = sum(x[2:7, 0:5, :] * w0) + b0, ...
  torch::manual_seed(5);
  const auto x = torch::randn({11, 11, 4}, kDouble);  // numpy layout: x, y, depth
  const auto w0 = torch::randn({5, 5, 4}, kDouble);
  const double b0 = 0.5;
  // To N x C x H x W with H along numpy's second axis, W along its first.
  const auto input = x.permute({2, 1, 0}).unsqueeze(0).contiguous();
  const auto weight = w0.permute({2, 1, 0}).unsqueeze(0).contiguous();
  const auto v = scratch_conv2d(input, weight, torch::full({1}, b0, kDouble), 2, 0);
  ASSERT_EQ(v.sizes(), (std::vector<int64_t>{1, 1, 4, 4}));
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      const double expected =
          (x.slice(0, 2 * i, 2 * i + 5).slice(1, 2 * j, 2 * j + 5) * w0).sum().item<double>() + b0;
      EXPECT_NEAR(v[0][0][j][i].item<double>(), expected, 1e-12) << "v[" << i << "," << j << ",0]";
    }
  }
}

TEST(Backends, ScratchWorksInFloat32Too) {
  torch::manual_seed(6);
  const auto x = torch::randn({3, 4, 9, 9});
  const auto w = torch::randn({5, 4, 3, 3});
  const auto b = torch::randn({5});
  EXPECT_LT(relative_error(scratch_conv2d(x, w, b, 2, 1), torch::conv2d(x, w, b, 2, 1)), 1e-5);
  EXPECT_LT(relative_error(scratch_max_pool2d(x, 3, 2), torch::max_pool2d(x, 3, 2)), 1e-6);
  EXPECT_LT(relative_error(scratch_avg_pool2d(x, 3, 2), torch::avg_pool2d(x, 3, 2)), 1e-6);
}

}  // namespace
