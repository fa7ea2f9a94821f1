// captioner compare: several runs' best validation and test scores, with the settings in
// which they differ, as one table (train/compare.h): markdown on stdout, and .md + .csv files.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "train/compare.h"
#include "util/cli.h"
#include "util/error.h"
#include "util/file.h"

namespace po = boost::program_options;

namespace {

int run_compare(int argc, char** argv) {
  std::vector<std::string> run_dirs;
  std::string out = "runs/compare";
  po::options_description described("Options");
  described.add_options()
      ("runs", po::value(&run_dirs)->multitoken()->required()->value_name("DIR..."), "run directories (runs/*)")
      ("out", po::value(&out)->default_value(out)->value_name("PREFIX"), "writes PREFIX.md and PREFIX.csv");
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner compare --runs runs/* [--out runs/compare]\n"
      "One table of the runs' best validation scores (log.jsonl) and test scores (scores_test.json,\n"
      "from captioner caption --split test --score), with every setting in which they differ.",
      described, /*accepts_config=*/false, std::cout);
  if (parsed.help_shown) return 0;

  std::vector<captioner::train::RunSummary> runs;
  for (const auto& dir : run_dirs) {
    if (!std::filesystem::is_directory(dir)) throw captioner::file_error(dir, "not a directory");
    // A folder of runs' outputs that is not a run (e.g. runs/compare.md's folder) is skipped.
    if (!std::filesystem::exists(std::filesystem::path(dir) / "config.ini")) {
      std::cerr << "captioner compare: skipping " << dir << " (no config.ini: not a run)\n";
      continue;
    }
    runs.push_back(captioner::train::summarize_run(dir));
  }
  if (runs.empty()) throw captioner::InputError("none of the --runs directories is a run (no config.ini)");
  const auto table = captioner::train::compare_runs(runs);
  const std::string markdown = captioner::train::to_markdown(table);
  captioner::write_file_atomically(out + ".md", markdown);
  captioner::write_file_atomically(out + ".csv", captioner::train::to_csv(table));
  std::cout << markdown;
  std::cerr << "wrote " << out << ".md and " << out << ".csv\n";
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"compare", "one table of several runs' scores and differing settings", 55, &run_compare}};

}  // namespace
