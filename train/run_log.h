#pragma once
// log.jsonl of a run: one JSON object per line, per logged step and per evaluation. The
// trainer writes it (RunLog); compare and report read it (read_run_history).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace captioner::train {

class RunLog {
 public:
  // Opens (creates) `file` for appending. When resuming from a checkpoint taken at
  // `resume_step`, lines logged after it (by the run that was interrupted) are dropped
  // first, so that the log reads as if the run had never stopped.
  RunLog(const std::filesystem::path& file, std::int64_t resume_step);
  // Appends one line and flushes it.
  void write(const nlohmann::json& entry);

 private:
  std::filesystem::path file_;
  std::ofstream out_;
};

// A run's training curves and evaluations, from its log.jsonl.
struct RunHistory {
  struct TrainPoint {
    long step = 0;
    long epoch = 0;
    double loss = 0.0;
    double learning_rate = 0.0;
  };
  struct Evaluation {
    long step = 0;
    long epoch = 0;
    std::map<std::string, double> scores;  // every metric on val; "loss" too when logged
    bool best = false;                     // a new best by train.metric (best.pt was written)
  };
  std::vector<TrainPoint> train;
  std::vector<Evaluation> evaluations;
  // The last evaluation marked best (the one best.pt holds); nullptr when none.
  const Evaluation* best() const;
};

// Missing file: an empty history (the run trained no step yet). A last line that does not
// parse was cut by a kill and is left out (the resumed trainer drops it too); any other line
// that is not a JSON object is an InputError naming the file and line.
RunHistory read_run_history(const std::filesystem::path& log_file);

// A JSON object of scores ({"CIDEr": 1.2, ...}) as a map; InputError naming `file` and
// `what` when it is not an object of numbers.
std::map<std::string, double> score_map(const nlohmann::json& object, const std::filesystem::path& file,
                                        const std::string& what);

}  // namespace captioner::train
