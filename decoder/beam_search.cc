#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <utility>
#include <limits>
#include <vector>

#include "decoder/search.h"
#include "decoder/token_ids.h"

namespace captioner::decoder {
namespace {

constexpr float kDead = -std::numeric_limits<float>::infinity();

// A beam for the next step: which row it continues, with which token, at what log-probability.
struct Continuation {
  int64_t source_row;
  int64_t token;
  float log_prob;
};

// The `count` best continuations of each image's beams, best first: entries of
// totals[group] = beam_log_prob[row] + log_probs[row] over the group's rows, as (total,
// beam * vocab + token); equal totals keep the lower index first. What topk would give,
// without its per-call cost on a few hundred short rows (a tenth of a step's time).
std::vector<std::vector<std::pair<float, int64_t>>> best_continuations(const torch::Tensor& log_probs,
                                                                       const std::vector<float>& beam_log_prob,
                                                                       int64_t groups, int64_t beams, int64_t count) {
  const auto scores = log_probs.to(torch::kCPU, torch::kFloat).contiguous();
  const int64_t vocab = scores.size(1);
  const float* score = scores.data_ptr<float>();
  std::vector<std::vector<std::pair<float, int64_t>>> best(groups);
  for (int64_t group = 0; group < groups; ++group) {
    auto& kept = best[group];  // sorted, best first
    kept.reserve(count + 1);
    for (int64_t beam = 0; beam < beams; ++beam) {
      const int64_t row = group * beams + beam;
      const float* row_scores = score + row * vocab;
      for (int64_t token = 0; token < vocab; ++token) {
        const float total = beam_log_prob[row] + row_scores[token];
        if (static_cast<int64_t>(kept.size()) == count && !(total > kept.back().first)) continue;
        auto place = kept.end();
        while (place != kept.begin() && std::prev(place)->first < total) --place;
        kept.insert(place, {total, beam * vocab + token});
        if (static_cast<int64_t>(kept.size()) > count) kept.pop_back();
      }
    }
  }
  return best;
}

}  // namespace

std::vector<std::vector<Hypothesis>> beam_search(CaptionDecoderImpl& decoder, const torch::Tensor& features,
                                                 const LogitsProcessorChain& chain, int beam_size,
                                                 int num_hypotheses, int max_length, double length_penalty) {
  const int64_t images = features.size(0);
  const int64_t K = beam_size;
  std::vector<std::vector<Hypothesis>> finished(images);
  if (images == 0) return finished;

  DecoderState state = decoder.start(features);
  const auto device = state.h.device();
  // Rows [g*beams, (g+1)*beams) are the beams of image active_images[g]. Before the first
  // token each image has one beam (K copies would only fill the beam with duplicates).
  int64_t beams = 1;
  std::vector<int64_t> active_images(images);
  for (int64_t image = 0; image < images; ++image) active_images[image] = image;
  auto tokens = torch::full({images}, kBosId, torch::TensorOptions(torch::kLong).device(device));
  auto generated = torch::empty({images, 0}, torch::kLong);  // CPU: read by the logits processors
  std::vector<float> beam_log_prob(images, 0.0f);
  // A caption can still gain length normalisation up to this length (tokens + eos).
  const double best_length_factor = length_penalty > 0.0 ? std::pow(max_length + 1.0, length_penalty) : 1.0;

  for (int step = 0; step <= max_length && !active_images.empty(); ++step) {
    auto log_probs = torch::log_softmax(decoder.step(tokens, state), 1);
    chain.apply(log_probs, generated);
    const int64_t vocab = log_probs.size(1);
    const int64_t groups = static_cast<int64_t>(active_images.size());
    const auto candidates = best_continuations(log_probs, beam_log_prob, groups, beams, 2 * K);
    const auto generated_rows = generated.accessor<int64_t, 2>();

    std::vector<int64_t> still_active;
    std::vector<Continuation> next;
    for (int64_t group = 0; group < groups; ++group) {
      auto& image_finished = finished[active_images[group]];
      std::vector<Continuation> next_beams;
      for (int64_t rank = 0; rank < static_cast<int64_t>(candidates[group].size()); ++rank) {
        const auto [total, id] = candidates[group][rank];
        if (total == kDead) break;
        const int64_t row = group * beams + id / vocab;
        const int64_t token = id % vocab;
        if (token == kEosId) {
          // An eos below the first K candidates would not have been in the beam: it is not a hypothesis.
          if (rank >= K) continue;
          Hypothesis hypothesis;
          for (int64_t t = 0; t < step; ++t) hypothesis.tokens.push_back(static_cast<int32_t>(generated_rows[row][t]));
          hypothesis.log_prob = total;
          hypothesis.score = length_normalized_score(total, hypothesis.tokens.size(), length_penalty);
          image_finished.push_back(std::move(hypothesis));
        } else if (static_cast<int64_t>(next_beams.size()) < K) {
          next_beams.push_back({row, token, total});
        }
      }
      if (static_cast<int64_t>(image_finished.size()) >= K || next_beams.empty()) continue;  // this image is done
      if (static_cast<int64_t>(image_finished.size()) >= num_hypotheses) {
        // Done as well when no live beam can reach the hypotheses returned: a beam's
        // log-probability only falls, and its score can rise at most to log_prob divided
        // by best_length_factor. What beam_size finished hypotheses would give, sooner.
        std::vector<double> scores;
        for (const auto& hypothesis : image_finished) scores.push_back(hypothesis.score);
        std::nth_element(scores.begin(), scores.begin() + (num_hypotheses - 1), scores.end(), std::greater<>());
        const double worst_returned = scores[num_hypotheses - 1];
        if (worst_returned >= next_beams.front().log_prob / best_length_factor) continue;
      }
      // Fewer than K live continuations (the constraints allowed no more): dead beams fill the rest.
      while (static_cast<int64_t>(next_beams.size()) < K) {
        next_beams.push_back({next_beams.front().source_row, kPadId, kDead});
      }
      still_active.push_back(active_images[group]);
      next.insert(next.end(), next_beams.begin(), next_beams.end());
    }
    active_images = std::move(still_active);
    if (active_images.empty()) break;

    std::vector<int64_t> source_rows, next_tokens;
    beam_log_prob.clear();
    for (const auto& beam : next) {
      source_rows.push_back(beam.source_row);
      next_tokens.push_back(beam.token);
      beam_log_prob.push_back(beam.log_prob);
    }
    const auto sources = torch::tensor(source_rows, torch::kLong);
    const auto next_tokens_cpu = torch::tensor(next_tokens, torch::kLong);
    state = state.select_rows(sources.to(device));
    generated = torch::cat({generated.index_select(0, sources), next_tokens_cpu.unsqueeze(1)}, 1);
    tokens = next_tokens_cpu.to(device);
    beams = K;
  }
  TORCH_CHECK(active_images.empty(), "beam_search: the logits processors did not end every caption");
  for (auto& hypotheses : finished) keep_best(hypotheses, num_hypotheses);
  return finished;
}

}  // namespace captioner::decoder
