#include "decoder/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

namespace captioner::decoder {

torch::Tensor BestSampler::pick(const torch::Tensor& log_probs) { return log_probs.argmax(1); }

RandomSampler::RandomSampler(double temperature, int top_k, std::uint64_t seed)
    : temperature_(temperature), top_k_(top_k), generator_(at::detail::createCPUGenerator(seed)) {}

torch::Tensor RandomSampler::pick(const torch::Tensor& log_probs) {
  auto scaled = log_probs.to(torch::kCPU, torch::kFloat) / temperature_;
  torch::Tensor candidates;  // rows x k: the vocabulary ids the draw chooses among, or undefined for all
  if (top_k_ > 0 && top_k_ < scaled.size(1)) {
    std::tie(scaled, candidates) = scaled.topk(top_k_, 1);
  }
  auto picked = torch::multinomial(torch::softmax(scaled, 1), 1, /*replacement=*/false, generator_);
  if (candidates.defined()) picked = candidates.gather(1, picked);
  return picked.squeeze(1).to(log_probs.device());
}

}  // namespace captioner::decoder
