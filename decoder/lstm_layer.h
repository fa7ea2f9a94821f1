#pragma once
// One LSTM layer over a whole sequence, forward and backward through time written out,
// for training on the CPU: one autograd node per layer instead of LibTorch's graph of some
// fifteen operators per time step. Forward: the input product of every step in one matrix
// product, then per step the recurrent product and lstm_cell. Backward: per step
// lstm_cell_backward and the product that carries the gradient to the previous hidden
// state; the weights' and inputs' gradients of all steps in three matrix products at the
// end (autograd accumulates W_hh's gradient one step at a time). The same function as
// torch::nn::LSTM's layer, to float rounding (tests/decoder/lstm_layer_test.cc).

#include <torch/torch.h>

namespace captioner::decoder {

// One layer's parameters as torch::nn::LSTM names them (weight_ih_l<k> ...): gate blocks
// input, forget, cell, output.
struct LstmLayerWeights {
  torch::Tensor weight_ih;  // 4H x E
  torch::Tensor weight_hh;  // 4H x H
  torch::Tensor bias_ih;    // 4H
  torch::Tensor bias_hh;    // 4H
};

struct LstmLayerResult {
  torch::Tensor outputs;  // N x T x H: the hidden state after each step (batch first); 0 past a row's length
  torch::Tensor h;        // N x H: each row's state after its last step
  torch::Tensor c;        // N x H: each row's state after its last step
};

// LibTorch's gate blocks (rows of W_ih, W_hh and the biases) input, forget, cell, output
// in the order lstm_cell takes them, input, forget, output, cell (the sigmoid's three gates
// in one run). Its own inverse.
torch::Tensor in_step_gate_order(const torch::Tensor& gate_rows);

// Whether lstm_layer runs tensors like `like` (float, in the CPU's memory); other tensors go
// to torch::nn::LSTM.
bool lstm_layer_supports(const torch::Tensor& like);

// The layer over `inputs` N x T x E (T >= 1) from h0, c0 (N x H). Differentiable in every
// argument (gradients flow to the weights' tensors themselves). With `lengths` (one per
// row, each in [1, T]) row n runs lengths[n] steps only, as a PackedSequence would: the
// rest of its inputs are not read, and a batch of captions padded to its longest one skips
// the padding's share of the work.
LstmLayerResult lstm_layer(const torch::Tensor& inputs, const torch::Tensor& h0, const torch::Tensor& c0,
                           const LstmLayerWeights& weights, const std::vector<int64_t>& lengths = {});

}  // namespace captioner::decoder
