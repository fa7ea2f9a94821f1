// The INI config reader (util/cli: parse_command with --config FILE), with options of every
// type the commands declare, a notifier that rejects a value as the experiment options'
// do, and a round trip: the resolved config a run keeps (resolved_config_ini) must read back
// to the same resolved config.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"
#include "util/cli.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace po = boost::program_options;

namespace {

struct Values {
  std::string spec = "conv3x12p1 relu pool2 fc10";
  int image_size = 32;
  std::string backend = "native";
  std::string dataset;
  std::vector<std::string> coco;
  int epochs = 10;
  std::size_t batch_size = 64;
  double learning_rate = 2e-3;
  float dropout = 0.2f;
  std::int64_t warmup_steps = 0;
  std::uint64_t seed = 1;
  unsigned patience = 5;
  bool resume = false;
  bool strict = false;
};

po::options_description describe(Values& values) {
  po::options_description options("Options");
  options.add_options()
      ("encoder.spec", po::value(&values.spec)->default_value(values.spec), "")
      ("encoder.image-size", po::value(&values.image_size)->default_value(values.image_size), "")
      ("encoder.backend", po::value<std::string>()->default_value(values.backend)->notifier([&values](const std::string& name) {
         if (name != "native" && name != "scratch") throw captioner::InputError("--encoder.backend: unknown backend '" + name + "'");
         values.backend = name;
       }), "")
      ("data.dir", po::value(&values.dataset), "")
      ("data.coco", po::value(&values.coco)->composing(), "")
      ("train.epochs", po::value(&values.epochs)->default_value(values.epochs), "")
      ("train.batch-size", po::value(&values.batch_size)->default_value(values.batch_size), "")
      ("train.learning-rate", po::value(&values.learning_rate)->default_value(values.learning_rate), "")
      ("train.warmup-steps", po::value(&values.warmup_steps)->default_value(values.warmup_steps), "")
      ("train.seed", po::value(&values.seed)->default_value(values.seed), "")
      ("train.patience", po::value(&values.patience)->default_value(values.patience), "")
      ("decoder.dropout", po::value(&values.dropout)->default_value(values.dropout), "")
      ("run.resume", po::value(&values.resume)->default_value(values.resume), "")
      ("strict", po::bool_switch(&values.strict), "");
  return options;
}

// Parses `config` as the command's only --config file; the resolved config, or "" when
// the file is rejected.
std::string resolve(const std::string& config) {
  Values values;
  const po::options_description options = describe(values);
  const std::string path = fuzz::write_scratch_file("config.ini", config).string();
  const char* argv[] = {"captioner train", "--config", path.c_str()};
  std::ostringstream help;
  try {
    const captioner::ParsedCommand parsed = captioner::parse_command(3, argv, "usage", options, true, help);
    FUZZ_CHECK(!parsed.help_shown);
    return captioner::resolved_config_ini(options, parsed.values);
  } catch (const captioner::InputError&) {
    return "";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string resolved = resolve(std::string(fuzz::as_text(data, size)));
  if (!resolved.empty()) FUZZ_CHECK(resolve(resolved) == resolved);
  return 0;
}
