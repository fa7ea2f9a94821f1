#pragma once
// Weight initialisation suited to the activation after each conv and fc layer, so that
// activations keep their scale through a deep stack trained from random weights.

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "encoder/spec.h"

namespace captioner::encoder {

enum class InitScheme {
  kHe,       // relu, elu: normal, std sqrt(2 / fan_in) (He et al. 2015: relu halves the variance)
  kLeakyHe,  // lrelu: normal, std sqrt(2 / ((1 + 0.1^2) fan_in))
  kLeCun,    // maxout: normal, std sqrt(1 / fan_in) (the max of two unit normals keeps E[x^2] = 1)
  kGlorot,   // tanh, sigmoid, no activation (the last fc): uniform, limit sqrt(6 / (fan_in + fan_out))
};

// The scheme for the weighted layer at `position` in `layers`: by the first activation
// after it and before the next weighted layer (bn, dropout and pooling between are
// skipped); Glorot when there is none.
InitScheme init_scheme_for(const std::vector<LayerSpec>& layers, size_t position);

// Fills `weight` in place (from LibTorch's default generator: torch::manual_seed makes
// it reproducible).
void initialise_weight(torch::Tensor& weight, int64_t fan_in, int64_t fan_out, InitScheme scheme);

}  // namespace captioner::encoder
