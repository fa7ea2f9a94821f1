#include "decoder/caption_decoder.h"

#include "decoder/lstm_cell.h"
#include "decoder/lstm_layer.h"
#include "decoder/token_ids.h"

namespace captioner::decoder {

DecoderState DecoderState::select_rows(const torch::Tensor& rows) const {
  return {h.index_select(1, rows), c.index_select(1, rows), input_gates};
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

torch::Tensor CaptionDecoderImpl::run_lstm(const torch::Tensor& inputs, DecoderState& state,
                                           const std::vector<int64_t>& lengths) {
  if (!lstm_layer_supports(inputs)) {
    auto [outputs, hc] = lstm_(inputs, std::make_tuple(state.h, state.c));
    state.h = std::get<0>(hc);
    state.c = std::get<1>(hc);
    return dropout_(outputs);
  }
  // On the CPU, layer by layer with backpropagation through time written out (lstm_layer.h),
  // dropout between layers as torch::nn::LSTM has it.
  const auto parameters = lstm_->named_parameters(/*recurse=*/false);
  std::vector<torch::Tensor> h, c;
  torch::Tensor outputs = inputs;
  for (int64_t layer = 0; layer < options_.layers; ++layer) {
    const std::string suffix = "_l" + std::to_string(layer);
    if (layer > 0) outputs = torch::dropout(outputs, options_.dropout, is_training());
    auto result = lstm_layer(outputs, state.h[layer], state.c[layer],
                             {parameters["weight_ih" + suffix], parameters["weight_hh" + suffix],
                              parameters["bias_ih" + suffix], parameters["bias_hh" + suffix]},
                             lengths);
    outputs = std::move(result.outputs);
    h.push_back(std::move(result.h));
    c.push_back(std::move(result.c));
  }
  state.h = torch::stack(h);
  state.c = torch::stack(c);
  return dropout_(outputs);
}

DecoderState CaptionDecoderImpl::start(const torch::Tensor& features) {
  check_features(features);
  const int64_t N = features.size(0);
  const int64_t L = options_.layers, H = options_.hidden_size;
  DecoderState state;
  const auto options = output_->weight.options();
  if (init_mode_ == InitMode::kHidden) {
    // tanh keeps h0 and c0 in the range the LSTM's own states live in.
    auto per_layer = [&](torch::nn::Linear& projection) {
      return torch::tanh(projection(features)).view({N, L, H}).transpose(0, 1).contiguous();
    };
    state.h = per_layer(init_h_);
    state.c = per_layer(init_c_);
  } else {
    state.h = torch::zeros({L, N, H}, options);
    state.c = torch::zeros({L, N, H}, options);
    if (init_mode_ == InitMode::kInput) {
      // Show and Tell: the image is input step -1; its output predicts nothing.
      run_lstm(dropout_(image_embedding_(features)).unsqueeze(1), state);
    }
  }
  // lstm_cell works on float buffers in the CPU's memory; elsewhere steps run the LSTM module.
  if (!is_training() && !torch::GradMode::is_enabled() && options.device().is_cpu() &&
      options.dtype() == torch::kFloat) {
    const auto weights = lstm_->named_parameters(/*recurse=*/false);
    auto& cache = *(state.input_gates = std::make_shared<TokenInputGates>());
    cache.rows = torch::empty({options_.vocab_size, 4 * H}, options);
    cache.known.assign(options_.vocab_size, false);
    cache.input_weights = in_step_gate_order(weights["weight_ih_l0"]).t().contiguous();
    cache.input_bias = in_step_gate_order(weights["bias_ih_l0"] + weights["bias_hh_l0"]);
    cache.recurrent_weights = in_step_gate_order(weights["weight_hh_l0"]).t().contiguous();
    for (int64_t layer = 1; layer < L; ++layer) {
      const std::string suffix = "_l" + std::to_string(layer);
      cache.upper_layers.push_back(
          {in_step_gate_order(weights["weight_ih" + suffix]).t().contiguous(),
           in_step_gate_order(weights["bias_ih" + suffix] + weights["bias_hh" + suffix]),
           in_step_gate_order(weights["weight_hh" + suffix]).t().contiguous()});
    }
  }
  return state;
}

void CaptionDecoderImpl::check_teacher_forcing(const torch::Tensor& features, const torch::Tensor& tokens) const {
  TORCH_CHECK(tokens.dim() == 2 && tokens.size(1) >= 2, "decoder tokens must be N x T with T >= 2, got ",
              tokens.sizes());
  TORCH_CHECK(features.size(0) == tokens.size(0), "decoder features have ", features.size(0),
              " rows, tokens ", tokens.size(0));
}

torch::Tensor CaptionDecoderImpl::forward(const torch::Tensor& features, const torch::Tensor& tokens) {
  check_teacher_forcing(features, tokens);
  DecoderState state = start(features);
  // Padding after eos is fed too: the LSTM is causal, so it cannot reach a real token's logits.
  const auto inputs = tokens.slice(1, 0, tokens.size(1) - 1);
  return output_(run_lstm(embed(inputs), state));
}

CaptionDecoderImpl::TeacherForcing CaptionDecoderImpl::teacher_forcing(const torch::Tensor& features,
                                                                     const torch::Tensor& tokens) {
  check_teacher_forcing(features, tokens);
  const int64_t N = tokens.size(0), T = tokens.size(1) - 1;
  const auto targets = tokens.slice(1, 1).to(torch::kLong);
  const auto real = targets.ne(kPadId);
  // Each row runs to its last real target (at least one step).
  const auto real_cpu = real.to(torch::kCPU).contiguous();
  const bool* is_real = real_cpu.data_ptr<bool>();
  std::vector<int64_t> lengths(N, 1);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t t = T - 1; t >= 1; --t) {
      if (is_real[n * T + t]) {
        lengths[n] = t + 1;
        break;
      }
    }
  }
  DecoderState state = start(features);
  const auto outputs = run_lstm(embed(tokens.slice(1, 0, T)), state, lengths);
  const auto positions = real.reshape({-1}).nonzero().squeeze(1);
  return {output_(outputs.reshape({N * T, -1}).index_select(0, positions)),
          targets.reshape({-1}).index_select(0, positions)};
}

