#include "decoder/logits_processors.h"

#include <limits>

#include "decoder/token_ids.h"

namespace captioner::decoder {
namespace {

constexpr float kDisallowed = -std::numeric_limits<float>::infinity();

// The rows x V log-probabilities, for plain loops.
torch::TensorAccessor<float, 2> cpu_rows(torch::Tensor& log_probs) {
  TORCH_CHECK(log_probs.is_cpu() && log_probs.dim() == 2, "logits processors take rows x V log-probabilities on the CPU");
  return log_probs.accessor<float, 2>();
}

}  // namespace

SuppressTokens::SuppressTokens(std::vector<int64_t> ids) : ids_(std::move(ids)) {}

// Plain loops over the rows: a step's log-probabilities are a few hundred short rows, and
// LibTorch's per-operation set-up cost more than the work (the constraints were a tenth of
// a beam step as tensor operations).
void SuppressTokens::apply(torch::Tensor& log_probs, const torch::Tensor&) const {
  auto scores = cpu_rows(log_probs);
  for (const int64_t id : ids_) TORCH_CHECK(id >= 0 && id < scores.size(1), "suppressed token ", id, " outside the vocabulary");
  for (int64_t row = 0; row < scores.size(0); ++row) {
    for (const int64_t id : ids_) scores[row][id] = kDisallowed;
  }
}

void MinLength::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  if (generated.size(1) >= min_length_) return;
  auto scores = cpu_rows(log_probs);
  for (int64_t row = 0; row < scores.size(0); ++row) scores[row][kEosId] = kDisallowed;
}

void MaxLength::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  if (generated.size(1) < max_length_) return;
  auto scores = cpu_rows(log_probs);
  for (int64_t row = 0; row < scores.size(0); ++row) {
    const float eos = scores[row][kEosId];
    for (int64_t id = 0; id < scores.size(1); ++id) scores[row][id] = kDisallowed;
    scores[row][kEosId] = eos;
  }
}

void NoRepeatNgram::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  const int64_t rows = generated.size(0), length = generated.size(1);
  const int64_t prefix = n_ - 1;  // the n-gram's first n-1 tokens must match the row's last n-1
  if (n_ < 1 || length < n_) return;  // no complete n-gram yet
  auto scores = cpu_rows(log_probs);
  const auto contiguous = generated.contiguous();
  const auto tokens = contiguous.accessor<int64_t, 2>();
  for (int64_t row = 0; row < rows; ++row) {
    // Each earlier n-gram start whose first n-1 tokens equal the last n-1 tokens bans its last token.
    for (int64_t start = 0; start + n_ <= length; ++start) {
      bool same = true;
      for (int64_t k = 0; k < prefix && same; ++k) same = tokens[row][start + k] == tokens[row][length - prefix + k];
      if (same) scores[row][tokens[row][start + prefix]] = kDisallowed;
    }
  }
}

LogitsProcessorChain::LogitsProcessorChain(const DecodeOptions& options) {
  std::vector<int64_t> suppressed = {kPadId, kBosId};
  if (options.suppress_unk) suppressed.push_back(kUnkId);
  add(std::make_unique<SuppressTokens>(std::move(suppressed)));
  if (options.min_length > 0) add(std::make_unique<MinLength>(options.min_length));
  if (options.no_repeat_ngram_size > 0) add(std::make_unique<NoRepeatNgram>(options.no_repeat_ngram_size));
  add(std::make_unique<MaxLength>(options.max_length));
}

void LogitsProcessorChain::add(std::unique_ptr<LogitsProcessor> processor) {
  processors_.push_back(std::move(processor));
}

void LogitsProcessorChain::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  auto scores = cpu_rows(log_probs);
  std::vector<float> eos(scores.size(0));
  for (int64_t row = 0; row < scores.size(0); ++row) eos[row] = scores[row][kEosId];
  for (const auto& processor : processors_) processor->apply(log_probs, generated);
  for (int64_t row = 0; row < scores.size(0); ++row) {
    bool stuck = true;
    for (int64_t id = 0; id < scores.size(1) && stuck; ++id) stuck = scores[row][id] == kDisallowed;
    if (stuck) scores[row][kEosId] = eos[row];
  }
}

}  // namespace captioner::decoder
