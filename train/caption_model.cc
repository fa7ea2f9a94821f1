#include "train/caption_model.h"

#include "decoder/caption_loss.h"

namespace captioner::train {

CaptionModelImpl::CaptionModelImpl(ModelOptions options, int vocab_size) : options_(std::move(options)) {
  options_.decoder.vocab_size = vocab_size;
  if (decoder::parse_init_mode(options_.decoder.init) != decoder::InitMode::kNone) {
    encoder_ = register_module("encoder", encoder::Encoder(options_.encoder));
    options_.decoder.feature_size = static_cast<int>(encoder_->feature_size());
  } else {
    options_.decoder.feature_size = 0;
  }
  decoder_ = register_module("decoder", decoder::CaptionDecoder(options_.decoder));
}

torch::Tensor CaptionModelImpl::features(const torch::Tensor& images) {
  if (encoder_.is_empty()) return torch::zeros({images.size(0), 0});
  return encoder_->forward(images);
}

torch::Tensor CaptionModelImpl::loss(const torch::Tensor& images, const torch::Tensor& tokens, double label_smoothing) {
  return decoder::caption_loss(decoder_, features(images), tokens, label_smoothing);
}

std::vector<std::vector<decoder::Hypothesis>> CaptionModelImpl::caption(const torch::Tensor& images,
                                                                        const decoder::DecodeOptions& options) {
  return decode(encode(images), options);
}

torch::Tensor CaptionModelImpl::encode(const torch::Tensor& images) {
  const bool was_training = is_training();
  eval();
  torch::Tensor image_features;
  {
    torch::NoGradGuard no_grad;
    image_features = features(images);
  }
  train(was_training);
  return image_features;
}

std::vector<std::vector<decoder::Hypothesis>> CaptionModelImpl::decode(const torch::Tensor& features,
                                                                       const decoder::DecodeOptions& options) {
  return decoder::decode(decoder_, features, options);
}

}  // namespace captioner::train
