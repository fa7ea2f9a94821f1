#pragma once
// A decoded caption with its log-probability and ranking score.

#include <cstdint>
#include <vector>

namespace captioner::decoder {

struct Hypothesis {
  std::vector<std::int32_t> tokens;  // the caption's ids, without bos and eos
  double log_prob = 0.0;             // the model's log-probability of the tokens and of the eos after them
  double score = 0.0;                // log_prob normalised by length (length_normalized_score); ranks hypotheses
};

// log_prob / length^alpha, length = tokens + 1 (the eos is predicted too): alpha 0 gives the
// log-probability itself, alpha 1 the mean log-probability per predicted token. (GNMT's
// ((5 + length) / 6)^alpha differs by a constant factor at a fixed length and ranks alike
// among hypotheses of one length; with lengths mixed, this form is simpler to explain.)
double length_normalized_score(double log_prob, std::size_t tokens, double alpha);

// Sorts `hypotheses` best score first (ties keep their order) and keeps at most `count`.
void keep_best(std::vector<Hypothesis>& hypotheses, int count);

}  // namespace captioner::decoder
