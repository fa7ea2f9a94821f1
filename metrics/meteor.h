#pragma once
// METEOR 1.5 as pycocoevalcap runs it (`java -jar meteor-1.5.jar - - -stdio -l en
// -norm`): each image's sufficient statistics against its best reference, the image's
// score from them, and the corpus score from their sum (the jar's EVAL), not a mean.

#include <array>
#include <string>
#include <vector>

#include "metrics/corpus.h"
#include "metrics/meteor_aligner.h"
#include "metrics/meteor_data.h"

namespace captioner::metrics {

// MeteorStats: the 23 numbers of a SCORE line (Java doubles holding counts).
struct MeteorStats {
  double test_length = 0;
  double reference_length = 0;
  double test_function_words = 0;
  double reference_function_words = 0;
  std::array<double, kMeteorModules> test_content{};
  std::array<double, kMeteorModules> reference_content{};
  std::array<double, kMeteorModules> test_function{};
  std::array<double, kMeteorModules> reference_function{};
  double chunks = 0;
  double test_word_matches = 0;
  double reference_word_matches = 0;

  static MeteorStats from_alignment(const MeteorAlignment& alignment);
  // addStats: every field summed, except that a perfect segment (all words matched in
  // one chunk) adds no chunks.
  void add(const MeteorStats& segment);
  // The SCORE line's numbers as the jar prints them ("15.0 14.0 ...").
  std::string to_string() const;
};

// computeMetrics for English ranking: alpha 0.85, beta 0.2, gamma 0.6, delta 0.75,
// module weights 1.0 0.6 0.8 0.6; the score, 0 where it is NaN or negative.
double meteor_score(const MeteorStats& stats);

class MeteorScorer {
 public:
  // `data` must outlive the scorer.
  explicit MeteorScorer(const MeteorData& data);

  // Meteor.compute_score of pycocoevalcap on its tokenized captions: METEOR's corpus
  // score and per-image scores.
  MetricScore score(const TokenizedCorpus& corpus) const;

  // One SCORE line: the statistics of `candidate` against its best reference.
  MeteorStats statistics(const std::string& candidate, const std::vector<std::string>& references) const;

  // The chosen alignment of one image, in the layout of the jar's Alignment.toString
  // (preceded by the winning reference's number and the image's statistics), for
  // comparing with the jar's -writeAlignments output.
  std::string describe(const std::string& candidate, const std::vector<std::string>& references) const;

 private:
  const MeteorData& data_;
};

}  // namespace captioner::metrics
