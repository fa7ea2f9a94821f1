#include "train/compare.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "train/run_log.h"
#include "util/cli.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace captioner::train {
namespace {

// Settings that name the run rather than describe the experiment.
const std::set<std::string> kNotSettings = {"run.name", "run.dir", "run.resume"};
// capeval's metrics in its table's order; others follow alphabetically.
const std::vector<std::string> kMetricOrder = {"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4",
                                               "METEOR", "ROUGE_L", "CIDEr", "SPICE"};

std::map<std::string, std::string> read_config(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw file_error(file.string(), "missing: not a run directory (captioner train writes config.ini)");
  try {
    const boost::program_options::options_description none;
    const auto parsed = boost::program_options::parse_config_file(in, none, /*allow_unregistered=*/true);
    std::map<std::string, std::string> config;
    for (const auto& option : parsed.options) config[option.string_key] = option.value.empty() ? "" : option.value[0];
    return config;
  } catch (const boost::program_options::error& error) {
    throw file_error(file.string(), program_options_error_text(error));
  }
}

std::vector<std::string> metric_columns(const std::vector<RunSummary>& runs, bool test) {
  std::set<std::string> present;
  for (const auto& run : runs)
    for (const auto& [name, _] : test ? run.test : run.best_val) present.insert(name);
  std::vector<std::string> ordered;
  for (const auto& name : kMetricOrder)
    if (present.erase(name)) ordered.push_back(name);
  ordered.insert(ordered.end(), present.begin(), present.end());
  return ordered;
}

std::string score_cell(const std::map<std::string, double>& scores, const std::string& metric) {
  const auto it = scores.find(metric);
  if (it == scores.end()) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", it->second);
  return text;
}

}  // namespace

RunSummary summarize_run(const fs::path& run_dir) {
  RunSummary run;
  run.name = fs::path(run_dir).lexically_normal().filename().string();
  if (run.name.empty()) run.name = fs::path(run_dir).lexically_normal().parent_path().filename().string();
  run.config = read_config(run_dir / "config.ini");
  if (const auto history = read_run_history(run_dir / "log.jsonl"); const auto* best = history.best()) {
    run.has_val = true;
    run.best_step = best->step;
    run.best_val = best->scores;
    run.best_val.erase("loss");  // the table compares metrics
  }
  const fs::path test_scores = run_dir / "scores_test.json";
  if (fs::exists(test_scores)) {
    std::ifstream in(test_scores);
    const auto report = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (report.is_discarded() || !report.contains("corpus")) {
      throw file_error(test_scores.string(), "not a capeval report (no \"corpus\" scores)");
    }
    run.test = score_map(report["corpus"], test_scores, "corpus score");
  }
  return run;
}

ComparisonTable compare_runs(const std::vector<RunSummary>& runs) {
  std::set<std::string> keys;
  for (const auto& run : runs)
    for (const auto& [key, _] : run.config) keys.insert(key);
  std::vector<std::string> differing;
  for (const auto& key : keys) {
    if (kNotSettings.count(key)) continue;
    std::set<std::string> values;
    for (const auto& run : runs) values.insert(run.config.count(key) ? run.config.at(key) : "");
    if (values.size() > 1) differing.push_back(key);
  }
  const auto val_metrics = metric_columns(runs, false), test_metrics = metric_columns(runs, true);

  ComparisonTable table;
  table.columns.push_back("run");
  table.columns.insert(table.columns.end(), differing.begin(), differing.end());
  table.columns.push_back("best val step");
  for (const auto& metric : val_metrics) table.columns.push_back("val " + metric);
  for (const auto& metric : test_metrics) table.columns.push_back("test " + metric);
  for (const auto& run : runs) {
    std::vector<std::string> row = {run.name};
    for (const auto& key : differing) row.push_back(run.config.count(key) ? run.config.at(key) : "");
    row.push_back(run.has_val ? std::to_string(run.best_step) : "");
    for (const auto& metric : val_metrics) row.push_back(score_cell(run.best_val, metric));
    for (const auto& metric : test_metrics) row.push_back(score_cell(run.test, metric));
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string to_markdown(const ComparisonTable& table) {
  const auto escaped = [](std::string cell) {
    for (std::size_t at = 0; (at = cell.find('|', at)) != std::string::npos; at += 2) cell.insert(at, "\\");
    return cell;
  };
  std::ostringstream out;
  out << '|';
  for (const auto& column : table.columns) out << ' ' << escaped(column) << " |";
  out << "\n|";
  for (std::size_t i = 0; i < table.columns.size(); ++i) out << (i == 0 ? " --- |" : " ---: |");
  out << '\n';
  for (const auto& row : table.rows) {
    out << '|';
    for (const auto& cell : row) out << ' ' << escaped(cell) << " |";
    out << '\n';
  }
  return out.str();
}

std::string to_csv(const ComparisonTable& table) {
  const auto quoted = [](const std::string& cell) {
    if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
    std::string result = "\"";
    for (const char c : cell) result += c == '"' ? std::string("\"\"") : std::string(1, c);
    return result + '"';
  };
  std::ostringstream out;
  const auto write_row = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << quoted(cells[i]);
    out << "\r\n";
  };
  write_row(table.columns);
  for (const auto& row : table.rows) write_row(row);
  return out.str();
}

}  // namespace captioner::train
