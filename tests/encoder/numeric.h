#pragma once
// Helpers for the encoder's numeric tests: relative error and a finite-difference gradient
// check (central differences in float64), in the style of torch.autograd.gradcheck.

#include <algorithm>
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace captioner::encoder::testing {

// max |actual - expected| / max(max |expected|, floor): relative to the largest expected
// value, or to `floor` where that is smaller (a gradient that is zero in exact arithmetic).
inline double relative_error(const torch::Tensor& actual, const torch::Tensor& expected, double floor = 1e-300) {
  const double scale = std::max(expected.abs().max().item<double>(), floor);
  return (actual - expected).abs().max().item<double>() / scale;
}

// d/d input of sum(f(inputs) * weights), one central difference per element of each input.
// `inputs` are float64 leaves; they are restored afterwards.
inline std::vector<torch::Tensor> numeric_gradients(
    const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& f, std::vector<torch::Tensor> inputs,
    const torch::Tensor& weights, double step = 1e-6) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> gradients;
  for (auto& input : inputs) {
    torch::Tensor gradient = torch::zeros_like(input);
    auto flat = input.view(-1);
    auto flat_gradient = gradient.view(-1);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const double original = flat[i].item<double>();
      flat[i] = original + step;
      const double up = (f(inputs) * weights).sum().item<double>();
      flat[i] = original - step;
      const double down = (f(inputs) * weights).sum().item<double>();
      flat[i] = original;
      flat_gradient[i] = (up - down) / (2 * step);
    }
    gradients.push_back(gradient);
  }
  return gradients;
}

// The analytic gradients of sum(f(inputs) * weights) by autograd.
inline std::vector<torch::Tensor> autograd_gradients(
    const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& f, const std::vector<torch::Tensor>& inputs,
    const torch::Tensor& weights) {
  std::vector<torch::Tensor> leaves;
  for (const auto& input : inputs) leaves.push_back(input.detach().clone().requires_grad_(true));
  (f(leaves) * weights).sum().backward();
  std::vector<torch::Tensor> gradients;
  for (const auto& leaf : leaves) gradients.push_back(leaf.grad());
  return gradients;
}

}  // namespace captioner::encoder::testing
