// captioner train: trains (or resumes) a run from an experiment config.
#include <iostream>

#include "apps/commands.h"
#include "apps/experiment_options.h"
#include "apps/runtime.h"
#include "train/trainer.h"
#include "util/cli.h"
#include "util/error.h"

namespace po = boost::program_options;

namespace {

int run_train(int argc, char** argv) {
  captioner::apps::ExperimentOptions options;
  po::options_description experiment("Experiment");
  captioner::apps::add_experiment_options(experiment, options);
  po::options_description described("Options");
  described.add(experiment);
  int threads = 0;
  po::options_description machine("Machine");
  captioner::apps::add_threads_option(machine, threads);
  described.add(machine);
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner train --config FILE [--section.key VALUE ...]\n"
      "Trains the encoder-decoder captioner on a prepared dataset, evaluating on its val split;\n"
      "writes runs/<name>/ (config.ini, log.jsonl, checkpoints/last.pt and best.pt). Rerun the\n"
      "same command to resume an interrupted run from its last checkpoint.",
      described, /*accepts_config=*/true, std::cout);
  if (parsed.help_shown) return 0;
  captioner::apps::apply_threads(threads);
  if (options.dataset.empty()) throw captioner::InputError("no dataset: set [data] dir in the config or --data.dir");
  captioner::train::TrainingConfig config;
  config.dataset = options.dataset;
  config.model = captioner::apps::model_options(options);
  config.train = options.train;
  config.decode = options.decode;
  config.run = options.run;
  if (config.run.name.empty()) {
    config.run.name = parsed.config_path.empty() ? "run" : std::filesystem::path(parsed.config_path).stem().string();
  }
  // The resolved config (without --threads, which changes no result's meaning) is what the
  // run keeps and what a resume must match.
  config.resolved_config = captioner::resolved_config_ini(experiment, parsed.values);
  captioner::train::train_model(config, std::cerr);
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"train", "train a captioner (or resume a run) from an experiment config", 40, &run_train}};

}  // namespace
