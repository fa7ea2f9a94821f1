// captioner synth: writes the built-in synthetic benchmark (data/synth.h).
#include <iostream>

#include "apps/commands.h"
#include "apps/runtime.h"
#include "data/synth.h"
#include "util/cli.h"

namespace po = boost::program_options;

namespace {

int run_synth(int argc, char** argv) {
  captioner::data::SynthOptions options;  // its defaults are the options' defaults
  std::string out;
  po::options_description described("Options");
  described.add_options()
      ("out", po::value(&out)->value_name("DIR"), "directory to write the data set into (required)")
      ("count", po::value(&options.count)->default_value(options.count),
       "images in all; the training split gets what val and test leave")
      ("val-count", po::value(&options.val_count)->default_value(options.val_count), "images in the validation split")
      ("test-count", po::value(&options.test_count)->default_value(options.test_count), "images in the test split")
      ("image-size", po::value(&options.image_size)->default_value(options.image_size),
       "side of the square images in pixels (32 to 1024)")
      ("seed", po::value(&options.seed)->default_value(options.seed),
       "random seed: the same seed gives the same data set, byte for byte")
      ("max-objects", po::value(&options.max_objects)->default_value(options.max_objects),
       "objects per image at most (1 to 3)")
      ("noise", po::value(&options.noise)->default_value(options.noise),
       "standard deviation of the pixel noise, 0..255 units")
      ("jpeg-quality", po::value(&options.jpeg_quality)->default_value(options.jpeg_quality), "JPEG quality (1 to 100)");
  captioner::apps::add_threads_option(described, options.threads);
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner synth --out DIR [--count 12000 --image-size 64 --seed 1]\n"
      "Writes the synthetic shapes benchmark: images/*.jpg, captions_{train,val,test}.json (COCO),\n"
      "dataset_shapes.json (Karpathy split), oracle_{val,test}.json (the held-out sixth caption,\n"
      "COCO results), scenes.json and synth.json.",
      described, /*accepts_config=*/true, std::cout);
  if (parsed.help_shown) return argc <= 1 ? 1 : 0;
  options.out = out;
  const auto summary = captioner::data::generate_synth(options);
  std::cout << "wrote " << options.count << " images (train " << summary.train << ", val " << summary.val
            << ", test " << summary.test << ") to " << options.out.string() << " in " << summary.seconds << " s\n";
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"synth", "write the synthetic shapes benchmark (images, COCO captions, Karpathy split, oracle)", 10, &run_synth}};

}  // namespace
