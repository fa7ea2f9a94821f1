#include "train/run_log.h"

#include <cmath>
#include <sstream>

#include "util/error.h"
#include "util/file.h"

namespace captioner::train {

RunLog::RunLog(const std::filesystem::path& file, std::int64_t resume_step) : file_(file) {
  if (std::filesystem::exists(file)) {
    std::istringstream lines(read_file(file));
    std::string kept, line;
    while (std::getline(lines, line)) {
      // A line cut by the interruption does not parse: it goes too.
      const auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (entry.is_object() && entry.value("step", std::int64_t{0}) <= resume_step) kept += line + "\n";
    }
    write_file_atomically(file, kept);
  }
  out_.open(file, std::ios::app);
  if (!out_) throw file_error(file.string(), "cannot open the log for writing");
}

void RunLog::write(const nlohmann::json& entry) {
  out_ << entry.dump() << '\n' << std::flush;
  if (!out_) throw file_error(file_.string(), "cannot write to the log");
}

const RunHistory::Evaluation* RunHistory::best() const {
  const Evaluation* found = nullptr;
  for (const auto& evaluation : evaluations)
    if (evaluation.best) found = &evaluation;
  return found;
}

std::map<std::string, double> score_map(const nlohmann::json& object, const std::filesystem::path& file,
                                        const std::string& what) {
  if (!object.is_object()) throw file_error(file.string(), what + " is not a JSON object");
  std::map<std::string, double> numbers;
  for (const auto& [name, value] : object.items()) {
    if (!value.is_number()) throw file_error(file.string(), what + " '" + name + "' is not a number");
    numbers[name] = value.get<double>();
  }
  return numbers;
}

RunHistory read_run_history(const std::filesystem::path& log_file) {
  RunHistory history;
  if (!std::filesystem::exists(log_file)) return history;
  std::istringstream lines(read_file(log_file));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (line.empty()) continue;
    const auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (entry.is_discarded() || !entry.is_object()) {
      if (lines.peek() == std::char_traits<char>::eof()) break;  // the last line, cut by a kill
      throw file_error(log_file.string(), "line " + std::to_string(number) + " is not a JSON object");
    }
    const auto number_or = [&](const char* key, double fallback) {
      const auto found = entry.find(key);
      return found != entry.end() && found->is_number() ? found->get<double>() : fallback;
    };
    const std::string type = entry.value("type", "");
    if (type == "train") {
      history.train.push_back({static_cast<long>(number_or("step", 0)), static_cast<long>(number_or("epoch", 0)),
                               number_or("loss", std::nan("")), number_or("learning_rate", std::nan(""))});
    } else if (type == "eval") {
      RunHistory::Evaluation evaluation;
      evaluation.step = static_cast<long>(number_or("step", 0));
      evaluation.epoch = static_cast<long>(number_or("epoch", 0));
      evaluation.best = entry.value("best", false);
      if (entry.contains("scores")) {
        evaluation.scores = score_map(entry["scores"], log_file, "line " + std::to_string(number) + ": score");
      }
      if (entry.contains("loss") && entry["loss"].is_number()) evaluation.scores["loss"] = entry["loss"].get<double>();
      history.evaluations.push_back(std::move(evaluation));
    }
  }
  return history;
}

}  // namespace captioner::train
