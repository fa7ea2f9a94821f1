#include "decoder/logits_processors.h"

#include <limits>

#include "decoder/token_ids.h"

namespace captioner::decoder {
namespace {

constexpr float kDisallowed = -std::numeric_limits<float>::infinity();

}  // namespace

SuppressTokens::SuppressTokens(std::vector<int64_t> ids) : ids_(std::move(ids)) {}

void SuppressTokens::apply(torch::Tensor& log_probs, const torch::Tensor&) const {
  if (ids_.empty()) return;
  const auto columns = torch::tensor(ids_, torch::TensorOptions(torch::kLong).device(log_probs.device()));
  log_probs.index_fill_(1, columns, kDisallowed);
}

void MinLength::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  if (generated.size(1) < min_length_) log_probs.select(1, kEosId).fill_(kDisallowed);
}

void MaxLength::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  if (generated.size(1) < max_length_) return;
  const auto eos = log_probs.select(1, kEosId).clone();
  log_probs.fill_(kDisallowed);
  log_probs.select(1, kEosId).copy_(eos);
}

void NoRepeatNgram::apply(torch::Tensor& log_probs, const torch::Tensor& generated) const {
  const int64_t rows = generated.size(0), length = generated.size(1);
  const int64_t prefix = n_ - 1;  // the n-gram's first n-1 tokens must match the row's last n-1
  if (n_ < 1 || length < n_) return;  // no complete n-gram yet
  const auto contiguous = generated.contiguous();
  const auto tokens = contiguous.accessor<int64_t, 2>();
  std::vector<int64_t> banned_rows, banned_tokens;
  for (int64_t row = 0; row < rows; ++row) {
    // Each earlier n-gram start whose first n-1 tokens equal the last n-1 tokens bans its last token.
    for (int64_t start = 0; start + n_ <= length; ++start) {
      bool same = true;
      for (int64_t k = 0; k < prefix && same; ++k) same = tokens[row][start + k] == tokens[row][length - prefix + k];
      if (same) {
        banned_rows.push_back(row);
        banned_tokens.push_back(tokens[row][start + prefix]);
      }
    }
  }
  if (banned_rows.empty()) return;
  const auto options = torch::TensorOptions(torch::kLong).device(log_probs.device());
  log_probs.index_put_({torch::tensor(banned_rows, options), torch::tensor(banned_tokens, options)},
                       torch::tensor(kDisallowed, log_probs.options()));
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
  const auto eos = log_probs.select(1, kEosId).clone();
  for (const auto& processor : processors_) processor->apply(log_probs, generated);
  const auto stuck = std::get<0>(log_probs.max(1)).eq(kDisallowed);
  log_probs.select(1, kEosId).copy_(torch::where(stuck, eos, log_probs.select(1, kEosId)));
}

}  // namespace captioner::decoder
