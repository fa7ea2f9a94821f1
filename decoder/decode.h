#pragma once
// Decoding captions from image vectors, one interface for every strategy:
//   decode(decoder, features, options) -> per image its hypotheses, best score first.
// Greedy and sampling pick one token per row and step (search.h greedy_search with a
// Sampler); beam search keeps options.beam_size hypotheses per image. All of them apply
// the same chain of constraints (logits_processors.h) and are batched over images.

#include <vector>

#include <torch/torch.h>

#include "decoder/caption_decoder.h"
#include "decoder/decode_options.h"
#include "decoder/hypothesis.h"

namespace captioner::decoder {

// Captions for the images (rows) of `features` (float N x F; with init `none` only N is
// used). Runs `decoder` in eval mode without autograd and restores its training mode.
// InputError for invalid options (validate).
std::vector<std::vector<Hypothesis>> decode(CaptionDecoder& decoder, const torch::Tensor& features,
                                            const DecodeOptions& options);

}  // namespace captioner::decoder
