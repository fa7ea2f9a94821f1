#include "encoder/init.h"

#include <cmath>

namespace captioner::encoder {

InitScheme init_scheme_for(const std::vector<LayerSpec>& layers, size_t position) {
  for (size_t i = position + 1; i < layers.size() && !is_weighted(layers[i].kind); ++i) {
    switch (layers[i].kind) {
      case LayerKind::kRelu:
      case LayerKind::kElu:
        return InitScheme::kHe;
      case LayerKind::kLeakyRelu:
        return InitScheme::kLeakyHe;
      case LayerKind::kMaxout:
        return InitScheme::kLeCun;
      case LayerKind::kTanh:
      case LayerKind::kSigmoid:
        return InitScheme::kGlorot;
      default:
        break;
    }
  }
  return InitScheme::kGlorot;
}

void initialise_weight(torch::Tensor& weight, int64_t fan_in, int64_t fan_out, InitScheme scheme) {
  torch::NoGradGuard no_grad;
  const auto in = static_cast<double>(fan_in);
  switch (scheme) {
    case InitScheme::kHe:
      weight.normal_(0.0, std::sqrt(2.0 / in));
      break;
    case InitScheme::kLeakyHe:
      weight.normal_(0.0, std::sqrt(2.0 / ((1.0 + kLeakyReluSlope * kLeakyReluSlope) * in)));
      break;
    case InitScheme::kLeCun:
      weight.normal_(0.0, std::sqrt(1.0 / in));
      break;
    case InitScheme::kGlorot: {
      const double limit = std::sqrt(6.0 / (in + static_cast<double>(fan_out)));
      weight.uniform_(-limit, limit);
      break;
    }
  }
}

}  // namespace captioner::encoder
