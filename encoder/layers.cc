#include "encoder/layers.h"

#include "encoder/backend_ops.h"

namespace captioner::encoder {

ConvLayerImpl::ConvLayerImpl(int64_t input_depth, const LayerSpec& spec, Backend backend, InitScheme init)
    : stride_(spec.stride), padding_(spec.padding), backend_(backend) {
  const int64_t area = spec.filter * spec.filter;
  weight = register_parameter("weight", torch::empty({spec.count, input_depth, spec.filter, spec.filter}));
  bias = register_parameter("bias", torch::zeros({spec.count}));
  initialise_weight(weight, input_depth * area, spec.count * area, init);
}

torch::Tensor ConvLayerImpl::forward(const torch::Tensor& input) {
  return conv2d(backend_, input, weight, bias, stride_, padding_);
}

PoolLayerImpl::PoolLayerImpl(const LayerSpec& spec, Backend backend)
    : average_(spec.kind == LayerKind::kAvgPool), window_(spec.filter), stride_(spec.stride), backend_(backend) {}

torch::Tensor PoolLayerImpl::forward(const torch::Tensor& input) {
  return average_ ? avg_pool2d(backend_, input, window_, stride_) : max_pool2d(backend_, input, window_, stride_);
}

torch::Tensor GlobalAvgPoolImpl::forward(const torch::Tensor& input) { return input.mean({2, 3}, /*keepdim=*/true); }

FullyConnectedImpl::FullyConnectedImpl(const Volume& input, int64_t outputs, Backend backend, InitScheme init)
    : input_(input), backend_(backend) {
  weight = register_parameter("weight", torch::empty({outputs, input.size()}));
  bias = register_parameter("bias", torch::zeros({outputs}));
  initialise_weight(weight, input.size(), outputs, init);
}

torch::Tensor FullyConnectedImpl::conv_weight() const {
  return weight.view({weight.size(0), input_.depth, input_.height, input_.width});
}

torch::Tensor FullyConnectedImpl::forward(const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4 && input.size(1) == input_.depth, "fc layer: expected N x ", input_.depth,
              " x H x W, got ", input.sizes());
  if (input.size(2) == input_.height && input.size(3) == input_.width) {
    const torch::Tensor y = linear(backend_, input.flatten(1), weight, bias);
    return y.view({y.size(0), y.size(1), 1, 1});
  }
  return conv2d(backend_, input, conv_weight(), bias, 1, 0);
}

MaxoutImpl::MaxoutImpl(int64_t pieces) : pieces_(pieces) {}

torch::Tensor MaxoutImpl::forward(const torch::Tensor& input) {
  TORCH_CHECK(input.dim() == 4 && input.size(1) % pieces_ == 0, "maxout: depth ", input.size(1),
              " is not a multiple of ", pieces_);
  return std::get<0>(
      input.reshape({input.size(0), input.size(1) / pieces_, pieces_, input.size(2), input.size(3)}).max(2));
}

}  // namespace captioner::encoder
