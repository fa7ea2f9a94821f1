#include "decoder/decode.h"

#include "decoder/logits_processors.h"
#include "decoder/sampler.h"
#include "decoder/search.h"

namespace captioner::decoder {
namespace {

// Puts a module in eval mode for a scope, then back in the mode it was in.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeGuard() { module_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace

std::vector<std::vector<Hypothesis>> decode(CaptionDecoder& decoder, const torch::Tensor& features,
                                            const DecodeOptions& options) {
  validate(options);
  EvalModeGuard eval(*decoder);
  torch::NoGradGuard no_grad;
  const auto on_device = features.to(decoder->parameters().front().device());
  const LogitsProcessorChain chain(options);
  switch (parse_strategy(options.strategy)) {
    case Strategy::kGreedy: {
      BestSampler best;
      return greedy_search(*decoder, on_device, chain, best, 1, options.max_length, options.length_penalty);
    }
    case Strategy::kSample: {
      RandomSampler random(options.temperature, options.top_k, options.seed);
      return greedy_search(*decoder, on_device, chain, random, options.num_hypotheses, options.max_length,
                           options.length_penalty);
    }
    case Strategy::kBeam:
      break;
  }
  return beam_search(*decoder, on_device, chain, options.beam_size, options.num_hypotheses, options.max_length,
                     options.length_penalty);
}

}  // namespace captioner::decoder
