#include "metrics/capeval.h"

#include <cstdio>
#include <iomanip>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/caption_io.h"
#include "metrics/meteor.h"
#include "metrics/meteor_data.h"
#include "metrics/ptb_tokenizer.h"
#include "metrics/scorer.h"
#include "util/error.h"
#include "util/file.h"

namespace captioner::metrics {
namespace {

using nlohmann::json;

// METEOR's data, or why it is unavailable (then METEOR is left out, never approximated).
struct MeteorSetup {
  std::optional<MeteorData> data;
  std::string unavailable;
};

MeteorSetup set_up_meteor(const CapevalOptions& options, std::ostream& log) {
  MeteorSetup setup;
  const std::optional<MeteorDataLocation> location = locate_meteor_data(options.meteor_data);
  if (location && meteor_data_complete(location->folder)) {
    setup.data = MeteorData::load(location->folder, log);
    return setup;
  }
  const std::string get = "get it with scripts/get-meteor-data.sh [DIR] and give DIR by --meteor-data or CAPEVAL_METEOR_DATA";
  if (!options.meteor_data.empty()) {
    throw file_error(options.meteor_data.string(), "not a METEOR data folder (a file is missing); " + get);
  }
  setup.unavailable = location ? "no METEOR data in " + location->folder.string() + " (" + location->source + "); " + get
                               : "no METEOR data (neither HOME nor XDG_DATA_HOME is set); " + get;
  return setup;
}

LoadedCaptions load(const CapevalOptions& options) {
  const bool coco = !options.results.empty();
  const bool text = !options.hypotheses.empty();
  if (coco == text) {
    throw InputError("give either --results (COCO JSON) or --hypotheses (plain text), with --references");
  }
  if (options.references.empty()) throw InputError("--references is required");
  if (coco) {
    if (options.references.size() != 1) {
      throw InputError("COCO mode takes one --references annotation file, not " +
                       std::to_string(options.references.size()));
    }
    return read_coco_captions(options.references.front(), options.results);
  }
  return read_text_captions(options.hypotheses, options.references);
}

std::size_t count_references(const CaptionSet& captions) {
  std::size_t count = 0;
  for (const auto& references : captions.references) count += references.size();
  return count;
}

json json_report(const CapevalOptions& options, const LoadedCaptions& loaded, const Evaluation& evaluation,
                 const MeteorSetup& meteor) {
  json report;
  report["tool"] = {{"name", "capeval"}, {"version", kCapevalVersion}, {"reference", "pycocoevalcap 1.2"}};
  json inputs = json::array();
  for (const InputFile& file : loaded.files) {
    inputs.push_back({{"path", file.path}, {"bytes", file.bytes}, {"sha256", file.sha256}});
  }
  report["settings"] = {{"mode", options.results.empty() ? "text" : "coco"},
                        {"tokenization", tokenization_mode_name(options.tokenization)},
                        {"inputs", inputs}};
  report["counts"] = {{"images", loaded.captions.size()},
                      {"references", count_references(loaded.captions)},
                      {"images_without_result", loaded.images_without_result}};
  json corpus = json::object();
  for (const MetricScore& score : evaluation.scores) corpus[score.name] = score.corpus;
  report["corpus"] = corpus;
  report["unavailable"] = json::object();
  if (meteor.data) {
    json files = json::array();
    for (const MeteorDataFile& file : meteor.data->files) {
      files.push_back({{"path", file.relative_path}, {"bytes", file.bytes}, {"sha256", file.sha256}});
    }
    report["meteor_data"] = {{"folder", meteor.data->folder.string()}, {"files", files}};
  } else {
    report["unavailable"]["METEOR"] = meteor.unavailable;
  }
  const BleuStatistics& bleu = evaluation.bleu_statistics;
  report["bleu_statistics"] = {{"testlen", bleu.candidate_length},
                               {"reflen", bleu.reference_length},
                               {"guess", bleu.guess},
                               {"correct", bleu.correct}};
  json per_image = json::array();
  for (std::size_t i = 0; i < loaded.captions.size(); ++i) {
    json image = {{"image_id", json::parse(loaded.captions.image_ids[i])}};
    for (const MetricScore& score : evaluation.scores) image[score.name] = score.per_image[i];
    per_image.push_back(std::move(image));
  }
  report["per_image"] = std::move(per_image);
  report["timings_seconds"] = {{"tokenize", evaluation.tokenize_seconds}, {"score", evaluation.score_seconds}};
  if (meteor.data) {
    report["timings_seconds"]["meteor_data_load"] = meteor.data->load_seconds;
    report["timings_seconds"]["meteor"] = evaluation.meteor_seconds;
  }
  return report;
}

void print_table(const LoadedCaptions& loaded, const Evaluation& evaluation, TokenizationMode tokenization,
                 const MeteorSetup& meteor, std::ostream& out) {
  out << "capeval " << kCapevalVersion << ": " << loaded.captions.size() << " images, "
      << count_references(loaded.captions) << " references, " << tokenization_mode_name(tokenization)
      << " tokenization\n";
  auto row = [&out](std::string_view name) -> std::ostream& {
    return out << "  " << std::left << std::setw(9) << name;
  };
  for (const MetricScore& score : evaluation.scores) {
    if (score.name == "ROUGE_L" && !meteor.data) row("METEOR") << "unavailable (" << meteor.unavailable << ")\n";
    row(score.name) << std::fixed << std::setprecision(6) << score.corpus << '\n';
  }
}

}  // namespace

void run_capeval(const CapevalOptions& options, std::ostream& out, std::ostream& log) {
  const LoadedCaptions loaded = load(options);
  if (loaded.images_without_result > 0) {
    log << "capeval: note: " << loaded.images_without_result << " annotated images have no result and are not "
        << "scored (as in pycocoevalcap's demo)\n";
  }
  const MeteorSetup meteor = set_up_meteor(options, log);
  if (!options.meteor_alignment_image.empty()) {
    if (!meteor.data) throw InputError("--meteor-alignment: " + meteor.unavailable);
    const CaptionSet& captions = loaded.captions;
    for (std::size_t i = 0; i < captions.size(); ++i) {
      if (captions.image_ids[i] != options.meteor_alignment_image) continue;
      const TokenizedCorpus corpus = tokenize_corpus(captions, *make_tokenizer(options.tokenization));
      out << MeteorScorer(*meteor.data).describe(corpus.candidates[i], corpus.references[i]);
      return;
    }
    throw InputError("--meteor-alignment: no image " + options.meteor_alignment_image + " among the scored images");
  }
  const Evaluation evaluation = evaluate(loaded.captions, options.tokenization, meteor.data ? &*meteor.data : nullptr);
  if (!options.json_output.empty()) {
    const std::filesystem::path report(options.json_output);
    remove_stale_temporaries(report.has_parent_path() ? report.parent_path() : ".");  // of killed runs
    write_file_atomically(options.json_output, json_report(options, loaded, evaluation, meteor).dump(1) + "\n");
  }
  print_table(loaded, evaluation, options.tokenization, meteor, out);
}

void run_tokenize(const std::filesystem::path& input, std::ostream& out) {
  // The jar's view of the file: every '\n' ends a line, and one at the very end is
  // followed by an empty last line (which the lexer sees after the line before it).
  const std::string text = read_text_file(input).text;
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  const std::vector<std::string> tokenized = ptb_tokenize_lines(lines);
  for (std::size_t i = 0; i < tokenized.size(); ++i) {
    if (i > 0) out << '\n';
    out << tokenized[i];
  }
}

}  // namespace captioner::metrics
