#pragma once
// The captioner: the CNN encoder turns images into a feature vector, which starts the
// LSTM decoder. With decoder init `none` there is no encoder at all: the blind
// language-model baseline, trained and decoded by the same code.

#include <vector>

#include <torch/torch.h>

#include "decoder/caption_decoder.h"
#include "decoder/decode.h"
#include "encoder/encoder.h"

namespace captioner::train {

struct ModelOptions {
  encoder::EncoderOptions encoder;
  decoder::DecoderOptions decoder;  // feature_size and vocab_size are filled in by the model
  // [train] bow-loss: weight of the auxiliary bag-of-words loss (decoder::bag_of_words_loss
  // of a linear layer on the image vector, used in training only); 0: none, plain Show and
  // Tell. It gives the encoder a direct gradient for every word of the caption: through
  // the LSTM alone it learns what is easy to say first (colours) long before the rest
  // (shapes). A model option because the layer is part of the checkpoint.
  double bow_loss = 0.0;
};

class CaptionModelImpl : public torch::nn::Module {
 public:
  // InputError for options that do not make a model (bad spec, sizes, init mode).
  CaptionModelImpl(ModelOptions options, int vocab_size);

  // images: float N x 3 x S x S (data::images_to_input) -> N x F (N x 0 without encoder).
  torch::Tensor features(const torch::Tensor& images);
  // Teacher-forced loss on `tokens` (int64 N x T: bos, caption, eos, padding), plus the
  // weighted bag-of-words loss when the model has one.
  torch::Tensor loss(const torch::Tensor& images, const torch::Tensor& tokens, double label_smoothing);
  // loss()'s two terms apart (data-parallel training weighs each rank's share of a global
  // batch by its tokens and by its captions): the caption loss (mean over real tokens) and
  // the unweighted bag-of-words loss (mean over captions; undefined without the layer).
  struct LossTerms {
    torch::Tensor caption, bag_of_words;
  };
  LossTerms loss_terms(const torch::Tensor& images, const torch::Tensor& tokens, double label_smoothing);
  // Decoded captions for the images, best first per image: decode(encode(images)).
  std::vector<std::vector<decoder::Hypothesis>> caption(const torch::Tensor& images,
                                                        const decoder::DecodeOptions& options);
  // The two halves of caption(), for timing them apart: the features in eval and inference
  // mode (inference tensors: for decode, not for autograd), and the search from them.
  torch::Tensor encode(const torch::Tensor& images);
  std::vector<std::vector<decoder::Hypothesis>> decode(const torch::Tensor& features,
                                                       const decoder::DecodeOptions& options);

  bool has_encoder() const { return !encoder_.is_empty(); }
  const ModelOptions& options() const { return options_; }

 private:
  ModelOptions options_;
  encoder::Encoder encoder_{nullptr};
  decoder::CaptionDecoder decoder_{nullptr};
  torch::nn::Linear bag_of_words_{nullptr};  // image vector -> a score per vocabulary entry (bow_loss > 0)
};
TORCH_MODULE(CaptionModel);

}  // namespace captioner::train
