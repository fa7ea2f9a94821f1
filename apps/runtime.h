#pragma once
// What every LibTorch command sets up the same way.

#include <boost/program_options.hpp>

namespace captioner::apps {

// Adds --threads N (default: every core of this machine) to a command's options.
void add_threads_option(boost::program_options::options_description& options, int& threads);

// Sizes LibTorch's intra-op pool (Debian's OpenMP pool starts with ONE thread) and
// OpenCV's pool. InputError if `threads` < 1.
void apply_threads(int threads);

}  // namespace captioner::apps
