#pragma once
// Training a captioner: teacher forcing with full backpropagation through time, an
// evaluation on the validation split every epoch (or every N steps) scored with the
// metrics library, best.pt kept by a chosen metric, early stopping on patience, and
// checkpoints from which an interrupted run resumes exactly.
//
// The run directory (DESIGN.md "Data on disk"): config.ini (the resolved config),
// log.jsonl (one object per logged step and per evaluation), checkpoints/last.pt and
// best.pt with JSON sidecars.

#include <filesystem>
#include <iosfwd>
#include <string>

#include "decoder/decode_options.h"
#include "train/caption_model.h"
#include "train/distributed.h"
#include "train/train_options.h"

namespace captioner::train {

struct TrainingConfig {
  std::filesystem::path dataset;   // a prepared dataset directory (captioner prepare)
  ModelOptions model;
  TrainOptions train;
  decoder::DecodeOptions decode;   // how validation captions are decoded
  RunOptions run;
  std::string resolved_config;     // the whole config as INI text: config.ini, and its hash ties checkpoints to it
  // Data-parallel training (environment.world_size > 1): train.batch-size stays the GLOBAL
  // batch, each rank trains on its slice of it, and the ranks step as one model; rank 0
  // alone logs, evaluates and writes checkpoints. World size 1: the single-process path.
  DistributedOptions distributed;
  std::string device = "cpu";      // cpu | cuda (a LibTorch built with CUDA)
};

// Trains the run (or resumes it from checkpoints/last.pt); returns its directory.
// Progress and evaluations go to `log`. InputError for bad configuration or data.
std::filesystem::path train_model(const TrainingConfig& config, std::ostream& log);

}  // namespace captioner::train
