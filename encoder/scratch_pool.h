#pragma once
// Our own pooling layers, forward and hand-derived backward as custom autograd functions.
// Windows are F x F, moved by the stride, no padding; H2 = (H - F)/S + 1 rounded down (as
// LibTorch). Max pooling routes each output's gradient to the arg-max of its window (the
// first one on ties, as LibTorch); average pooling spreads it evenly over the window.

#include <torch/torch.h>

namespace captioner::encoder {

// N x C x H x W -> N x C x H2 x W2.
torch::Tensor scratch_max_pool2d(const torch::Tensor& input, int64_t window, int64_t stride);
torch::Tensor scratch_avg_pool2d(const torch::Tensor& input, int64_t window, int64_t stride);

}  // namespace captioner::encoder
