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
void lstm_cell_avx2(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows,
                    int64_t hidden);
void lstm_cell_avx512(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows,
                      int64_t hidden);

namespace {

template <typename Vec>
void lstm_cell_loop(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows,
                    int64_t hidden) {
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
      Vec::store(h_next + j, Vec::mul(Vec::load(gate + 2 * hidden + j, n), Vec::tanh(Vec::load(c_next + j, n))), n);
    }
  }
}

}  // namespace
}  // namespace captioner::decoder
