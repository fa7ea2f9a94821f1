#include "encoder/backend_ops.h"

#include "encoder/scratch_conv.h"
#include "encoder/scratch_linear.h"
#include "encoder/scratch_pool.h"

namespace captioner::encoder {

torch::Tensor conv2d(Backend backend, const torch::Tensor& input, const torch::Tensor& weight,
                     const torch::Tensor& bias, int64_t stride, int64_t padding) {
  if (backend == Backend::kScratch) return scratch_conv2d(input, weight, bias, stride, padding);
  return torch::conv2d(input, weight, bias, stride, padding);
}

torch::Tensor max_pool2d(Backend backend, const torch::Tensor& input, int64_t window, int64_t stride) {
  if (backend == Backend::kScratch) return scratch_max_pool2d(input, window, stride);
  return torch::max_pool2d(input, window, stride);
}

torch::Tensor avg_pool2d(Backend backend, const torch::Tensor& input, int64_t window, int64_t stride) {
  if (backend == Backend::kScratch) return scratch_avg_pool2d(input, window, stride);
  return torch::avg_pool2d(input, window, stride);
}

torch::Tensor linear(Backend backend, const torch::Tensor& input, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (backend == Backend::kScratch) return scratch_linear(input, weight, bias);
  return torch::linear(input, weight, bias);
}

}  // namespace captioner::encoder
