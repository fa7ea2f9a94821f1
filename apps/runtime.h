#pragma once
// What every LibTorch command sets up the same way.

#include <boost/program_options.hpp>

namespace captioner::apps {

// Adds --threads N (default: every core of this machine) to a command's options.
void add_threads_option(boost::program_options::options_description& options, int& threads);

// Sizes LibTorch's intra-op pool (Debian's OpenMP pool starts with ONE thread) and
// OpenCV's pool. InputError if `threads` < 1.
void apply_threads(int threads);

// Keeps the memory LibTorch frees for its next step instead of returning it to the kernel:
// glibc otherwise unmaps and trims the large activation buffers every step, and the page
// faults that follow cost 15% of a training step here (perf: clear_page, brk).
void keep_freed_memory_for_reuse();

}  // namespace captioner::apps
