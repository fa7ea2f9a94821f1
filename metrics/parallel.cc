#include "metrics/parallel.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace captioner::metrics {

std::size_t parallel_threads(std::size_t items, std::size_t minimum_per_thread) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max<std::size_t>(1, std::min<std::size_t>({cores, 8, items / std::max<std::size_t>(1, minimum_per_thread)}));
}

void run_in_parallel(std::size_t count, const std::function<void(std::size_t)>& task) {
  std::vector<std::exception_ptr> errors(count);
  auto run = [&](std::size_t index) {
    try {
      task(index);
    } catch (...) {
      errors[index] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (std::size_t index = 1; index < count; ++index) threads.emplace_back(run, index);
  if (count > 0) run(0);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace captioner::metrics
