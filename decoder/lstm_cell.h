#pragma once
// The LSTM cell of a decoding step as one pass over raw float buffers: pre-activation gates
// to the next cell and hidden state, with no intermediate tensors and no per-operation
// set-up (as seven LibTorch operations, the cell was a quarter of a beam step's time).
// Its arithmetic is the one those operations did on this CPU: the same vector width and
// functions as ATen's kernels (on AVX2: Sleef's u10 exp and tanh, 8 lanes, the scalar tail
// of ATen's sigmoid loop; otherwise libm's expf and tanhf), the same rounding steps
// (c' = f*c + i*g with one fused multiply-add where ATen's addcmul has one), so decoding
// gives the same numbers as LibTorch's operators, bit for bit.

#include <cstdint>

namespace captioner::decoder {

// `gates`: rows x 4*hidden pre-activations, gates in the order input, forget, output, cell
// (TokenInputGates); overwritten (the sigmoids are taken in place). `cell`: rows x hidden,
// the previous cell. Writes rows x hidden `next_cell` (may be `cell`) and `next_hidden`:
//   c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c'),
// and tanh(c') to `next_cell_tanh` unless it is null (training keeps it for the backward pass).
void lstm_cell(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows, int64_t hidden,
               float* next_cell_tanh = nullptr);

// The cell's backward pass, for training (decoder/lstm_layer.h). `gates`: the activations
// lstm_cell left in its gates (sigmoid(i), sigmoid(f), sigmoid(o), tanh(g)); `cell`: the
// previous cell c; `next_cell_tanh`: tanh(c'). `hidden_grad` holds dL/dh' from the later steps
// and `output_grad` (may be null) dL/dh' from the step's own output: their sum is the
// gradient of h'. `cell_grad` holds dL/dc' on entry and dL/dc on return. Writes rows x 4*hidden
// `gate_grad`, the gradient of the pre-activation gates, in the gates' order.
void lstm_cell_backward(const float* gates, const float* cell, const float* next_cell_tanh, const float* output_grad,
                        const float* hidden_grad, float* cell_grad, float* gate_grad, int64_t rows, int64_t hidden);

}  // namespace captioner::decoder
