// lstm_cell's AVX512F instance (compiled with -mavx512f -mfma, see decoder/CMakeLists.txt; no
// LibTorch header here). The same arithmetic as the AVX2 instance, which is ATen's, on 16
// lanes: Sleef's deterministic exp and tanh give every lane the same bits whatever the
// vector width (checked against LibTorch's operators by tests/decoder/lstm_cell_test.cc), and
// at 16 lanes cost about two thirds as much per value as at 8 on this project's machine.

#include <immintrin.h>
#include <sleef.h>

#include "decoder/lstm_cell_kernel.h"

namespace captioner::decoder {
namespace {

struct Avx512 {
  static constexpr int kWidth = 16;
  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static __m512 load(const float* p) { return _mm512_loadu_ps(p); }
  static __m512 load(const float* p, int n) { return n == kWidth ? load(p) : _mm512_maskz_loadu_ps(mask(n), p); }
  static void store(float* p, __m512 v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, __m512 v, int n) {
    if (n == kWidth) {
      store(p, v);
    } else {
      _mm512_mask_storeu_ps(p, mask(n), v);
    }
  }
  static __m512 sigmoid(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_add_ps(Sleef_expf16_u10(_mm512_sub_ps(_mm512_setzero_ps(), x)), one));
  }
  static __m512 tanh(__m512 x) { return Sleef_tanhf16_u10(x); }
  static __m512 mul(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
  static __m512 multiply_add(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
};

}  // namespace

void lstm_cell_avx512(float* gates, const float* cell, float* next_cell, float* next_hidden, float* next_cell_tanh,
                    int64_t rows, int64_t hidden) {
  lstm_cell_loop<Avx512>(gates, cell, next_cell, next_hidden, next_cell_tanh, rows, hidden);
}

void lstm_cell_backward_avx512(const float* gates, const float* cell, const float* next_cell_tanh,
                             const float* output_grad, const float* hidden_grad, float* cell_grad, float* gate_grad,
                             int64_t rows, int64_t hidden) {
  lstm_cell_backward_loop(gates, cell, next_cell_tanh, output_grad, hidden_grad, cell_grad, gate_grad, rows, hidden);
}

}  // namespace captioner::decoder
