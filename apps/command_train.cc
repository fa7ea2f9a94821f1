// captioner train: trains (or resumes) a run from an experiment config.
#include <algorithm>
#include <iostream>
#include <thread>

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
  captioner::train::DistributedOptions distributed;
  std::string device = "cpu";
  int timeout_seconds = static_cast<int>(distributed.timeout.count());
  int bucket_kib = static_cast<int>(distributed.bucket_bytes >> 10);
  machine.add_options()
      ("device", po::value(&device)->default_value(device),
       "cpu | cuda (needs a LibTorch built with CUDA); a data-parallel rank takes GPU LOCAL_RANK")
      ("dist-timeout", po::value(&timeout_seconds)->default_value(timeout_seconds)->value_name("SECONDS"),
       "data-parallel runs: how long a rank waits for the others (e.g. while rank 0 evaluates) before it stops "
       "with an error; a rank that dies is noticed at once")
      ("dist-bucket-kib", po::value(&bucket_kib)->default_value(bucket_kib)->value_name("KIB"),
       "data-parallel runs: gradients are all-reduced in buckets of about this size, overlapping backward");
  described.add(machine);
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner train --config FILE [--section.key VALUE ...]\n"
      "Trains the encoder-decoder captioner on a prepared dataset, evaluating on its val split;\n"
      "writes runs/<name>/ (config.ini, log.jsonl, checkpoints/last.pt and best.pt). Rerun the\n"
      "same command to resume an interrupted run from its last checkpoint.\n"
      "Data-parallel over processes and machines: start one process per rank with RANK, WORLD_SIZE,\n"
      "MASTER_ADDR and MASTER_PORT set, like torchrun (scripts/launch-local.sh N -- captioner train ...).\n"
      "train.batch-size is then the global batch; --threads defaults to the cores / LOCAL_WORLD_SIZE.",
      described, /*accepts_config=*/true, std::cout);
  if (parsed.help_shown) return 0;
  distributed.environment = captioner::train::distributed_environment();
  if (parsed.values["threads"].defaulted()) {
    // The processes of a data-parallel run on one machine share its cores.
    threads = std::max(1, threads / distributed.environment.local_world_size);
  }
  if (timeout_seconds < 1) throw captioner::InputError("--dist-timeout must be at least 1 second");
  if (bucket_kib < 1) throw captioner::InputError("--dist-bucket-kib must be at least 1");
  distributed.timeout = std::chrono::seconds(timeout_seconds);
  distributed.bucket_bytes = static_cast<std::size_t>(bucket_kib) << 10;
  captioner::apps::apply_threads(threads);
  if (options.dataset.empty()) throw captioner::InputError("no dataset: set [data] dir in the config or --data.dir");
  captioner::train::TrainingConfig config;
  config.dataset = options.dataset;
  config.model = captioner::apps::model_options(options);
  config.train = options.train;
  config.decode = options.decode;
  config.run = options.run;
  config.distributed = distributed;
  config.device = device;
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
