#include "train/schedule.h"

#include <algorithm>
#include <cmath>

#include "util/error.h"

namespace captioner::train {

double learning_rate_at(const TrainOptions& options, std::int64_t step, std::int64_t total_steps) {
  const double peak = options.learning_rate;
  if (options.warmup_steps > 0 && step < options.warmup_steps) {
    return peak * static_cast<double>(step + 1) / options.warmup_steps;
  }
  if (options.schedule == "step") {
    return peak * std::pow(options.step_gamma, static_cast<double>((step - options.warmup_steps) / options.step_size));
  }
  if (options.schedule == "cosine") {
    const double span = std::max<std::int64_t>(1, total_steps - options.warmup_steps);
    const double progress = std::min(1.0, static_cast<double>(step - options.warmup_steps) / span);
    return peak * 0.5 * (1.0 + std::cos(M_PI * progress));
  }
  return peak;
}

void validate(const TrainOptions& o) {
  auto fail = [](const std::string& option, const std::string& problem) {
    throw InputError("train." + option + ": " + problem);
  };
  if (o.epochs < 1) fail("epochs", "must be at least 1");
  if (o.batch_size < 1) fail("batch-size", "must be at least 1");
  if (o.optimizer != "adam" && o.optimizer != "sgd") fail("optimizer", "'" + o.optimizer + "' is not adam or sgd");
  if (!(o.learning_rate > 0)) fail("learning-rate", "must be positive");
  if (o.schedule != "constant" && o.schedule != "step" && o.schedule != "cosine") {
    fail("schedule", "'" + o.schedule + "' is not constant, step or cosine");
  }
  if (o.warmup_steps < 0) fail("warmup-steps", "must not be negative");
  if (o.step_size < 1) fail("step-size", "must be at least 1");
  if (!(o.step_gamma > 0 && o.step_gamma <= 1)) fail("step-gamma", "must be in (0, 1]");
  if (o.weight_decay < 0) fail("weight-decay", "must not be negative");
  if (o.clip_grad_norm < 0) fail("clip-grad-norm", "must not be negative");
  if (!(o.label_smoothing >= 0 && o.label_smoothing < 1)) fail("label-smoothing", "must be in [0, 1)");
  if (o.eval_every < 0) fail("eval-every", "must not be negative");
  static const char* metrics[] = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"};
  if (std::find(std::begin(metrics), std::end(metrics), o.metric) == std::end(metrics)) {
    fail("metric", "'" + o.metric + "' is not one of Bleu_1, Bleu_2, Bleu_3, Bleu_4, ROUGE_L, CIDEr");
  }
  if (o.patience < 0) fail("patience", "must not be negative");
  if (o.eval_images < 0) fail("eval-images", "must not be negative");
  if (o.log_every < 1) fail("log-every", "must be at least 1");
  if (o.workers < 0) fail("workers", "must not be negative");
}

}  // namespace captioner::train
