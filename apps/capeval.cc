// capeval: score captions against references exactly as pycocoevalcap 1.2 does.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "metrics/capeval.h"
#include "util/cli.h"
#include "util/error.h"

namespace po = boost::program_options;
using captioner::metrics::CapevalOptions;

namespace {

constexpr const char* kUsage = R"(Usage:
  capeval --references ANNOTATIONS.json --results RESULTS.json [--json SCORES.json] [--meteor-data DIR]
  capeval --hypotheses HYPS.txt --references REFS1.txt [REFS2.txt ...] [--json SCORES.json] [--meteor-data DIR]
  capeval --tokenize CAPTIONS.txt

Scores candidate captions with BLEU-1..4, METEOR, ROUGE-L and CIDEr-D exactly as the
COCO caption evaluation (pycocoevalcap 1.2) does, PTB tokenization included. METEOR
needs its data (scripts/get-meteor-data.sh DIR): found by --meteor-data DIR, else
$CAPEVAL_METEOR_DATA, else $XDG_DATA_HOME/captioner/meteor-1.5 (~/.local/share/...);
without it METEOR is reported unavailable.)";

int run(int argc, char** argv) {
  CapevalOptions options;
  std::string tokenization = "ptb";
  std::string tokenize_input;
  po::options_description described("Options");
  described.add_options()
      ("version", "print the version")
      ("references", po::value(&options.references)->multitoken(),
       "COCO annotation JSON (with --results), or one or more line-aligned reference text files "
       "(with --hypotheses)")
      ("results", po::value(&options.results), "COCO results JSON: [{\"image_id\", \"caption\"}, ...]")
      ("hypotheses", po::value(&options.hypotheses), "plain text, one candidate caption per line")
      ("json", po::value(&options.json_output),
       "also write corpus and per-image scores with the settings and input hashes to this file")
      ("tokenization", po::value(&tokenization)->default_value(tokenization),
       "ptb: pycocoevalcap's Stanford PTB tokenizer, lower-cased, punctuation removed; "
       "pretokenized: split on whitespace, lower-cased, punctuation removed")
      ("meteor-data", po::value(&options.meteor_data),
       "folder with METEOR 1.5's data (made by scripts/get-meteor-data.sh)")
      ("meteor-alignment", po::value(&options.meteor_alignment_image),
       "debugging: print METEOR's alignment for this image id instead of scoring")
      ("tokenize", po::value(&tokenize_input),
       "only tokenize this file's lines as the Stanford jar does (-preserveLines -lowerCase)");
  const auto parsed = captioner::parse_command(argc, argv, kUsage, described, /*accepts_config=*/false, std::cout);
  if (parsed.help_shown) return 0;
  const auto& variables = parsed.values;
  if (variables.count("version")) {
    std::cout << "capeval " << captioner::metrics::kCapevalVersion << " (pycocoevalcap 1.2 parity)\n";
    return 0;
  }
  if (!tokenize_input.empty()) {
    captioner::metrics::run_tokenize(tokenize_input, std::cout);
    return 0;
  }
  try {
    options.tokenization = captioner::metrics::parse_tokenization_mode(tokenization);
  } catch (const std::invalid_argument& error) {
    throw captioner::InputError(std::string("--tokenization: ") + error.what());
  }
  captioner::metrics::run_capeval(options, std::cout, std::cerr);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const captioner::InputError& error) {
    std::cerr << "capeval: " << error.what() << '\n';
    return 1;
  } catch (const std::filesystem::filesystem_error& error) {
    // The system refused a file operation (permissions, a full disk): the user's to fix.
    std::cerr << "capeval: " << captioner::file_error(error).what() << '\n';
    return 1;
  } catch (const std::exception& error) {
    // Not the user's fault: a bug or the system (out of memory). One line, not an abort.
    std::cerr << "capeval: internal error: " << error.what() << '\n';
    return 2;
  }
}
