#pragma once
// lstm_cell's loop, written once over a vector type and compiled once per instruction set
// (lstm_cell.cc: plain x86-64; lstm_cell_avx2.cc: AVX2 + FMA; lstm_cell_avx512.cc: AVX512F).
// Private to those files. Each defines Vec in an anonymous namespace (its code differs per
// instruction set, so it must not be shared between them at link time) with:
//   kWidth; load(p, n) and store(p, n) of the first n <= kWidth lanes (others read as 0);
//   sigmoid, tanh, mul, and multiply_add(a, b, c) = a * b + c, rounded as ATen's addcmul
//   rounds it for that instruction set.

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace captioner::decoder {

// The vector instances (lstm_cell.cc picks one when ATen itself runs AVX2 or wider kernels).
void lstm_cell_avx2(float* gates, const float* cell, float* next_cell, float* next_hidden, float* next_cell_tanh,
                    int64_t rows, int64_t hidden);
void lstm_cell_avx512(float* gates, const float* cell, float* next_cell, float* next_hidden,
                      float* next_cell_tanh, int64_t rows, int64_t hidden);
void lstm_cell_backward_avx2(const float* gates, const float* cell, const float* next_cell_tanh,
                             const float* output_grad, const float* hidden_grad, float* cell_grad, float* gate_grad,
                             int64_t rows, int64_t hidden);
void lstm_cell_backward_avx512(const float* gates, const float* cell, const float* next_cell_tanh,
                               const float* output_grad, const float* hidden_grad, float* cell_grad, float* gate_grad,
                               int64_t rows, int64_t hidden);

namespace {

template <typename Vec>
void lstm_cell_loop(float* gates, const float* cell, float* next_cell, float* next_hidden, float* next_cell_tanh,
                    int64_t rows, int64_t hidden) {
  const int64_t sigmoid_width = 3 * hidden;  // input, forget, output: one run per row
  // ATen's AVX2 sigmoid loop takes 16 floats at a time and leaves the rest to its scalar
  // formula (same value as the vector one, except libm's expf for Sleef's).
  const int64_t vectorised = sigmoid_width - sigmoid_width % 16;
  auto width = [&](int64_t j) { return static_cast<int>(std::min<int64_t>(Vec::kWidth, hidden - j)); };
  // One pass per function over the row (4 * hidden floats, in L1): each pass's vectors are
  // independent of each other, so Sleef's long exp and tanh overlap in the pipeline (one
  // pass chaining tanh -> c' -> tanh ran at the latency of the chain, slower than
  // LibTorch's separate operators).
  for (int64_t row = 0; row < rows; ++row) {
    float* gate = gates + row * 4 * hidden;
    float* candidate = gate + 3 * hidden;
    const float* c = cell + row * hidden;
    float* c_next = next_cell + row * hidden;
    float* h_next = next_hidden + row * hidden;
    int64_t j = 0;
    for (; j < vectorised; j += Vec::kWidth) Vec::store(gate + j, Vec::sigmoid(Vec::load(gate + j)));
    for (; j < sigmoid_width; ++j) gate[j] = 1.0f / (1.0f + std::exp(-gate[j]));
    for (j = 0; j < hidden; j += Vec::kWidth) {
      Vec::store(candidate + j, Vec::tanh(Vec::load(candidate + j, width(j))), width(j));
    }
    for (j = 0; j < hidden; j += Vec::kWidth) {
      const int n = width(j);
      // f*c first, then i*g added to it: LibTorch's f * c, then addcmul_(i, g).
      const auto forget_cell = Vec::mul(Vec::load(gate + hidden + j, n), Vec::load(c + j, n));
      Vec::store(c_next + j, Vec::multiply_add(Vec::load(gate + j, n), Vec::load(candidate + j, n), forget_cell), n);
    }
    for (j = 0; j < hidden; j += Vec::kWidth) {
      const int n = width(j);
      const auto c_next_tanh = Vec::tanh(Vec::load(c_next + j, n));
      if (next_cell_tanh != nullptr) Vec::store(next_cell_tanh + row * hidden + j, c_next_tanh, n);
      Vec::store(h_next + j, Vec::mul(Vec::load(gate + 2 * hidden + j, n), c_next_tanh), n);
    }
  }
}

// lstm_cell_backward's loop: plain arithmetic, vectorised by the compiler for each
// instance's instruction set.
inline void lstm_cell_backward_loop(const float* gates, const float* cell, const float* next_cell_tanh,
                                    const float* output_grad, const float* hidden_grad, float* cell_grad,
                                    float* gate_grad, int64_t rows, int64_t hidden) {
  for (int64_t row = 0; row < rows; ++row) {
    const float* input = gates + row * 4 * hidden;
    const float* forget = input + hidden;
    const float* output = input + 2 * hidden;
    const float* candidate = input + 3 * hidden;
    const float* c = cell + row * hidden;
    const float* c_next_tanh = next_cell_tanh + row * hidden;
    const float* out_grad = output_grad == nullptr ? nullptr : output_grad + row * hidden;
    const float* h_grad = hidden_grad + row * hidden;
    float* c_grad = cell_grad + row * hidden;
    float* input_grad = gate_grad + row * 4 * hidden;
    float* forget_grad = input_grad + hidden;
    float* output_gate_grad = input_grad + 2 * hidden;
    float* candidate_grad = input_grad + 3 * hidden;
    for (int64_t j = 0; j < hidden; ++j) {
      const float dh = out_grad == nullptr ? h_grad[j] : h_grad[j] + out_grad[j];
      const float t = c_next_tanh[j];
      const float dc = c_grad[j] + dh * output[j] * (1.0f - t * t);
      input_grad[j] = dc * candidate[j] * input[j] * (1.0f - input[j]);
      forget_grad[j] = dc * c[j] * forget[j] * (1.0f - forget[j]);
      output_gate_grad[j] = dh * t * output[j] * (1.0f - output[j]);
      candidate_grad[j] = dc * input[j] * (1.0f - candidate[j] * candidate[j]);
      c_grad[j] = dc * forget[j];
    }
  }
}

}  // namespace
}  // namespace captioner::decoder
