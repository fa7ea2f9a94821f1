#pragma once
// The caption decoder: word embedding, LSTM, linear layer to the vocabulary. The image
// vector (float N x F, from any encoder) starts it in one of three ways (DecoderOptions::init).
// Two ways to run it, on the same weights:
//   forward: teacher forcing over whole captions, for training (autograd through the
//            unrolled LSTM: full backpropagation through time);
//   start + step: one token at a time with the LSTM state carried along, for decoding
//            (a prefix is never recomputed).

#include <memory>
#include <vector>

#include <torch/torch.h>

#include "decoder/decoder_options.h"

namespace captioner::decoder {

// Decoding only (eval mode, no autograd): the LSTM's weights arranged for one step at a
// time. The first layer's input product, embedding(token) W_ih^T + b_ih + b_hh, depends on
// the token alone: each token's row is computed the first time a step feeds it and reused by
// every later step and beam, at most one row per vocabulary entry instead of one per row and
// step (a third of a step's multiply-adds on the default model). Gate columns are reordered
// to input, forget, output, cell, so that the sigmoid's three gates are one run (lstm_cell).
struct TokenInputGates {
  torch::Tensor rows;               // vocab x 4*hidden_size; row t valid when known[t]
  std::vector<bool> known;
  torch::Tensor input_weights;      // embedding_size x 4*hidden_size: W_ih^T, columns in the order above
  torch::Tensor input_bias;         // 4*hidden_size: b_ih + b_hh, in the order above
  torch::Tensor recurrent_weights;  // hidden_size x 4*hidden_size: W_hh^T, columns in the order above
  // Layers after the first (their input is the output of the layer below), in the same form.
  struct Layer {
    torch::Tensor input_weights, input_bias, recurrent_weights;
  };
  std::vector<Layer> upper_layers;
};

// The LSTM's state for a set of rows (images, or beams of images).
struct DecoderState {
  torch::Tensor h;  // layers x rows x hidden_size
  torch::Tensor c;  // layers x rows x hidden_size
  // Set by start() when decoding (eval mode, no autograd); shared by every row and step.
  std::shared_ptr<TokenInputGates> input_gates;

  int64_t rows() const { return h.size(1); }
  // The state of rows `rows` (int64 indices, repeats allowed), in that order.
  DecoderState select_rows(const torch::Tensor& rows) const;
};

class CaptionDecoderImpl : public torch::nn::Module {
 public:
  // InputError for invalid options (validate).
  explicit CaptionDecoderImpl(const DecoderOptions& options);

  // Teacher forcing. `features`: float N x F (with init `none` only N is used); `tokens`:
  // int64 N x T, each row bos, the caption, eos, then kPadId up to T (T >= 2). Returns
  // logits N x (T-1) x V: logits[:, t] predicts tokens[:, t+1].
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& tokens);

  // Teacher forcing for the loss: the logits of the R real (non-padding) targets only, R x V,
  // and those targets (R, int64), in the row-major order of tokens[:, 1:]. Each row's LSTM
  // stops at its last real target and the output layer sees only real positions, so a batch
  // padded to its longest caption does no work for the padding. The same numbers as
  // forward()'s logits at those positions, to float rounding.
  struct TeacherForcing {
    torch::Tensor logits, targets;
  };
  TeacherForcing teacher_forcing(const torch::Tensor& features, const torch::Tensor& tokens);

  // The state before bos for each image (row) of `features`. In eval mode without
  // autograd (float weights on the CPU) the state carries a TokenInputGates cache for step().
  DecoderState start(const torch::Tensor& features);
  // Feeds one token per row (int64, R) and returns the next token's logits (R x V);
  // `state` moves on by that token.
  torch::Tensor step(const torch::Tensor& tokens, DecoderState& state);

  const DecoderOptions& options() const { return options_; }
  InitMode init_mode() const { return init_mode_; }

 private:
  // Embedded (and dropped-out) tokens, N x T x E.
  torch::Tensor embed(const torch::Tensor& tokens);
  // The LSTM over inputs N x T x E from `state` (updated); dropped-out outputs N x T x H.
  // With `lengths` (one per row, see lstm_layer) outputs past a row's length are not
  // computed on the CPU (whatever they hold, they stand for padding), and the state is each
  // row's own last one there.
  torch::Tensor run_lstm(const torch::Tensor& inputs, DecoderState& state, const std::vector<int64_t>& lengths = {});
  void check_teacher_forcing(const torch::Tensor& features, const torch::Tensor& tokens) const;
  // step()'s LSTM when decoding: the first layer's input product from state.input_gates,
  // every layer's cell by lstm_cell (the LSTM module's per-call set-up costs more than the
  // cell on one step). The last layer's output, R x H.
  torch::Tensor run_lstm_step_cached(const torch::Tensor& tokens, DecoderState& state);
  void check_features(const torch::Tensor& features) const;

  DecoderOptions options_;
  InitMode init_mode_;
  torch::nn::Embedding embedding_{nullptr};
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear output_{nullptr};
  torch::nn::Linear init_h_{nullptr};           // init hidden: image -> h0 of every layer
  torch::nn::Linear init_c_{nullptr};           // init hidden: image -> c0 of every layer
  torch::nn::Linear image_embedding_{nullptr};  // init input: image -> the first input step
};
TORCH_MODULE(CaptionDecoder);

}  // namespace captioner::decoder
