#include "metrics/rouge.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "metrics/numpy_mean.h"

namespace captioner::metrics {
namespace {

// str.split(" ") into `tokens`: an empty string is one empty token, and so is every extra space.
void split_on_space(std::string_view text, std::vector<std::string_view>& tokens) {
  tokens.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t space = text.find(' ', start);
    tokens.push_back(text.substr(start, space - start));
    if (space == std::string_view::npos) return;
    start = space + 1;
  }
}

// The memory one image's scoring needs, kept from image to image.
struct Scratch {
  std::vector<std::string_view> candidate;
  std::vector<std::string_view> reference;
  std::vector<std::uint32_t> previous;
  std::vector<std::uint32_t> current;
};

// a == b, quicker for the usual unequal pair: a different length or first character
// settles it without a call to memcmp.
bool same_token(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
}

std::uint32_t lcs_length(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                         Scratch& scratch) {
  std::vector<std::uint32_t>& previous = scratch.previous;
  std::vector<std::uint32_t>& current = scratch.current;
  previous.assign(b.size() + 1, 0);
  current.assign(b.size() + 1, 0);
  for (const std::string_view token : a) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      current[j] = same_token(token, b[j - 1]) ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

double rouge_l(std::string_view candidate, const std::vector<std::string>& references, Scratch& scratch) {
  const double beta_squared = std::pow(1.2, 2);
  split_on_space(candidate, scratch.candidate);
  double best_precision = 0.0;
  double best_recall = 0.0;
  for (const std::string& reference : references) {
    split_on_space(reference, scratch.reference);
    const double lcs = static_cast<double>(lcs_length(scratch.reference, scratch.candidate, scratch));
    best_precision = std::max(best_precision, lcs / static_cast<double>(scratch.candidate.size()));
    best_recall = std::max(best_recall, lcs / static_cast<double>(scratch.reference.size()));
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
  Scratch scratch;
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    result.per_image.push_back(rouge_l(corpus.candidates[image], corpus.references[image], scratch));
  }
  result.corpus = numpy_mean(result.per_image);
  return result;
}

}  // namespace captioner::metrics
