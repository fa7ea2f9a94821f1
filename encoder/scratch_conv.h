#pragma once
// Our own 2-D convolution (cross-correlation, as every CNN library means it): im2col + GEMM
// forward, and the hand-derived backward of the seed as a custom autograd function:
//   dW = X (*) dY                       (each image's columns times its output gradient)
//   db = sum of dY over images and positions
//   dX = full-conv(dY, rot180 W)        (dY dilated by the stride, padded by F - 1 - P)
// Any stride, padding and kernel size; float32 and float64. Images are spread over
// LibTorch's threads; each runs its own GEMMs.

#include <torch/torch.h>

namespace captioner::encoder {

// input N x C x H x W, weight K x C x Fh x Fw, bias K -> N x K x H2 x W2 with
// H2 = (H - Fh + 2P)/S + 1 rounded down (as LibTorch's conv2d: rows left over are unused).
torch::Tensor scratch_conv2d(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias,
                             int64_t stride, int64_t padding);

}  // namespace captioner::encoder
