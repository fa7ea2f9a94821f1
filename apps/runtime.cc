#include "apps/runtime.h"

#include <malloc.h>

#include <thread>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "util/error.h"

namespace captioner::apps {

void add_threads_option(boost::program_options::options_description& options, int& threads) {
  threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.add_options()("threads", boost::program_options::value(&threads)->default_value(threads),
                        "worker threads for LibTorch and image decoding (default: every core)");
}

void apply_threads(int threads) {
  if (threads < 1) throw InputError("--threads must be at least 1, not " + std::to_string(threads));
  torch::set_num_threads(threads);
  cv::setNumThreads(threads);
}

void keep_freed_memory_for_reuse() {
  constexpr int kOneGiB = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kOneGiB);  // big buffers from the heap, reused
  mallopt(M_TRIM_THRESHOLD, kOneGiB);  // and the heap's top kept
}

}  // namespace captioner::apps
