#pragma once
// ROUGE-L as pycocoevalcap computes it (rouge/rouge.py): tokens split on single spaces,
// longest common subsequence with each reference, the best precision and the best
// recall (taken independently over the references), F-measure with beta = 1.2;
// the corpus score is numpy's mean of the image scores.

#include "metrics/corpus.h"

namespace captioner::metrics {

MetricScore compute_rouge_l(const TokenizedCorpus& corpus);

}  // namespace captioner::metrics
