#pragma once
// at::parallel_for carrying the caller's thread-local LibTorch state (grad mode, inference
// mode, profiler, ...) into its worker threads. at::parallel_for does not, and a worker
// that updates an inference tensor in place outside inference mode throws.
// Header-only, for LibTorch targets: captioner_util itself does not link LibTorch.

#include <cstdint>

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

namespace captioner {

template <typename Work>
void parallel_for_with_caller_state(int64_t begin, int64_t end, int64_t grain_size, const Work& work) {
  const at::ThreadLocalState caller_state;
  at::parallel_for(begin, end, grain_size, [&](int64_t first, int64_t last) {
    const at::ThreadLocalStateGuard same_state_as_caller(caller_state);
    work(first, last);
  });
}

}  // namespace captioner
