#include "decoder/caption_decoder.h"

#include "decoder/token_ids.h"

namespace captioner::decoder {

DecoderState DecoderState::select_rows(const torch::Tensor& rows) const {
  return {h.index_select(1, rows), c.index_select(1, rows)};
}

CaptionDecoderImpl::CaptionDecoderImpl(const DecoderOptions& options) : options_(options) {
  validate(options_);
  init_mode_ = parse_init_mode(options_.init);
  const int E = options_.embedding_size, H = options_.hidden_size, L = options_.layers;
  embedding_ = register_module("embedding", torch::nn::Embedding(options_.vocab_size, E));
  lstm_ = register_module(
      "lstm", torch::nn::LSTM(torch::nn::LSTMOptions(E, H).num_layers(L).batch_first(true).dropout(
                  L > 1 ? options_.dropout : 0.0)));
  dropout_ = register_module("dropout", torch::nn::Dropout(options_.dropout));
  output_ = register_module("output", torch::nn::Linear(H, options_.vocab_size));
  if (init_mode_ == InitMode::kHidden) {
    init_h_ = register_module("init_h", torch::nn::Linear(options_.feature_size, L * H));
    init_c_ = register_module("init_c", torch::nn::Linear(options_.feature_size, L * H));
  } else if (init_mode_ == InitMode::kInput) {
    image_embedding_ = register_module("image_embedding", torch::nn::Linear(options_.feature_size, E));
  }

  torch::NoGradGuard no_grad;
  // Small embeddings as in Show and Tell (LibTorch's default N(0, 1) saturates the gates).
  embedding_->weight.uniform_(-0.1, 0.1);
  // Forget-gate biases at 1 (Jozefowicz et al. 2015): the cell keeps its memory early in
  // training. LibTorch orders the gates i, f, g, o; the two bias vectors add up.
  for (auto& parameter : lstm_->named_parameters()) {
    if (parameter.key().rfind("bias_ih", 0) == 0) parameter.value().slice(0, H, 2 * H).fill_(1.0);
    if (parameter.key().rfind("bias_hh", 0) == 0) parameter.value().slice(0, H, 2 * H).fill_(0.0);
  }
}

void CaptionDecoderImpl::check_features(const torch::Tensor& features) const {
  TORCH_CHECK(features.dim() == 2, "decoder features must be N x F, got ", features.sizes());
  TORCH_CHECK(init_mode_ == InitMode::kNone || features.size(1) == options_.feature_size,
              "decoder features have ", features.size(1), " columns, the decoder expects ",
              options_.feature_size);
}

torch::Tensor CaptionDecoderImpl::embed(const torch::Tensor& tokens) {
  return dropout_(embedding_(tokens.to(torch::kLong)));
}

torch::Tensor CaptionDecoderImpl::run_lstm(const torch::Tensor& inputs, DecoderState& state) {
  auto [outputs, hc] = lstm_(inputs, std::make_tuple(state.h, state.c));
  state.h = std::get<0>(hc);
  state.c = std::get<1>(hc);
  return dropout_(outputs);
}

DecoderState CaptionDecoderImpl::start(const torch::Tensor& features) {
  check_features(features);
  const int64_t N = features.size(0);
  const int64_t L = options_.layers, H = options_.hidden_size;
  if (init_mode_ == InitMode::kHidden) {
    // tanh keeps h0 and c0 in the range the LSTM's own states live in.
    auto per_layer = [&](torch::nn::Linear& projection) {
      return torch::tanh(projection(features)).view({N, L, H}).transpose(0, 1).contiguous();
    };
    return {per_layer(init_h_), per_layer(init_c_)};
  }
  const auto options = output_->weight.options();
  DecoderState state{torch::zeros({L, N, H}, options), torch::zeros({L, N, H}, options)};
  if (init_mode_ == InitMode::kInput) {
    // Show and Tell: the image is input step -1; its output predicts nothing.
    run_lstm(dropout_(image_embedding_(features)).unsqueeze(1), state);
  }
  return state;
}

torch::Tensor CaptionDecoderImpl::forward(const torch::Tensor& features, const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2 && tokens.size(1) >= 2, "decoder tokens must be N x T with T >= 2, got ",
              tokens.sizes());
  TORCH_CHECK(features.size(0) == tokens.size(0), "decoder features have ", features.size(0),
              " rows, tokens ", tokens.size(0));
  DecoderState state = start(features);
  // Padding after eos is fed too: the LSTM is causal, so it cannot reach a real token's logits.
  const auto inputs = tokens.slice(1, 0, tokens.size(1) - 1);
  return output_(run_lstm(embed(inputs), state));
}

torch::Tensor CaptionDecoderImpl::step(const torch::Tensor& tokens, DecoderState& state) {
  TORCH_CHECK(tokens.dim() == 1 && tokens.size(0) == state.rows(), "decoder step needs one token per state row");
  return output_(run_lstm(embed(tokens.unsqueeze(1)), state)).squeeze(1);
}

}  // namespace captioner::decoder
