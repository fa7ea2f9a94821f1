// captioner caption: a trained run's captions for a dataset split or image files.
#include <fstream>
#include <iostream>

#include "apps/commands.h"
#include "apps/experiment_options.h"
#include "apps/runtime.h"
#include "train/captioning.h"
#include "util/cli.h"
#include "util/error.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

// The run's own experiment options, from its config.ini.
captioner::apps::ExperimentOptions read_run_config(const fs::path& run) {
  const fs::path file = run / "config.ini";
  std::ifstream in(file);
  if (!in) throw captioner::file_error(file.string(), "cannot read the run's config (is " + run.string() + " a run?)");
  captioner::apps::ExperimentOptions options;
  po::options_description described;
  captioner::apps::add_experiment_options(described, options);
  po::variables_map values;
  try {
    po::store(po::parse_config_file(in, described, /*allow_unregistered=*/false), values);
    po::notify(values);
  } catch (const po::error& error) {
    throw captioner::file_error(file.string(), captioner::program_options_error_text(error));
  }
  return options;
}

int run_caption(int argc, char** argv) {
  // The run comes first: its config gives the model and the decoding defaults.
  std::string run;
  po::options_description locate;
  locate.add_options()("run", po::value(&run));
  po::variables_map located;
  po::store(po::command_line_parser(argc, argv).options(locate).allow_unregistered().run(), located);
  po::notify(located);
  captioner::apps::ExperimentOptions experiment;
  if (!run.empty()) experiment = read_run_config(run);

  captioner::train::CaptionRequest request;
  request.decode = experiment.decode;
  std::vector<std::string> images;
  std::string dataset, out;
  po::options_description described("Options");
  described.add_options()
      ("run", po::value<std::string>()->value_name("DIR"), "the trained run (runs/<name>)")
      ("checkpoint", po::value(&request.checkpoint)->default_value(request.checkpoint), "best | last")
      ("split", po::value(&request.split)->value_name("val|test"), "caption this split of the run's dataset")
      ("images", po::value(&images)->multitoken()->value_name("PATH..."),
       "or caption image files, folders of images, or .txt lists of image paths")
      ("data", po::value(&dataset)->value_name("DIR"), "the prepared dataset (default: the run's [data] dir)")
      ("out", po::value(&out)->value_name("FILE"),
       "results JSON (default: <run>/results_<split>.json or <run>/results_images.json)")
      ("score", po::bool_switch(&request.score), "score a split with capeval; writes <run>/scores_<split>.json")
      ("batch-size", po::value(&request.batch_size)->default_value(request.batch_size), "images decoded at once");
  captioner::apps::add_decode_options(described, request.decode);
  int threads = 0;
  captioner::apps::add_threads_option(described, threads);
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner caption --run runs/NAME (--split test | --images PATH...) [--score] [--decode.beam 5 ...]\n"
      "Writes COCO results JSON ([{\"image_id\", \"caption\"}]) with its settings beside it; decoding\n"
      "defaults to the run's [decode] section.",
      described, /*accepts_config=*/false, std::cout);
  if (parsed.help_shown) return 0;
  if (run.empty()) throw captioner::InputError("--run is required (a run directory made by captioner train)");
  captioner::apps::apply_threads(threads);
  request.run = run;
  request.model = captioner::apps::model_options(experiment);
  request.dataset = dataset.empty() ? fs::path(experiment.dataset) : fs::path(dataset);
  for (const auto& image : images) request.images.emplace_back(image);
  request.out = out;
  captioner::train::caption_run(request, std::cout, std::cerr);
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"caption", "caption a split or image files with a trained run (COCO results JSON)", 50, &run_caption}};

}  // namespace
