#include "decoder/lstm_cell.h"

#include <string>

#include <ATen/Version.h>

#include "decoder/lstm_cell_kernel.h"

namespace captioner::decoder {
namespace {

// ATen's DEFAULT kernels: one lane at a time with libm's expf and tanhf, no fused
// multiply-add (plain x86-64 has none).
struct Scalar {
  static constexpr int kWidth = 1;
  static float load(const float* p, int = 1) { return *p; }
  static void store(float* p, float v, int = 1) { *p = v; }
  static float sigmoid(float x) { return 1.0f / (std::exp(0.0f - x) + 1.0f); }
  static float tanh(float x) { return std::tanh(x); }
  static float mul(float a, float b) { return a * b; }
  static float multiply_add(float a, float b, float c) { return c + a * b; }
};

// Whether ATen's own kernels are AVX2 (its default on a CPU with AVX2 and FMA) or AVX512 (opt-in
// in LibTorch 1.13, ATEN_CPU_CAPABILITY=avx512: then the last bits may differ from LibTorch's,
// whose AVX512 loops split the sigmoid's run differently). Either way lstm_cell rounds as ATen's
// AVX2 kernels, with the widest vectors the CPU has (Sleef's results do not depend on them).
[[maybe_unused]] bool aten_runs_avx2() {
  const std::string config = at::show_config();
  return config.find("CPU capability usage: AVX2") != std::string::npos ||
         config.find("CPU capability usage: AVX512") != std::string::npos;
}

enum class Instances { kScalar, kAvx2, kAvx512 };

// Picked once, on first use (not at static initialisation: it asks ATen).
[[maybe_unused]] Instances instances() {
  static const Instances picked = [] {
    if (!aten_runs_avx2()) return Instances::kScalar;
    return __builtin_cpu_supports("avx512f") ? Instances::kAvx512 : Instances::kAvx2;
  }();
  return picked;
}

}  // namespace

void lstm_cell(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows, int64_t hidden,
               float* next_cell_tanh) {
#if defined(CAPTIONER_LSTM_CELL_AVX2)
  if (instances() == Instances::kAvx512) return lstm_cell_avx512(gates, cell, next_cell, next_hidden, next_cell_tanh, rows, hidden);
  if (instances() == Instances::kAvx2) return lstm_cell_avx2(gates, cell, next_cell, next_hidden, next_cell_tanh, rows, hidden);
#endif
  lstm_cell_loop<Scalar>(gates, cell, next_cell, next_hidden, next_cell_tanh, rows, hidden);
}

void lstm_cell_backward(const float* gates, const float* cell, const float* next_cell_tanh, const float* output_grad,
                        const float* hidden_grad, float* cell_grad, float* gate_grad, int64_t rows, int64_t hidden) {
#if defined(CAPTIONER_LSTM_CELL_AVX2)
  if (instances() == Instances::kAvx512) {
    return lstm_cell_backward_avx512(gates, cell, next_cell_tanh, output_grad, hidden_grad, cell_grad, gate_grad, rows,
                                     hidden);
  }
  if (instances() == Instances::kAvx2) {
    return lstm_cell_backward_avx2(gates, cell, next_cell_tanh, output_grad, hidden_grad, cell_grad, gate_grad, rows,
                                   hidden);
  }
#endif
  lstm_cell_backward_loop(gates, cell, next_cell_tanh, output_grad, hidden_grad, cell_grad, gate_grad, rows, hidden);
}

}  // namespace captioner::decoder