torch::Tensor CaptionDecoderImpl::step(const torch::Tensor& tokens, DecoderState& state) {
  TORCH_CHECK(tokens.dim() == 1 && tokens.size(0) == state.rows(), "decoder step needs one token per state row");
  if (state.input_gates && !is_training() && !torch::GradMode::is_enabled()) {
    return output_(run_lstm_step_cached(tokens, state));
  }
  return output_(run_lstm(embed(tokens.unsqueeze(1)), state)).squeeze(1);
}

torch::Tensor CaptionDecoderImpl::run_lstm_step_cached(const torch::Tensor& tokens, DecoderState& state) {
  const int64_t H = options_.hidden_size;

  // The rows of the tokens no earlier step fed.
  auto& cache = *state.input_gates;
  const auto tokens_cpu = tokens.to(torch::kCPU, torch::kLong).contiguous();
  std::vector<int64_t> new_tokens;
  const int64_t* token_ids = tokens_cpu.data_ptr<int64_t>();
  for (int64_t row = 0; row < tokens_cpu.numel(); ++row) {
    const int64_t token = token_ids[row];
    TORCH_CHECK(token >= 0 && token < options_.vocab_size, "decoder step: token ", token, " outside the vocabulary");
    if (!cache.known[token]) {
      cache.known[token] = true;
      new_tokens.push_back(token);
    }
  }
  if (!new_tokens.empty()) {
    const auto ids = torch::tensor(new_tokens, torch::kLong).to(cache.rows.device());
    cache.rows.index_copy_(0, ids, torch::addmm(cache.input_bias, embedding_->weight.index_select(0, ids),
                                                cache.input_weights));
  }

  // Every layer's next state in one tensor each (one layer, the usual case: no copies).
  const int64_t rows = tokens.size(0);
  auto next_h = torch::empty({options_.layers, rows, H}, state.h.options());
  auto next_c = torch::empty_like(next_h);
  const auto previous_c = state.c.contiguous();
  torch::Tensor layer_output;
  for (int64_t layer = 0; layer < options_.layers; ++layer) {
    // Pre-activations, gates input, forget, output, cell (TokenInputGates). Eval mode: no
    // dropout between layers.
    torch::Tensor gates;
    if (layer == 0) {
      gates = cache.rows.index_select(0, tokens).addmm_(state.h[0], cache.recurrent_weights);
    } else {
      const auto& weights = cache.upper_layers[layer - 1];
      gates = torch::addmm(weights.input_bias, layer_output, weights.input_weights)
                  .addmm_(state.h[layer], weights.recurrent_weights);
    }
    lstm_cell(gates.data_ptr<float>(), previous_c[layer].data_ptr<float>(), next_c[layer].data_ptr<float>(),
              next_h[layer].data_ptr<float>(), rows, H);
    layer_output = next_h[layer];
  }
  state.h = next_h;
  state.c = next_c;
  return layer_output;
}

}  // namespace captioner::decoder
