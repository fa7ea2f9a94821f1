#pragma once
// CIDEr-D as pycocoevalcap computes it (cider/cider_scorer.py, reported as "CIDEr"):
// tf-idf vectors of 1..4-grams with document frequencies from the evaluated references,
// candidate weights clipped at the reference weights, a Gaussian length penalty
// (sigma 6) on the difference of bigram counts, the mean over orders and references,
// times 10; the corpus score is numpy's mean of the image scores.

#include "metrics/corpus.h"
#include "metrics/ngrams.h"

namespace captioner::metrics {

MetricScore compute_cider_d(const CorpusNgrams& corpus);
MetricScore compute_cider_d(const TokenizedCorpus& corpus);

}  // namespace captioner::metrics
