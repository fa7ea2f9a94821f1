#pragma once
// Tiny decoders and helpers shared by the decoder suites (kept small: the suites must be fast).

#include <string>
#include <vector>

#include <torch/torch.h>

#include "decoder/caption_decoder.h"
#include "decoder/token_ids.h"

namespace captioner::decoder::testing {

inline DecoderOptions tiny_options(const std::string& init = "hidden", int vocab_size = 12, int layers = 1) {
  DecoderOptions options;
  options.embedding_size = 8;
  options.hidden_size = 16;
  options.layers = layers;
  options.dropout = 0.0;
  options.init = init;
  options.feature_size = 6;
  options.vocab_size = vocab_size;
  return options;
}

// A freshly initialised decoder whose output layer is scaled by `sharpness`: LibTorch's
// initialisation gives nearly uniform next-token distributions, too flat to tell
// strategies apart.
inline CaptionDecoder random_decoder(const DecoderOptions& options, uint64_t seed, double sharpness = 4.0) {
  torch::manual_seed(seed);
  CaptionDecoder decoder(options);
  torch::NoGradGuard no_grad;
  for (auto& parameter : decoder->named_parameters()) {
    if (parameter.key().rfind("output.", 0) == 0) parameter.value().mul_(sharpness);
  }
  return decoder;
}

// Adds `bias` to the output logit of `token`: makes the decoder prefer (or avoid) it.
inline void bias_token(CaptionDecoder& decoder, int token, double bias) {
  torch::NoGradGuard no_grad;
  decoder->named_parameters()["output.bias"][token].add_(bias);
}

// bos, `tokens`, eos as a 1 x T int64 tensor.
inline torch::Tensor caption_row(const std::vector<int32_t>& tokens) {
  std::vector<int64_t> row = {kBosId};
  row.insert(row.end(), tokens.begin(), tokens.end());
  row.push_back(kEosId);
  return torch::tensor(row, torch::kLong).unsqueeze(0);
}

// The teacher-forced log-probability of `tokens` then eos for image `feature` (1 x F).
inline double teacher_forced_log_prob(CaptionDecoder& decoder, const torch::Tensor& feature,
                                      const std::vector<int32_t>& tokens) {
  torch::NoGradGuard no_grad;
  const bool was_training = decoder->is_training();
  decoder->eval();
  const auto row = caption_row(tokens);
  const auto log_probs = torch::log_softmax(decoder->forward(feature, row), -1);
  const auto picked = log_probs.gather(2, row.slice(1, 1).unsqueeze(2));
  decoder->train(was_training);
  return picked.sum().to(torch::kDouble).item<double>();
}

}  // namespace captioner::decoder::testing
