#include "train/report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/caption_sources.h"
#include "data/prepared_dataset.h"
#include "train/evaluate.h"
#include "util/error.h"
#include "util/file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace captioner::train {
namespace {

json read_json_file(const fs::path& file, const std::string& missing_hint) {
  if (!fs::exists(file)) throw file_error(file.string(), "missing: " + missing_hint);
  std::ifstream in(file);
  if (!in) throw file_error(file.string(), "cannot read it");
  const auto parsed = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw file_error(file.string(), "not valid JSON");
  return parsed;
}

// An image id as the results and scores files write it, as a map key.
std::string id_key(const json& image_id) { return image_id.dump(); }

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const unsigned value = bytes[i] << 16 | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                           (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kAlphabet[value >> 18 & 63];
    out += kAlphabet[value >> 12 & 63];
    out += i + 1 < bytes.size() ? kAlphabet[value >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[value & 63] : '=';
  }
  return out;
}

// A stored S x S RGB image as a JPEG data: URI (the page carries its images inside it).
std::string stored_image_data_uri(const data::ImageStore& store, std::size_t index) {
  const int size = store.image_size();
  const cv::Mat rgb(size, size, CV_8UC3, const_cast<std::uint8_t*>(store.image(index)));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", bgr, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  return "data:image/jpeg;base64," + base64(jpeg);
}

data::Split parse_split(const std::string& name) {
  if (name == "val") return data::Split::val;
  if (name == "test") return data::Split::test;
  throw InputError("--split '" + name + "' is not val or test");
}

std::string config_value(const RunSummary& run, const std::string& key, const std::string& fallback = "") {
  const auto found = run.config.find(key);
  return found == run.config.end() || found->second.empty() ? fallback : found->second;
}

bool same_path(const fs::path& a, const fs::path& b) {
  std::error_code error_a, error_b;
  const auto canonical_a = fs::weakly_canonical(a, error_a), canonical_b = fs::weakly_canonical(b, error_b);
  return !error_a && !error_b ? canonical_a == canonical_b : a.lexically_normal() == b.lexically_normal();
}

// The blind baseline: a run beside this one, on the same dataset, with no image input
// (decoder.init = none, as experiments/configs/ablations/blind.ini), scored on the split.
void add_blind_baseline(RunReport& report, const std::string& dataset_setting) {
  const fs::path parent = report.dir.lexically_normal().parent_path();
  std::vector<fs::path> candidates;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(parent.empty() ? fs::path(".") : parent, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "config.ini") &&
        fs::exists(entry.path() / ("scores_" + report.split + ".json"))) {
      candidates.push_back(entry.path());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (const auto& candidate : candidates) {
    if (same_path(candidate, report.dir)) continue;
    const RunSummary other = summarize_run(candidate);
    if (config_value(other, "decoder.init") != "none") continue;
    if (!same_path(config_value(other, "data.dir"), dataset_setting)) continue;
    const fs::path scores_file = candidate / ("scores_" + report.split + ".json");
    const json scores = read_json_file(scores_file, "");
    report.scores.push_back({"blind baseline (" + other.name + ": no image)", scores_file.string(),
                             score_map(scores.value("corpus", json()), scores_file, "corpus score")});
    return;
  }
  report.notes.push_back("No blind baseline: no run beside this one (in " + parent.string() +
                         ") has decoder.init = none on the same dataset and scores_" + report.split +
                         ".json (experiments/configs/ablations/blind.ini trains one).");
}

// The oracle: `captioner synth` writes oracle_<split>.json (each image's held-out sixth
// caption, COCO results format) beside the split file the dataset was prepared from. It is
// scored here against the same references as the run.
void add_oracle(RunReport& report, const EvaluationSet& set) {
  const std::string name = "oracle_" + report.split + ".json";
  fs::path found;
  for (const auto& input : report.manifest.value("inputs", json::object()).value("files", json::array())) {
    const fs::path candidate = fs::path(input.value("path", "")).parent_path() / name;
    if (input.contains("path") && fs::exists(candidate)) {
      found = candidate;
      break;
    }
  }
  if (found.empty()) {
    report.notes.push_back("No oracle row: no " + name + " beside the dataset's source files (captioner synth writes one).");
    return;
  }
  const json oracle = read_json_file(found, "");
  if (!oracle.is_array()) throw file_error(found.string(), "not a COCO results list");
  std::map<std::string, std::string> captions;
  for (const auto& result : oracle) {
    if (result.is_object() && result.contains("image_id") && result.value("caption", json()).is_string()) {
      captions[id_key(result["image_id"])] = result["caption"].get<std::string>();
    }
  }
  std::vector<std::string> ordered;
  for (const auto& key : set.keys) {
    const auto caption = captions.find(id_key(data::coco_image_id(key)));
    if (caption == captions.end()) {
      report.notes.push_back("No oracle row: " + found.string() + " has no caption for image " + key + ".");
      return;
    }
    ordered.push_back(caption->second);
  }
  std::map<std::string, double> scores;
  for (const auto& [metric, value] : corpus_scores(score_captions(set, ordered))) scores[metric] = value;
  report.scores.push_back({"oracle (each image's held-out human caption)", found.string(), scores});
}

// Every image when there are few; else the best and worst quarter of the limit each, and the
// rest of it drawn at random (seeded: the same page every time) from the middle.
void select_gallery(std::vector<GalleryItem>& items, std::size_t limit, std::string& selection) {
  const std::size_t total = items.size();
  if (total <= limit) {
    selection = "all " + std::to_string(total) + " images";
    return;
  }
  const std::size_t edge = limit / 4, random = limit - 2 * edge;
  std::vector<GalleryItem> chosen(items.begin(), items.begin() + edge);
  for (auto& item : chosen) item.group = "best";
  std::vector<std::size_t> middle(total - 2 * edge);
  for (std::size_t i = 0; i < middle.size(); ++i) middle[i] = edge + i;
  std::mt19937_64 generator(1);
  std::shuffle(middle.begin(), middle.end(), generator);
  middle.resize(random);
  std::sort(middle.begin(), middle.end());
  for (const std::size_t i : middle) {
    chosen.push_back(items[i]);
    chosen.back().group = "random";
  }
  for (std::size_t i = total - edge; i < total; ++i) {
    chosen.push_back(items[i]);
    chosen.back().group = "worst";
  }
  selection = std::to_string(chosen.size()) + " of " + std::to_string(total) + " images: the " +
              std::to_string(edge) + " best, the " + std::to_string(edge) + " worst and " + std::to_string(random) +
              " drawn at random from the others";
  items = std::move(chosen);
}

}  // namespace

