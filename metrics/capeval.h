#pragma once
// capeval, the metrics tool: reads captions, scores them, prints a table and writes
// the JSON report. apps/capeval.cc only parses the command line into CapevalOptions.

#include <filesystem>
#include <iosfwd>
#include <string_view>
#include <vector>

#include "metrics/tokenizer.h"

namespace captioner::metrics {

inline constexpr std::string_view kCapevalVersion = "0.1.0";

struct CapevalOptions {
  // COCO mode: one annotation file in `references` and a results file in `results`.
  // Text mode: `hypotheses` and one or more line-aligned `references` files.
  std::vector<std::filesystem::path> references;
  std::filesystem::path results;
  std::filesystem::path hypotheses;
  std::filesystem::path json_output;  // empty: no JSON report
  TokenizationMode tokenization = TokenizationMode::kPtb;
  // METEOR's data folder (--meteor-data); empty: CAPEVAL_METEOR_DATA or the default
  // folder (see locate_meteor_data), and METEOR is reported unavailable if not there.
  std::filesystem::path meteor_data;
  // Debugging: print METEOR's alignment for the image with this id (as the input
  // spells it) instead of scoring.
  std::string meteor_alignment_image;
};

// Scores and reports. Throws InputError for bad options or input; writes nothing then.
void run_capeval(const CapevalOptions& options, std::ostream& out, std::ostream& log);

// The PTB tokenizer alone: each line of `input` tokenized as the Stanford jar with
// -preserveLines -lowerCase prints it (before pycocoevalcap removes punctuation).
void run_tokenize(const std::filesystem::path& input, std::ostream& out);

}  // namespace captioner::metrics
