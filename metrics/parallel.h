#pragma once
// Running a metric's independent pieces of work on several threads.

#include <cstddef>
#include <functional>

namespace captioner::metrics {

// How many threads to split `items` over so that each gets at least `minimum_per_thread`:
// 1 to the number of cores (at most 8).
std::size_t parallel_threads(std::size_t items, std::size_t minimum_per_thread);

// Runs task(0) ... task(count - 1), each on a thread of its own (task 0 on the caller's),
// and once all have finished rethrows the first exception one of them threw.
void run_in_parallel(std::size_t count, const std::function<void(std::size_t)>& task);

}  // namespace captioner::metrics
