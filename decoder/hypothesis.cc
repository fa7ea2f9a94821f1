#include "decoder/hypothesis.h"

#include <algorithm>
#include <cmath>

namespace captioner::decoder {

double length_normalized_score(double log_prob, std::size_t tokens, double alpha) {
  if (alpha == 0.0) return log_prob;
  return log_prob / std::pow(static_cast<double>(tokens + 1), alpha);
}

void keep_best(std::vector<Hypothesis>& hypotheses, int count) {
  std::stable_sort(hypotheses.begin(), hypotheses.end(),
                   [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
  if (hypotheses.size() > static_cast<std::size_t>(count)) hypotheses.resize(count);
}

}  // namespace captioner::decoder
