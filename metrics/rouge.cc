#include "metrics/rouge.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "metrics/numpy_mean.h"

namespace captioner::metrics {
namespace {

// str.split(" "): an empty string is one empty token, and so is every extra space.
std::vector<std::string_view> split_on_space(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t start = 0;
  for (;;) {
    const std::size_t space = text.find(' ', start);
    tokens.push_back(text.substr(start, space - start));
    if (space == std::string_view::npos) return tokens;
    start = space + 1;
  }
}

std::size_t lcs_length(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<std::size_t> previous(b.size() + 1, 0);
  std::vector<std::size_t> current(b.size() + 1, 0);
  for (const std::string_view token : a) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      current[j] = token == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

double rouge_l(std::string_view candidate, const std::vector<std::string>& references) {
  const double beta_squared = std::pow(1.2, 2);
  const std::vector<std::string_view> candidate_tokens = split_on_space(candidate);
  double best_precision = 0.0;
  double best_recall = 0.0;
  for (const std::string& reference : references) {
    const std::vector<std::string_view> reference_tokens = split_on_space(reference);
    const double lcs = static_cast<double>(lcs_length(reference_tokens, candidate_tokens));
    best_precision = std::max(best_precision, lcs / static_cast<double>(candidate_tokens.size()));
    best_recall = std::max(best_recall, lcs / static_cast<double>(reference_tokens.size()));
  }
  if (best_precision == 0.0 || best_recall == 0.0) return 0.0;
  return ((1 + beta_squared) * best_precision * best_recall) /
         (best_recall + beta_squared * best_precision);
}

}  // namespace

MetricScore compute_rouge_l(const TokenizedCorpus& corpus) {
  check_corpus(corpus);
  MetricScore result;
  result.name = "ROUGE_L";
  result.per_image.reserve(corpus.size());
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    result.per_image.push_back(rouge_l(corpus.candidates[image], corpus.references[image]));
  }
  result.corpus = numpy_mean(result.per_image);
  return result;
}

}  // namespace captioner::metrics
