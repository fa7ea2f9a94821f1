#include "decoder/decode.h"

#include <algorithm>
#include <functional>

#include <ATen/Parallel.h>

#include "decoder/logits_processors.h"
#include "decoder/sampler.h"
#include "decoder/search.h"
#include "util/torch_parallel.h"

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

using Search = std::function<std::vector<std::vector<Hypothesis>>(const torch::Tensor& features)>;

// Runs `search` on shares of the images side by side, one per thread, each with
// single-threaded operations (ATen and OpenBLAS run serially inside a parallel region).
// A step's tensors are a few hundred rows: splitting each operation over the threads cost
// more in hand-offs than it gained, while whole searches side by side keep every core
// busy. Images are independent in every search, so the results are the same.
std::vector<std::vector<Hypothesis>> search_side_by_side(const torch::Tensor& features, const Search& search) {
  const int64_t images = features.size(0);
  const int64_t shares = std::max<int64_t>(1, std::min<int64_t>(images, at::get_num_threads()));
  if (shares == 1) return search(features);
  std::vector<std::vector<std::vector<Hypothesis>>> results(shares);
  parallel_for_with_caller_state(0, shares, 1, [&](int64_t begin, int64_t end) {
    for (int64_t share = begin; share < end; ++share) {
      results[share] = search(features.slice(0, images * share / shares, images * (share + 1) / shares));
    }
  });
  std::vector<std::vector<Hypothesis>> hypotheses;
  for (auto& share : results) std::move(share.begin(), share.end(), std::back_inserter(hypotheses));
  return hypotheses;
}

}  // namespace

std::vector<std::vector<Hypothesis>> decode(CaptionDecoder& decoder, const torch::Tensor& features,
                                            const DecodeOptions& options) {
  validate(options);
  EvalModeGuard eval(*decoder);
  c10::InferenceMode inference;  // no autograd, and less per-operation bookkeeping than NoGradGuard
  const auto on_device = features.to(decoder->parameters().front().device());
  const LogitsProcessorChain chain(options);
  switch (parse_strategy(options.strategy)) {
    case Strategy::kGreedy:
      return search_side_by_side(on_device, [&](const torch::Tensor& share) {
        BestSampler best;
        return greedy_search(*decoder, share, chain, best, 1, options.max_length, options.length_penalty);
      });
    case Strategy::kSample: {
      // One search: the random draws follow the images in order, whatever the thread count.
      RandomSampler random(options.temperature, options.top_k, options.seed);
      return greedy_search(*decoder, on_device, chain, random, options.num_hypotheses, options.max_length,
                           options.length_penalty);
    }
    case Strategy::kBeam:
      break;
  }
  return search_side_by_side(on_device, [&](const torch::Tensor& share) {
    return beam_search(*decoder, share, chain, options.beam_size, options.num_hypotheses, options.max_length,
                       options.length_penalty);
  });
}

}  // namespace captioner::decoder
