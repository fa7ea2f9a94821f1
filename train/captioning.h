#pragma once
// `captioner caption`: a trained run's captions for a split of its dataset or for image
// files, written as COCO results JSON with the settings beside it, optionally scored.

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "decoder/decode_options.h"
#include "train/caption_model.h"

namespace captioner::train {

struct CaptionRequest {
  std::filesystem::path run;              // the run directory (runs/<name>)
  ModelOptions model;                     // the run's model (from its config.ini)
  std::string checkpoint = "best";        // best | last
  std::string split;                      // val | test: a split of the run's dataset ...
  std::vector<std::filesystem::path> images;  // ... or image files, folders, or .txt lists of files
  std::filesystem::path dataset;          // the prepared dataset; empty: the run's own [data] dir
  std::filesystem::path out;              // results JSON; empty: <run>/results_<split>.json or results_images.json
  bool score = false;                     // a split only: print capeval's table, write <run>/scores_<split>.json
  decoder::DecodeOptions decode;          // decoding (defaults: the run's [decode])
  int batch_size = 64;                    // images decoded at once
};

// Captions the request; returns the results file written. InputError for a missing run or
// checkpoint, a vocabulary mismatch between run and dataset, unreadable images, etc.
std::filesystem::path caption_run(const CaptionRequest& request, std::ostream& out, std::ostream& log);

}  // namespace captioner::train
