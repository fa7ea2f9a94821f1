#include "encoder/encoder.h"

#include "encoder/init.h"
#include "encoder/layers.h"
#include "encoder/spec.h"

namespace captioner::encoder {
namespace {

// Whether an activation may overwrite its input: the layers before it that make that input
// (conv, fc, batch norm) do not need their output for their backward pass, and a fresh
// tensor of theirs is not the caller's. In place saves an allocation and a pass over memory.
bool overwrites_safely(const std::vector<LayerSpec>& specs, size_t position) {
  if (position == 0) return false;
  const LayerKind previous = specs[position - 1].kind;
  return previous == LayerKind::kConv || previous == LayerKind::kFullyConnected || previous == LayerKind::kBatchNorm;
}

void add_layer(torch::nn::Sequential& layers, const std::vector<LayerSpec>& specs, const PlannedLayer& planned,
               size_t position, Backend backend) {
  const LayerSpec& spec = planned.spec;
  switch (spec.kind) {
    case LayerKind::kConv:
      layers->push_back(ConvLayer(planned.input.depth, spec, backend, init_scheme_for(specs, position)));
      return;
    case LayerKind::kMaxPool:
    case LayerKind::kAvgPool:
      layers->push_back(PoolLayer(spec, backend));
      return;
    case LayerKind::kGlobalAvgPool:
      layers->push_back(GlobalAvgPool());
      return;
    case LayerKind::kFullyConnected:
      layers->push_back(FullyConnected(planned.input, spec.count, backend, init_scheme_for(specs, position)));
      return;
    case LayerKind::kRelu:
      layers->push_back(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(overwrites_safely(specs, position))));
      return;
    case LayerKind::kLeakyRelu:
      layers->push_back(torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(kLeakyReluSlope)));
      return;
    case LayerKind::kSigmoid:
      layers->push_back(torch::nn::Sigmoid());
      return;
    case LayerKind::kTanh:
      layers->push_back(torch::nn::Tanh());
      return;
    case LayerKind::kElu:
      layers->push_back(torch::nn::ELU());
      return;
    case LayerKind::kMaxout:
      layers->push_back(Maxout(spec.count));
      return;
    case LayerKind::kBatchNorm:
      layers->push_back(torch::nn::BatchNorm2d(planned.input.depth));
      return;
    case LayerKind::kDropout:
      layers->push_back(torch::nn::Dropout(spec.probability));
      return;
  }
}

}  // namespace

EncoderImpl::EncoderImpl(const EncoderOptions& options)
    : options_(options), plan_(plan_encoder(parse_spec(options.spec), options.image_size)) {
  std::vector<LayerSpec> specs;
  for (const auto& layer : plan_.layers) specs.push_back(layer.spec);
  for (size_t i = 0; i < plan_.layers.size(); ++i) add_layer(layers_, specs, plan_.layers[i], i, options.backend);
  register_module("layers", layers_);
}

torch::Tensor EncoderImpl::forward(const torch::Tensor& images) {
  TORCH_CHECK(images.dim() == 4 && images.size(1) == plan_.input.depth, "encoder: expected N x 3 x H x W images, got ",
              images.sizes());
  if (images.size(2) != plan_.input.height || images.size(3) != plan_.input.width)
    plan_encoder_at(plan_, images.size(2), images.size(3));  // InputError naming the layer if the spec does not allow it
  const torch::Tensor features = layers_->forward(images);
  return features.size(2) * features.size(3) == 1 ? features.flatten(1) : features.mean({2, 3});
}

}  // namespace captioner::encoder
