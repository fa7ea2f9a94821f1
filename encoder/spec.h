#pragma once
// The encoder's layer-spec language (DESIGN.md "The model"): space-separated layers read
// left to right from the input, in the seed's pattern
//   INPUT -> [[CONV -> ACT]*N -> POOL?]*M -> [FC -> ACT]*K -> FC
//   conv<F>x<K>[s<S>][p<P>]  F x F filters, K of them, stride S (1), zero padding P (0)
//   pool<F>[s<S>]            max pooling over F x F windows, stride S (default F)
//   avgpool<F>[s<S>]         average pooling, the same way
//   gap                      global average pooling: H x W x D -> 1 x 1 x D
//   fc<N>                    fully connected, N outputs
//   relu lrelu sigmoid tanh elu   activations (lrelu: slope 0.1; elu: alpha 1)
//   maxout<k>                max over groups of k consecutive channels: depth D -> D/k
//   bn                       batch normalisation over the channels
//   dropout<p>               dropout with probability p in [0, 1)

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace captioner::encoder {

enum class LayerKind {
  kConv,
  kMaxPool,
  kAvgPool,
  kGlobalAvgPool,
  kFullyConnected,
  kRelu,
  kLeakyRelu,
  kSigmoid,
  kTanh,
  kElu,
  kMaxout,
  kBatchNorm,
  kDropout,
};

// The slope of `lrelu` for negative inputs, max(0.1x, x) as in the seed.
inline constexpr double kLeakyReluSlope = 0.1;

// One layer as written in the spec.
struct LayerSpec {
  LayerKind kind = LayerKind::kRelu;
  std::string token;         // the layer as written, for messages and tables
  int64_t filter = 0;        // F: conv, pool, avgpool
  int64_t count = 0;         // K filters (conv), N outputs (fc), k pieces (maxout)
  int64_t stride = 1;        // S: conv (default 1), pool and avgpool (default F)
  int64_t padding = 0;       // P: conv
  double probability = 0.0;  // p: dropout
};

// The layers of `spec`. InputError naming the layer's position (1-based) and token for a
// token that is not a layer or has a bad number, and for an empty spec.
std::vector<LayerSpec> parse_spec(std::string_view spec);

// relu, lrelu, sigmoid, tanh, elu, maxout.
bool is_activation(LayerKind kind);

// conv and fc: the layers with weights.
bool is_weighted(LayerKind kind);

}  // namespace captioner::encoder
