#pragma once
// The two search loops behind decode() (decode.h is the interface to use). Both run the
// decoder step by step from its state (no prefix is recomputed), apply `chain` to every
// step's log-probabilities, and drop an image's rows as soon as it is done. Both expect a
// chain that forces eos after `max_length` tokens (LogitsProcessorChain(options) does).

#include <vector>

#include <torch/torch.h>

#include "decoder/caption_decoder.h"
#include "decoder/hypothesis.h"
#include "decoder/logits_processors.h"
#include "decoder/sampler.h"

namespace captioner::decoder {

// One token per row and step, picked by `sampler` (BestSampler: greedy decoding;
// RandomSampler: sampling), with `copies` independent rows per image. Per image its
// `copies` hypotheses, best score first.
std::vector<std::vector<Hypothesis>> greedy_search(CaptionDecoderImpl& decoder, const torch::Tensor& features,
                                                   const LogitsProcessorChain& chain, Sampler& sampler, int copies,
                                                   int max_length, double length_penalty);

// Beam search with `beam_size` beams per image. Each step ranks the 2 x beam_size best
// continuations of an image's beams by log-probability: an eos among the first beam_size
// finishes a hypothesis (scored with length_penalty), the best beam_size others go on. An
// image is done once it has beam_size finished hypotheses (or no beam is left), or sooner
// when no live beam can reach the `num_hypotheses` best finished ones any more (the same
// result, fewer steps). Per image its best `num_hypotheses` finished hypotheses, best
// score first.
std::vector<std::vector<Hypothesis>> beam_search(CaptionDecoderImpl& decoder, const torch::Tensor& features,
                                                 const LogitsProcessorChain& chain, int beam_size,
                                                 int num_hypotheses, int max_length, double length_penalty);

}  // namespace captioner::decoder