RunReport gather_run_report(const ReportRequest& request) {
  const data::Split split = parse_split(request.split);
  if (request.gallery_limit < 4) throw InputError("--gallery must be at least 4 images");
  RunReport report;
  report.dir = request.run;
  report.split = request.split;
  if (!fs::is_directory(request.run)) throw file_error(request.run.string(), "not a directory (a run is runs/<name>)");
  const RunSummary run = summarize_run(request.run);
  report.name = run.name;
  report.metric = config_value(run, "train.metric", "CIDEr");
  report.config_ini = read_file(request.run / "config.ini");
  report.history = read_run_history(request.run / "log.jsonl");

  // What `captioner caption --split S --score` wrote.
  const std::string caption_command =
      "run `captioner caption --run " + request.run.string() + " --split " + request.split + " --score` first";
  const fs::path results_file = request.run / ("results_" + request.split + ".json");
  const fs::path scores_file = request.run / ("scores_" + request.split + ".json");
  const json results = read_json_file(results_file, caption_command);
  const json scores = read_json_file(scores_file, caption_command);
  fs::path settings_file = results_file;
  settings_file.replace_extension(".settings.json");
  report.caption_settings = fs::exists(settings_file) ? read_json_file(settings_file, "") : json::object();
  report.checkpoint_name = report.caption_settings.value("checkpoint", "best");
  const fs::path sidecar = request.run / "checkpoints" / (report.checkpoint_name + ".pt.json");
  report.checkpoint = fs::exists(sidecar) ? read_json_file(sidecar, "") : json::object();
  report.scores.push_back({"captioner (" + run.name + ", " + report.checkpoint_name + ".pt)", scores_file.string(),
                           score_map(scores.value("corpus", json()), scores_file, "corpus score")});

  // The dataset the captions were made from (caption's --data), else the run's own.
  const std::string dataset_setting =
      report.caption_settings.value("dataset", config_value(run, "data.dir"));
  if (dataset_setting.empty()) throw file_error((request.run / "config.ini").string(), "has no [data] dir");
  report.dataset_dir = dataset_setting;
  const auto dataset = data::PreparedDataset::open(report.dataset_dir);
  report.manifest = dataset.manifest();
  const EvaluationSet set = evaluation_set(dataset, split);
  report.split_images = set.size();

  add_blind_baseline(report, dataset_setting);
  add_oracle(report, set);

  // The gallery: every image of the split with its caption and per-image scores.
  if (!results.is_array()) throw file_error(results_file.string(), "not a COCO results list");
  std::map<std::string, std::string> captions;
  for (const auto& result : results) {
    if (!result.is_object() || !result.contains("image_id") || !result.value("caption", json()).is_string()) {
      throw file_error(results_file.string(), "an entry without image_id and caption");
    }
    captions[id_key(result["image_id"])] = result["caption"].get<std::string>();
  }
  std::map<std::string, std::map<std::string, double>> per_image;
  for (const auto& image : scores.value("per_image", json::array())) {
    if (!image.is_object() || !image.contains("image_id")) {
      throw file_error(scores_file.string(), "a per_image entry without image_id");
    }
    json metrics = image;
    metrics.erase("image_id");
    per_image[id_key(image["image_id"])] = score_map(metrics, scores_file, "per-image score");
  }
  std::vector<GalleryItem> items;
  for (std::size_t i = 0; i < set.size(); ++i) {
    const std::string id = id_key(data::coco_image_id(set.keys[i]));
    const auto caption = captions.find(id);
    if (caption == captions.end()) {
      throw file_error(results_file.string(), "no caption for " + request.split + " image " + set.keys[i] +
                                                  " (captioned with another dataset? " + caption_command + ")");
    }
    GalleryItem item;
    item.key = set.keys[i];
    item.caption = caption->second;
    item.references = set.references[i];
    const auto found = per_image.find(id);
    if (found != per_image.end()) item.scores = found->second;
    item.store_index = set.store_indices[i];
    items.push_back(std::move(item));
  }
  // Best first by the run's metric (ties: the split's order), so ranks and the edges of
  // the gallery are the best and worst images.
  const std::string metric = report.metric;
  std::stable_sort(items.begin(), items.end(), [&metric](const GalleryItem& a, const GalleryItem& b) {
    const auto score = [&metric](const GalleryItem& item) {
      const auto found = item.scores.find(metric);
      return found == item.scores.end() ? -1.0 : found->second;
    };
    return score(a) > score(b);
  });
  for (std::size_t i = 0; i < items.size(); ++i) items[i].rank = i + 1;
  select_gallery(items, request.gallery_limit, report.gallery_selection);
  for (auto& item : items) {
    item.image_data_uri = stored_image_data_uri(dataset.image_store(), item.store_index);
  }
  report.gallery = std::move(items);
  return report;
}

RunComparison gather_comparison(const std::vector<fs::path>& run_dirs) {
  if (run_dirs.empty()) throw InputError("--compare needs at least one run directory");
  RunComparison comparison;
  std::vector<RunSummary> summaries;
  for (const auto& dir : run_dirs) {
    if (!fs::is_directory(dir)) throw file_error(dir.string(), "not a directory (a run is runs/<name>)");
    summaries.push_back(summarize_run(dir));
    comparison.runs.push_back({summaries.back().name, read_run_history(dir / "log.jsonl")});
  }
  comparison.metric = config_value(summaries.front(), "train.metric", "CIDEr");
  comparison.table = compare_runs(summaries);
  return comparison;
}

}  // namespace captioner::train
