#pragma once
// captioner compare: one table of several runs' best validation and test scores, with the
// settings in which they differ. Read from what every run directory has: config.ini (the
// resolved config), log.jsonl (the evaluations) and scores_<split>.json (captioner caption
// --score).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace captioner::train {

struct RunSummary {
  std::string name;                           // the run directory's name
  std::map<std::string, std::string> config;  // "section.key" -> value, from config.ini
  bool has_val = false;                       // an evaluation was logged
  long best_step = 0;                         // of the best evaluation by train.metric
  std::map<std::string, double> best_val;     // its scores
  std::map<std::string, double> test;         // scores_test.json's; empty when there is none
};

// InputError "DIR: ..." when DIR has no config.ini, or a file in it is malformed.
RunSummary summarize_run(const std::filesystem::path& run_dir);

struct ComparisonTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // one per run, cells as printed
};

// Columns: run, every config key whose value differs between the runs (paths and the run's
// own name left out), the best validation step and scores, the test scores.
ComparisonTable compare_runs(const std::vector<RunSummary>& runs);

std::string to_markdown(const ComparisonTable& table);
// RFC 4180: cells with a comma, quote or line break are quoted, quotes doubled.
std::string to_csv(const ComparisonTable& table);

}  // namespace captioner::train
