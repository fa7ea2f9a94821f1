#pragma once
// How captions are decoded: the strategy and its settings, and the constraints every
// strategy applies (logits_processors.h).

#include <cstdint>
#include <string>

namespace captioner::decoder {

struct DecodeOptions {
  std::string strategy = "beam";  // greedy | beam | sample
  int beam_size = 3;              // beam: hypotheses kept per image at each step
  double length_penalty = 0.0;    // alpha: score = log_prob / length^alpha, length counting eos;
                                  // 0 ranks by log-probability, 1 by log-probability per token
  int min_length = 1;             // fewest tokens before eos may end a caption
  int max_length = 30;            // most tokens of a caption, eos not counted: eos is forced after them
  int no_repeat_ngram_size = 0;   // n: no n-gram occurs twice in a caption; 0 allows repeats
  bool suppress_unk = true;       // never produce the unknown-piece id
  double temperature = 1.0;       // sample: the logits are divided by it; towards 0 it becomes greedy
  int top_k = 0;                  // sample: draw among the k most likely tokens only; 0: the whole vocabulary
  std::uint64_t seed = 1;         // sample: the same seed draws the same captions
  int num_hypotheses = 1;         // hypotheses returned per image, best score first
                                  // (greedy: 1; beam: at most beam_size; sample: independent draws)
};

enum class Strategy { kGreedy, kBeam, kSample };

// InputError naming the option and its value for an unknown strategy, a size or length out
// of range (min_length > max_length included), a temperature <= 0 or a negative length penalty.
void validate(const DecodeOptions& options);

// The strategy named by `name`; InputError for any other name.
Strategy parse_strategy(const std::string& name);

}  // namespace captioner::decoder
