// captioner inspect: the encoder's shape table (encoder/plan.h), from the config alone.
#include <iostream>

#include "apps/commands.h"
#include "apps/experiment_options.h"
#include "encoder/plan.h"
#include "encoder/spec.h"
#include "util/cli.h"

namespace po = boost::program_options;

namespace {

int run_inspect(int argc, char** argv) {
  captioner::apps::ExperimentOptions options;
  int64_t encode_size = 0;
  po::options_description described("Options");
  captioner::apps::add_experiment_options(described, options);
  po::options_description inspect("Inspect");
  inspect.add_options()("encode-size", po::value(&encode_size)->value_name("N"),
                        "also plan the trained encoder on larger N x N images (fully convolutional use)");
  described.add(inspect);
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner inspect --config FILE [--encoder.spec \"...\" --encoder.image-size S] [--encode-size N]\n"
      "Prints the encoder's layers with their output volumes (height x width x depth), parameter\n"
      "counts and forward MFLOP per image, planned from the spec before any tensor exists.",
      described, /*accepts_config=*/true, std::cout);
  if (parsed.help_shown) return 0;
  namespace encoder = captioner::encoder;
  const auto plan = encoder::plan_encoder(encoder::parse_spec(options.encoder.spec), options.encoder.image_size);
  // Both plans before any output: an error leaves stdout empty.
  const bool larger = parsed.values.count("encode-size") > 0;
  const auto larger_plan = larger ? encoder::plan_encoder_at(plan, encode_size, encode_size) : plan;
  std::cout << "encoder: " << options.encoder.spec << "\nbackend: " << encoder::to_string(options.encoder.backend)
            << "\n\n"
            << encoder::format_plan(plan);
  if (larger)
    std::cout << "\non " << encode_size << "x" << encode_size << " images:\n\n" << encoder::format_plan(larger_plan);
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"inspect", "print the encoder's layers: output volumes, parameters, FLOPs", 30, &run_inspect}};

}  // namespace
