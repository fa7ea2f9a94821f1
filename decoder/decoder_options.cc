#include "decoder/decoder_options.h"

#include <string>

#include "decoder/token_ids.h"
#include "util/error.h"

namespace captioner::decoder {
namespace {

void require_positive(const char* name, int value) {
  if (value < 1) {
    throw InputError(std::string("decoder ") + name + " must be at least 1 (got " + std::to_string(value) + ")");
  }
}

}  // namespace

InitMode parse_init_mode(const std::string& name) {
  if (name == "hidden") return InitMode::kHidden;
  if (name == "input") return InitMode::kInput;
  if (name == "none") return InitMode::kNone;
  throw InputError("decoder init mode '" + name + "' is not one of hidden, input, none");
}

void validate(const DecoderOptions& options) {
  require_positive("embedding size", options.embedding_size);
  require_positive("hidden size", options.hidden_size);
  require_positive("layers", options.layers);
  if (!(options.dropout >= 0.0 && options.dropout < 1.0)) {
    throw InputError("decoder dropout must be in [0, 1) (got " + std::to_string(options.dropout) + ")");
  }
  const InitMode mode = parse_init_mode(options.init);
  if (mode != InitMode::kNone) require_positive("feature size", options.feature_size);
  if (options.vocab_size <= kSpecialIdCount) {
    throw InputError("decoder vocabulary size " + std::to_string(options.vocab_size) +
                     " is too small (the four special ids alone take 4)");
  }
}

}  // namespace captioner::decoder
