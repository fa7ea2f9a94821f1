#pragma once
// Our own fully connected layer with its hand-derived backward as a custom autograd
// function: Y = X W^T + b; dX = dY W, dW = dY^T X, db = the sum of dY over the batch.

#include <torch/torch.h>

namespace captioner::encoder {

// input N x I, weight O x I, bias O -> N x O.
torch::Tensor scratch_linear(const torch::Tensor& input, const torch::Tensor& weight, const torch::Tensor& bias);

}  // namespace captioner::encoder
