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
//   c' = sigmoid(f) * c + sigmoid(i) * tanh(g),   h' = sigmoid(o) * tanh(c').
void lstm_cell(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows, int64_t hidden);

}  // namespace captioner::decoder
