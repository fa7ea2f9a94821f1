#pragma once
// The one place that picks a backend for conv, pool and fc (see Backend in options.h).

#include <torch/torch.h>

#include "encoder/options.h"

namespace captioner::encoder {

// input N x C x H x W, weight K x C x F x F, bias K -> N x K x H2 x W2.
torch::Tensor conv2d(Backend backend, const torch::Tensor& input, const torch::Tensor& weight,
                     const torch::Tensor& bias, int64_t stride, int64_t padding);
// N x C x H x W -> N x C x H2 x W2, windows window x window, no padding.
torch::Tensor max_pool2d(Backend backend, const torch::Tensor& input, int64_t window, int64_t stride);
torch::Tensor avg_pool2d(Backend backend, const torch::Tensor& input, int64_t window, int64_t stride);
// input N x I, weight O x I, bias O -> N x O.
torch::Tensor linear(Backend backend, const torch::Tensor& input, const torch::Tensor& weight,
                     const torch::Tensor& bias);

}  // namespace captioner::encoder
