#include <vector>

#include "decoder/search.h"
#include "decoder/token_ids.h"

namespace captioner::decoder {
namespace {

std::vector<std::int32_t> row_tokens(const torch::Tensor& generated, int64_t row) {
  const auto tokens = generated[row];
  return {tokens.data_ptr<int64_t>(), tokens.data_ptr<int64_t>() + tokens.numel()};
}

}  // namespace

std::vector<std::vector<Hypothesis>> greedy_search(CaptionDecoderImpl& decoder, const torch::Tensor& features,
                                                   const LogitsProcessorChain& chain, Sampler& sampler, int copies,
                                                   int max_length, double length_penalty) {
  const int64_t images = features.size(0);
  std::vector<std::vector<Hypothesis>> results(images);
  if (images == 0) return results;
  DecoderState state = decoder.start(features);
  const auto device = state.h.device();
  // Row r of the search belongs to image image_of_row[r].
  std::vector<int64_t> image_of_row(images * copies);
  for (int64_t row = 0; row < images * copies; ++row) image_of_row[row] = row / copies;
  if (copies > 1) state = state.select_rows(torch::tensor(image_of_row, torch::kLong).to(device));

  const auto rows = static_cast<int64_t>(image_of_row.size());
  auto tokens = torch::full({rows}, kBosId, torch::TensorOptions(torch::kLong).device(device));
  auto generated = torch::empty({rows, 0}, torch::kLong);  // CPU: read by the logits processors
  auto log_prob = torch::zeros({rows}, state.h.options());
  for (int step = 0; step <= max_length && !image_of_row.empty(); ++step) {
    auto log_probs = torch::log_softmax(decoder.step(tokens, state), 1);
    chain.apply(log_probs, generated);
    const auto next = sampler.pick(log_probs);
    log_prob += log_probs.gather(1, next.unsqueeze(1)).squeeze(1);

    const auto next_cpu = next.to(torch::kCPU);
    const auto log_prob_cpu = log_prob.to(torch::kCPU, torch::kDouble);
    const auto* next_ids = next_cpu.data_ptr<int64_t>();
    const auto* log_probs_so_far = log_prob_cpu.data_ptr<double>();
    std::vector<int64_t> going_on;
    for (int64_t row = 0; row < static_cast<int64_t>(image_of_row.size()); ++row) {
      if (next_ids[row] != kEosId) {
        going_on.push_back(row);
        continue;
      }
      Hypothesis hypothesis{row_tokens(generated, row), log_probs_so_far[row], 0.0};
      hypothesis.score = length_normalized_score(hypothesis.log_prob, hypothesis.tokens.size(), length_penalty);
      results[image_of_row[row]].push_back(std::move(hypothesis));
    }
    if (going_on.size() < image_of_row.size()) {
      std::vector<int64_t> kept_images;
      for (const int64_t row : going_on) kept_images.push_back(image_of_row[row]);
      image_of_row = std::move(kept_images);
      if (image_of_row.empty()) break;
      const auto kept = torch::tensor(going_on, torch::kLong);
      const auto kept_on_device = kept.to(device);
      state = state.select_rows(kept_on_device);
      log_prob = log_prob.index_select(0, kept_on_device);
      tokens = next.index_select(0, kept_on_device);
      generated = torch::cat({generated.index_select(0, kept), next_cpu.index_select(0, kept).unsqueeze(1)}, 1);
    } else {
      tokens = next;
      generated = torch::cat({generated, next_cpu.unsqueeze(1)}, 1);
    }
  }
  TORCH_CHECK(image_of_row.empty(), "greedy_search: the logits processors did not end every caption");
  for (auto& hypotheses : results) keep_best(hypotheses, copies);
  return results;
}

}  // namespace captioner::decoder
