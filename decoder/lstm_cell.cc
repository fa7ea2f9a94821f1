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

}  // namespace

void lstm_cell(float* gates, const float* cell, float* next_cell, float* next_hidden, int64_t rows, int64_t hidden) {
#if defined(CAPTIONER_LSTM_CELL_AVX2)
  static const bool avx2 = aten_runs_avx2();
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  if (avx512) return lstm_cell_avx512(gates, cell, next_cell, next_hidden, rows, hidden);
  if (avx2) return lstm_cell_avx2(gates, cell, next_cell, next_hidden, rows, hidden);
#endif
  lstm_cell_loop<Scalar>(gates, cell, next_cell, next_hidden, rows, hidden);
}

}  // namespace captioner::decoder
