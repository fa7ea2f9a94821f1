#pragma once
// captioner report: what a researcher looks at after a run, gathered from the files the run
// directory already has (config.ini, log.jsonl, the checkpoint's sidecar, results_<split>.json
// with its .settings.json, scores_<split>.json from `captioner caption --score`), the
// prepared dataset (manifest, references, the image store) and, when they can be found, the
// blind baseline (a sibling run with decoder.init = none) and the oracle (synth's
// oracle_<split>.json: each image's held-out human caption). train/report_html.h turns it
// into the page.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/compare.h"
#include "train/run_log.h"

namespace captioner::train {

// One row of the score table.
struct ScoreRow {
  std::string label;   // "captioner (runs/shapes, best.pt)", "blind baseline (...)", "oracle (...)"
  std::string source;  // the file the scores come from
  std::map<std::string, double> scores;
};

// One test image in the gallery.
struct GalleryItem {
  std::string key;                      // the image's key in the dataset
  std::size_t store_index = 0;          // its row in the dataset's image store
  std::string image_data_uri;           // data:image/jpeg;base64,... of the stored S x S image
  std::string caption;                  // the run's caption
  std::vector<std::string> references;  // the split's reference captions (raw)
  std::map<std::string, double> scores; // per-image scores (scores_<split>.json's per_image)
  std::size_t rank = 0;                 // 1 = best of the split by the report's metric
  std::string group;                    // "best", "worst", "random", or "" when the gallery is every image
};

struct RunReport {
  std::string name;            // the run directory's name
  std::filesystem::path dir;   // the run directory
  std::string split;           // val | test
  std::string metric;          // the run's train.metric: the gallery's ranking and the best mark
  std::string config_ini;      // config.ini as written
  std::filesystem::path dataset_dir;
  nlohmann::json manifest;     // the dataset's manifest.json
  std::string checkpoint_name; // best | last (what the results were captioned with)
  nlohmann::json checkpoint;   // its sidecar: epoch, step, scores, hashes
  nlohmann::json caption_settings;  // results_<split>.settings.json: decoding, timings
  RunHistory history;
  std::vector<ScoreRow> scores;  // the run first, then the blind baseline and the oracle when found
  std::vector<std::string> notes;  // what was looked for and not found (baseline, oracle)
  std::size_t split_images = 0;    // images captioned and scored
  std::vector<GalleryItem> gallery;
  std::string gallery_selection;   // how the gallery's images were chosen, for the page
};

struct ReportRequest {
  std::filesystem::path run;
  std::string split = "test";
  // Largest gallery shown whole; above it, the best and worst quarter of it each and the
  // other half drawn at random (seeded) from the rest.
  std::size_t gallery_limit = 200;
};

// InputError "file: problem" when the run, its results or scores for the split, or its
// dataset is missing or malformed; the message says which command writes the missing file.
RunReport gather_run_report(const ReportRequest& request);

// Several runs on one page.
struct ComparedRun {
  std::string name;
  RunHistory history;
};
struct RunComparison {
  ComparisonTable table;  // captioner compare's table (train/compare.h)
  std::vector<ComparedRun> runs;
  std::string metric;     // the first run's train.metric
};
RunComparison gather_comparison(const std::vector<std::filesystem::path>& run_dirs);

}  // namespace captioner::train
