// lstm_cell's AVX2 + FMA instance (compiled with -mavx2 -mfma, see decoder/CMakeLists.txt; no
// LibTorch header here: the precompiled one is built for plain x86-64). Vec is ATen's AVX2
// Vectorized<float> arithmetic: Sleef_expf8_u10 and Sleef_tanhf8_u10 from the same libsleef
// LibTorch calls, sigmoid as 1 / (exp(0 - x) + 1) with a division, and addcmul's fused
// multiply-add.

#include <immintrin.h>
#include <sleef.h>

#include "decoder/lstm_cell_kernel.h"

namespace captioner::decoder {
namespace {

struct Avx2 {
  static constexpr int kWidth = 8;
  // Lanes [0, n) on, the rest off (read as 0, not written).
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static __m256 load(const float* p) { return _mm256_loadu_ps(p); }
  static __m256 load(const float* p, int n) { return n == kWidth ? load(p) : _mm256_maskload_ps(p, mask(n)); }
  static void store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, __m256 v, int n) {
    if (n == kWidth) {
      store(p, v);
    } else {
      _mm256_maskstore_ps(p, mask(n), v);
    }
  }
  static __m256 sigmoid(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(Sleef_expf8_u10(_mm256_sub_ps(_mm256_setzero_ps(), x)), one));
  }
  static __m256 tanh(__m256 x) { return Sleef_tanhf8_u10(x); }
  static __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
  static __m256 multiply_add(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
};

}  // namespace

void lstm_cell_avx2(float* gates, const float* cell, float* next_cell, float* next_hidden, float* next_cell_tanh,
                    int64_t rows, int64_t hidden) {
  lstm_cell_loop<Avx2>(gates, cell, next_cell, next_hidden, next_cell_tanh, rows, hidden);
}

void lstm_cell_backward_avx2(const float* gates, const float* cell, const float* next_cell_tanh,
                             const float* output_grad, const float* hidden_grad, float* cell_grad, float* gate_grad,
                             int64_t rows, int64_t hidden) {
  lstm_cell_backward_loop(gates, cell, next_cell_tanh, output_grad, hidden_grad, cell_grad, gate_grad, rows, hidden);
}

}  // namespace captioner::decoder
