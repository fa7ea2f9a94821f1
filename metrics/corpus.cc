#include "metrics/corpus.h"

#include <stdexcept>

namespace captioner::metrics {

void check_corpus(const TokenizedCorpus& corpus) {
  if (corpus.candidates.empty()) throw std::invalid_argument("no images to score");
  if (corpus.references.size() != corpus.candidates.size()) {
    throw std::invalid_argument("candidates and references are not aligned");
  }
  for (std::size_t i = 0; i < corpus.references.size(); ++i) {
    if (corpus.references[i].empty()) {
      throw std::invalid_argument("image " + std::to_string(i) + " has no reference");
    }
  }
}

}  // namespace captioner::metrics
