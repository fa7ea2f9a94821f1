#pragma once
// BLEU-1..4 as pycocoevalcap computes it (bleu/bleu_scorer.py, option "closest"):
// corpus-level clipped n-gram precisions, the reference length closest to each
// candidate (ties to the shorter), the smoothing constants 1e-9 and 1e-15, and the
// brevity penalty; per-image scores with the same formulas on one image's counts.

#include <array>
#include <cstddef>

#include "metrics/corpus.h"
#include "metrics/ngrams.h"

namespace captioner::metrics {

// The totals pycocoevalcap prints in verbose mode: a strong check of tokenization.
struct BleuStatistics {
  std::size_t candidate_length = 0;  // "testlen"
  std::size_t reference_length = 0;  // "reflen"
  std::array<std::size_t, 4> guess{};
  std::array<std::size_t, 4> correct{};
};

struct BleuScores {
  std::array<MetricScore, 4> orders;  // Bleu_1 ... Bleu_4
  BleuStatistics statistics;
};

BleuScores compute_bleu(const CorpusNgrams& corpus);
BleuScores compute_bleu(const TokenizedCorpus& corpus);

}  // namespace captioner::metrics
