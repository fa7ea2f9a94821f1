#include "decoder/caption_loss.h"

#include "decoder/token_ids.h"

namespace captioner::decoder {

torch::Tensor token_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets, double label_smoothing) {
  TORCH_CHECK(logits.dim() == 2 && targets.dim() == 1 && logits.size(0) == targets.size(0),
              "token_cross_entropy: logits R x V and targets R expected, got ", logits.sizes(), " and ",
              targets.sizes());
  TORCH_CHECK(label_smoothing >= 0.0 && label_smoothing < 1.0, "label smoothing must be in [0, 1)");
  const auto log_probs = torch::log_softmax(logits, 1);
  auto per_token = -log_probs.gather(1, targets.to(torch::kLong).unsqueeze(1)).squeeze(1);
  if (label_smoothing > 0.0) {
    per_token = (1.0 - label_smoothing) * per_token - label_smoothing * log_probs.mean(1);
  }
  if (targets.numel() == 0) return per_token.sum();  // 0, still part of the graph
  return per_token.mean();
}

torch::Tensor masked_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                   double label_smoothing) {
  TORCH_CHECK(logits.dim() == 3 && targets.dim() == 2 && logits.size(0) == targets.size(0) &&
                  logits.size(1) == targets.size(1),
              "masked_cross_entropy: logits N x T x V and targets N x T expected, got ", logits.sizes(), " and ",
              targets.sizes());
  // Only the real tokens' rows go on: padded positions are never computed (whatever their
  // logits, even inf), and index_select's backward gives them exactly zero gradient.
  const auto flat_targets = targets.reshape({-1}).to(torch::kLong);
  const auto real = flat_targets.ne(kPadId).nonzero().squeeze(1);
  return token_cross_entropy(logits.reshape({-1, logits.size(2)}).index_select(0, real),
                             flat_targets.index_select(0, real), label_smoothing);
}

torch::Tensor caption_loss(CaptionDecoder& decoder, const torch::Tensor& features, const torch::Tensor& tokens,
                           double label_smoothing) {
  const auto teacher_forcing = decoder->teacher_forcing(features, tokens);
  return token_cross_entropy(teacher_forcing.logits, teacher_forcing.targets, label_smoothing);
}

torch::Tensor bag_of_words_loss(const torch::Tensor& logits, const torch::Tensor& tokens) {
  TORCH_CHECK(logits.dim() == 2 && tokens.dim() == 2 && logits.size(0) == tokens.size(0),
              "bag_of_words_loss: logits N x V and tokens N x T expected, got ", logits.sizes(), " and ",
              tokens.sizes());
  auto present = torch::zeros_like(logits).scatter_(1, tokens.to(torch::kLong), 1.0);
  present.slice(1, 0, kSpecialIdCount).zero_();
  return torch::binary_cross_entropy_with_logits(logits, present, {}, {}, at::Reduction::None).sum(1).mean();
}

}  // namespace captioner::decoder
