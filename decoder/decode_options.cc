#include "decoder/decode_options.h"

#include <string>

#include "util/error.h"

namespace captioner::decoder {
namespace {

[[noreturn]] void reject(const std::string& what, const std::string& value) {
  throw InputError("decode " + what + " (got " + value + ")");
}

}  // namespace

Strategy parse_strategy(const std::string& name) {
  if (name == "greedy") return Strategy::kGreedy;
  if (name == "beam") return Strategy::kBeam;
  if (name == "sample") return Strategy::kSample;
  throw InputError("decode strategy '" + name + "' is not one of greedy, beam, sample");
}

void validate(const DecodeOptions& options) {
  const Strategy strategy = parse_strategy(options.strategy);
  if (options.beam_size < 1) reject("beam size must be at least 1", std::to_string(options.beam_size));
  if (!(options.length_penalty >= 0.0)) {
    reject("length penalty must be 0 or more", std::to_string(options.length_penalty));
  }
  if (options.max_length < 1) reject("max length must be at least 1", std::to_string(options.max_length));
  if (options.min_length < 0 || options.min_length > options.max_length) {
    reject("min length must be between 0 and the max length " + std::to_string(options.max_length),
           std::to_string(options.min_length));
  }
  if (options.no_repeat_ngram_size < 0) {
    reject("no-repeat n-gram size must be 0 or more", std::to_string(options.no_repeat_ngram_size));
  }
  if (!(options.temperature > 0.0)) reject("temperature must be above 0", std::to_string(options.temperature));
  if (options.top_k < 0) reject("top-k must be 0 or more", std::to_string(options.top_k));
  if (options.num_hypotheses < 1) {
    reject("number of hypotheses must be at least 1", std::to_string(options.num_hypotheses));
  }
  if (strategy == Strategy::kGreedy && options.num_hypotheses != 1) {
    reject("greedy decoding gives one hypothesis per image", std::to_string(options.num_hypotheses));
  }
  if (strategy == Strategy::kBeam && options.num_hypotheses > options.beam_size) {
    reject("number of hypotheses cannot exceed the beam size " + std::to_string(options.beam_size),
           std::to_string(options.num_hypotheses));
  }
}

}  // namespace captioner::decoder
