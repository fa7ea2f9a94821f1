#pragma once
// How the token-by-token search picks each row's next token: the most likely one (greedy)
// or a random draw (sampling).

#include <cstdint>

#include <ATen/core/Generator.h>
#include <torch/torch.h>

namespace captioner::decoder {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // One token per row of `log_probs` (rows x V; disallowed tokens at -inf): int64, rows,
  // on the device of `log_probs`.
  virtual torch::Tensor pick(const torch::Tensor& log_probs) = 0;
};

// The most likely token: greedy decoding.
class BestSampler : public Sampler {
 public:
  torch::Tensor pick(const torch::Tensor& log_probs) override;
};

// A draw from softmax(log_probs / temperature), restricted to the top_k most likely
// tokens when top_k > 0. Draws on the CPU from its own generator seeded with `seed`: the
// same seed and inputs give the same tokens, on any device, whatever else uses LibTorch's RNG.
class RandomSampler : public Sampler {
 public:
  RandomSampler(double temperature, int top_k, std::uint64_t seed);
  torch::Tensor pick(const torch::Tensor& log_probs) override;

 private:
  double temperature_;
  int top_k_;
  at::Generator generator_;
};

}  // namespace captioner::decoder
