#include "train/caption_model.h"

#include <string>

#include "decoder/caption_loss.h"
#include "util/error.h"

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
  if (options_.bow_loss < 0) throw InputError("train.bow-loss must be at least 0, not " + std::to_string(options_.bow_loss));
  // The blind baseline has no image vector to predict words from.
  if (options_.bow_loss > 0 && has_encoder()) {
    bag_of_words_ = register_module("bag_of_words", torch::nn::Linear(options_.decoder.feature_size, vocab_size));
  }
}

torch::Tensor CaptionModelImpl::features(const torch::Tensor& images) {
  if (encoder_.is_empty()) return torch::zeros({images.size(0), 0});
  // Images come from the loader on the CPU; the model may live on a GPU (--device cuda).
  const auto parameters = encoder_->parameters();
  return encoder_->forward(parameters.empty() ? images : images.to(parameters.front().device()));
}

torch::Tensor CaptionModelImpl::loss(const torch::Tensor& images, const torch::Tensor& tokens, double label_smoothing) {
  const auto terms = loss_terms(images, tokens, label_smoothing);
  if (!terms.bag_of_words.defined()) return terms.caption;
  return terms.caption + options_.bow_loss * terms.bag_of_words;
}

CaptionModelImpl::LossTerms CaptionModelImpl::loss_terms(const torch::Tensor& images, const torch::Tensor& tokens,
                                                         double label_smoothing) {
  const auto image_features = features(images);
  LossTerms terms;
  terms.caption = decoder::caption_loss(decoder_, image_features, tokens, label_smoothing);
  if (!bag_of_words_.is_empty()) terms.bag_of_words = decoder::bag_of_words_loss(bag_of_words_(image_features), tokens);
  return terms;
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
    // Inference tensors: for decode() (also in inference mode), never for autograd.
    c10::InferenceMode inference;
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
