#pragma once
// log.jsonl of a run: one JSON object per line, per logged step and per evaluation.

#include <cstdint>
#include <filesystem>
#include <fstream>

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

}  // namespace captioner::train
