#pragma once
// The training loss: cross-entropy of the next token over the real tokens of the captions.
// Padding is excluded exactly: whatever the logits at padded positions, they change
// neither the loss nor any gradient.

#include <torch/torch.h>

#include "decoder/caption_decoder.h"

namespace captioner::decoder {

// `logits`: N x T x V; `targets`: int64 N x T, kPadId where there is no token. Mean over
// the real tokens of (1 - s) * NLL + s * (mean NLL over all V classes), s = label_smoothing
// (the uniform smoothing of torch.nn.CrossEntropyLoss(label_smoothing=s, ignore_index=0)).
// 0 when there is no real token.
torch::Tensor masked_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                   double label_smoothing = 0.0);

// The same over real tokens only: `logits` R x V, `targets` R (int64).
torch::Tensor token_cross_entropy(const torch::Tensor& logits, const torch::Tensor& targets,
                                  double label_smoothing = 0.0);

// Teacher-forced loss of `decoder` on `tokens` (N x T: bos, caption, eos, padding) given
// `features` (N x F): token_cross_entropy of teacher_forcing(features, tokens), the same as
// masked_cross_entropy of forward(features, tokens) against tokens[:, 1:].
torch::Tensor caption_loss(CaptionDecoder& decoder, const torch::Tensor& features, const torch::Tensor& tokens,
                           double label_smoothing = 0.0);

// The auxiliary bag-of-words loss: `logits` (N x V, one score per vocabulary entry,
// predicted from each caption's image) against which pieces caption n contains (tokens
// N x T; a piece counts once however often it occurs; pad, bos, eos and unk are not
// words). Binary cross-entropy summed over the vocabulary, mean over the captions.
torch::Tensor bag_of_words_loss(const torch::Tensor& logits, const torch::Tensor& tokens);

}  // namespace captioner::decoder
