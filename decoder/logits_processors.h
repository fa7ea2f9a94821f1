#pragma once
// Decoding constraints as a chain of small steps, each disallowing some next tokens by
// setting their log-probability to -inf (after log_softmax: the tokens that stay keep the
// model's own log-probabilities, so a caption's score is its true log-probability). Every
// strategy (greedy, beam, sampling) runs the same chain; none of them knows the rules.

#include <memory>
#include <vector>

#include <torch/torch.h>

#include "decoder/decode_options.h"

namespace captioner::decoder {

class LogitsProcessor {
 public:
  virtual ~LogitsProcessor() = default;
  // `log_probs`: float rows x V on the CPU, the next token's log-probabilities, changed in place.
  // `generated`: int64 on the CPU, rows x t: the tokens each row has produced so far (no
  // bos); every row has the same length t.
  virtual void apply(torch::Tensor& log_probs, const torch::Tensor& generated) const = 0;
};

// These ids are never produced (pad and bos always; unk when asked).
class SuppressTokens : public LogitsProcessor {
 public:
  explicit SuppressTokens(std::vector<int64_t> ids);
  void apply(torch::Tensor& log_probs, const torch::Tensor& generated) const override;

 private:
  std::vector<int64_t> ids_;
};

// No eos before `min_length` tokens.
class MinLength : public LogitsProcessor {
 public:
  explicit MinLength(int min_length) : min_length_(min_length) {}
  void apply(torch::Tensor& log_probs, const torch::Tensor& generated) const override;

 private:
  int min_length_;
};

// After `max_length` tokens only eos.
class MaxLength : public LogitsProcessor {
 public:
  explicit MaxLength(int max_length) : max_length_(max_length) {}
  void apply(torch::Tensor& log_probs, const torch::Tensor& generated) const override;

 private:
  int max_length_;
};

// No n-gram twice in a row's tokens: a token that would complete an n-gram already
// there is disallowed (n = 1: no token twice).
class NoRepeatNgram : public LogitsProcessor {
 public:
  explicit NoRepeatNgram(int n) : n_(n) {}
  void apply(torch::Tensor& log_probs, const torch::Tensor& generated) const override;

 private:
  int n_;
};

class LogitsProcessorChain {
 public:
  LogitsProcessorChain() = default;
  // The chain `options` asks for: suppressed ids, min length, n-gram blocking, max length.
  explicit LogitsProcessorChain(const DecodeOptions& options);

  void add(std::unique_ptr<LogitsProcessor> processor);
  // Every processor in order. A row left with no token at all (the constraints contradict
  // each other, e.g. n-gram blocking has used up the vocabulary before the min length) gets
  // eos back with its own log-probability: it ends rather than produce a disallowed token.
  void apply(torch::Tensor& log_probs, const torch::Tensor& generated) const;

 private:
  std::vector<std::unique_ptr<LogitsProcessor>> processors_;
};

}  // namespace captioner::decoder
