#pragma once
// The learning-rate schedule: a pure function of the step, so a resumed run needs no
// schedule state beyond the step it resumes at.

#include <cstdint>

#include "train/train_options.h"

namespace captioner::train {

// The learning rate for optimizer step `step` (0-based) of `total_steps`: linear warm-up
// over warmup_steps, then constant, step decay, or cosine decay to 0 at total_steps.
double learning_rate_at(const TrainOptions& options, std::int64_t step, std::int64_t total_steps);

// InputError naming the option for an unknown schedule or optimizer, or values out of range.
void validate(const TrainOptions& options);

}  // namespace captioner::train
