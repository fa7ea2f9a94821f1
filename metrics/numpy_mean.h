#pragma once
// numpy.mean of a float64 vector, with numpy's own summation order, so that corpus
// scores that pycocoevalcap averages with numpy (ROUGE-L, CIDEr-D) match bit for bit.

#include <cstddef>
#include <vector>

namespace captioner::metrics {

// numpy's pairwise summation (8 accumulators, blocks of 128), as add.reduce applies
// it to a contiguous array, plus the 0.0 the reduction starts from.
double numpy_sum(const double* values, std::size_t count);

// numpy_sum / count. An empty vector gives NaN, as numpy.mean does.
double numpy_mean(const std::vector<double>& values);

}  // namespace captioner::metrics
