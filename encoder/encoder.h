#pragma once
// The image encoder: the CNN a spec describes (encoder/spec.h), planned (encoder/plan.h)
// and built from random weights, mapping images to the feature vector the decoder starts
// from.

#include <torch/torch.h>

#include "encoder/options.h"
#include "encoder/plan.h"

namespace captioner::encoder {

class EncoderImpl : public torch::nn::Module {
 public:
  // InputError for a spec that does not parse or plan (see parse_spec, plan_encoder).
  explicit EncoderImpl(const EncoderOptions& options);

  // images: N x 3 x S x S floats, S = options.image_size -> N x feature_size().
  // Fully convolutional use: a larger image (N x 3 x H x W) gives the average of the
  // feature vectors over the extra positions, where plan_encoder_at allows that size
  // (InputError otherwise, naming the layer).
  torch::Tensor forward(const torch::Tensor& images);

  int64_t feature_size() const { return plan_.feature_size(); }
  const EncoderPlan& plan() const { return plan_; }
  const EncoderOptions& options() const { return options_; }

 private:
  EncoderOptions options_;
  EncoderPlan plan_;
  torch::nn::Sequential layers_;
};
TORCH_MODULE(Encoder);

}  // namespace captioner::encoder
