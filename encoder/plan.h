#pragma once
// The shape planner: every layer's output volume, parameter count and cost, computed from
// the spec before any tensor exists. A conv layer maps W1 x H1 x D1 to W2 x H2 x K with
//   W2 = (W1 - F + 2P)/S + 1   (pooling: P = 0, depth kept)
// and the division must be exact: a spec where it is not, or where a volume vanishes, is
// rejected with a message naming the layer and the numbers.

#include <cstdint>
#include <string>
#include <vector>

#include "encoder/spec.h"

namespace captioner::encoder {

// A volume of activations for one image: height x width x depth, as the seed writes it.
struct Volume {
  int64_t height = 0;
  int64_t width = 0;
  int64_t depth = 0;

  std::string str() const;  // "32x32x12"
  int64_t size() const { return height * width * depth; }
  bool operator==(const Volume& other) const {
    return height == other.height && width == other.width && depth == other.depth;
  }
};

struct PlannedLayer {
  LayerSpec spec;
  Volume input;
  Volume output;
  int64_t parameters = 0;  // learnable: F*F*D*K + K per conv, inputs*N + N per fc, 2*D per bn
  int64_t flops = 0;       // forward, one image: 2 per multiply-add of conv and fc layers
};

struct EncoderPlan {
  Volume input;
  std::vector<PlannedLayer> layers;

  const Volume& output() const { return layers.empty() ? input : layers.back().output; }
  int64_t parameters() const;
  int64_t flops() const;
  // The length of the feature vector given to the decoder: the depth of the last volume.
  int64_t feature_size() const { return output().depth; }
};

// The plan of `layers` on image_size x image_size RGB images. InputError naming the layer
// for an inexact division, a vanishing volume, a maxout whose depth is not a multiple of
// its pieces, a count (volume, parameters, FLOP, or their totals) beyond int64, or a spec whose
// last volume is not 1 x 1 (a feature vector).
EncoderPlan plan_encoder(const std::vector<LayerSpec>& layers, int64_t image_size);

// Fully convolutional use: the encoder planned by `trained`, applied to a larger
// height x width image. Conv and pool layers slide over the larger volumes; an fc layer
// becomes the conv it is equal to (F = its planned input's height and width, stride 1), so
// it gives one output per position where its planned input fits; the encoder averages the
// last volume over its positions. Allowed when every division is exact at the new size and
// the image is at least as large as planned (a gap layer takes any size); InputError
// naming the size and the layer otherwise.
EncoderPlan plan_encoder_at(const EncoderPlan& trained, int64_t height, int64_t width);

// The table `captioner inspect` prints: per layer its output volume, parameters and MFLOP,
// then the totals and the feature size.
std::string format_plan(const EncoderPlan& plan);

}  // namespace captioner::encoder
