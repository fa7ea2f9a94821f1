#include "train/captioning.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <ostream>

#include <nlohmann/json.hpp>

#include "data/batch_loader.h"
#include "data/caption_sources.h"
#include "data/image_decode.h"
#include "data/prepared_dataset.h"
#include "data/sentencepiece.h"
#include "metrics/capeval.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "util/error.h"
#include "util/file.h"
#include "util/progress.h"

namespace fs = std::filesystem;

namespace captioner::train {
namespace {

bool is_image_file(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension == ".jpg" || extension == ".jpeg" || extension == ".png" || extension == ".bmp" ||
         extension == ".webp" || extension == ".tif" || extension == ".tiff";
}

// Files as given; folders as their image files (sorted); .txt files as lists of paths
// (one a line, relative to the list's folder).
std::vector<fs::path> expand_image_paths(const std::vector<fs::path>& given) {
  std::vector<fs::path> files;
  for (const auto& path : given) {
    if (fs::is_directory(path)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(path)) {
        if (entry.is_regular_file() && is_image_file(entry.path())) found.push_back(entry.path());
      }
      if (found.empty()) throw file_error(path.string(), "the folder has no image files");
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (path.extension() == ".txt") {
      std::ifstream list(path);
      if (!list) throw file_error(path.string(), "cannot read the list of images");
      std::string line;
      while (std::getline(list, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const fs::path listed(line);
        files.push_back(listed.is_absolute() ? listed : path.parent_path() / listed);
      }
    } else {
      if (!fs::exists(path)) throw file_error(path.string(), "no such file");
      files.push_back(path);
    }
  }
  if (files.empty()) throw InputError("no images to caption");
  return files;
}

data::Split parse_split(const std::string& name) {
  if (name == "val") return data::Split::val;
  if (name == "test") return data::Split::test;
  throw InputError("--split '" + name + "' is not val or test");
}

nlohmann::json decode_settings(const decoder::DecodeOptions& o) {
  return {{"strategy", o.strategy},       {"beam", o.beam_size},        {"length_penalty", o.length_penalty},
          {"min_length", o.min_length},   {"max_length", o.max_length}, {"no_repeat_ngram", o.no_repeat_ngram_size},
          {"suppress_unk", o.suppress_unk}, {"temperature", o.temperature}, {"top_k", o.top_k},
          {"seed", o.seed}};
}

}  // namespace

fs::path caption_run(const CaptionRequest& request, std::ostream& out, std::ostream& log) {
  if (request.checkpoint != "best" && request.checkpoint != "last") {
    throw InputError("--checkpoint '" + request.checkpoint + "' is not best or last");
  }
  if (request.split.empty() == request.images.empty()) {
    throw InputError("caption either a split (--split val|test) or image files (--images), not both or neither");
  }
  if (request.score && request.split.empty()) throw InputError("--score needs a split with references (--split)");
  if (request.batch_size < 1) throw InputError("--batch-size must be at least 1");
  decoder::validate(request.decode);
  const fs::path checkpoint = request.run / "checkpoints" / (request.checkpoint + ".pt");
  if (!fs::exists(checkpoint)) throw file_error(checkpoint.string(), "no such checkpoint (has the run been trained?)");
  const auto state = read_checkpoint_state(checkpoint);

  const auto dataset = data::PreparedDataset::open(request.dataset);
  const data::SentencePieceTokenizer tokenizer(dataset.tokenizer_model());
  if (state.value("tokenizer_sha256", "") != tokenizer.model_sha256()) {
    throw file_error(dataset.tokenizer_model().string(),
                     "not the tokenizer run " + request.run.string() + " was trained with (vocabulary mismatch)");
  }
  CaptionModel model(request.model, tokenizer.vocab_size());
  load_checkpoint(checkpoint, *model, nullptr, /*restore_rng=*/false);
  model->eval();

  std::vector<std::string> keys, captions;
  std::string what;
  CaptioningTime time;
  if (!request.split.empty()) {
    const auto set = evaluation_set(dataset, parse_split(request.split));
    Progress progress("captioning " + request.split, set.size(), &log);
    captions = caption_stored_images(model, dataset.image_store(), set.store_indices, tokenizer, request.decode,
                                     request.batch_size, &progress, &time);
    keys = set.keys;
    what = request.split;
  } else {
    const auto files = expand_image_paths(request.images);
    const int size = dataset.image_size();
    const auto load = [&](std::size_t begin, std::size_t end) {
      auto batch = torch::empty({static_cast<int64_t>(end - begin), size, size, 3}, torch::kUInt8);
      for (std::size_t i = begin; i < end; ++i) {
        const cv::Mat rgb = data::preprocess_image_file(files[i], size);  // THE preprocessing
        std::memcpy(batch[static_cast<int64_t>(i - begin)].data_ptr<std::uint8_t>(), rgb.data,
                    static_cast<std::size_t>(size) * size * 3);
      }
      return batch;
    };
    Progress progress("captioning images", files.size(), &log);
    captions = caption_images(model, files.size(), load, tokenizer, request.decode, request.batch_size, &progress,
                              &time);
    for (const auto& file : files) keys.push_back(file.filename().string());
    what = "images";
  }

  nlohmann::json results = nlohmann::json::array();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    // The references' image ids for a split (data::coco_image_id); the file name for files.
    results.push_back({{"image_id", request.split.empty() ? nlohmann::json(keys[i]) : data::coco_image_id(keys[i])},
                       {"caption", captions[i]}});
  }
  const fs::path results_file = request.out.empty() ? request.run / ("results_" + what + ".json") : request.out;
  remove_stale_temporaries(results_file.has_parent_path() ? results_file.parent_path() : fs::path("."));  // of killed runs
  write_file_atomically(results_file, results.dump(1) + "\n");
  nlohmann::json settings = {{"run", request.run.string()},
                             {"checkpoint", request.checkpoint},
                             {"step", state.value("step", 0)},
                             {"dataset", request.dataset.string()},
                             {"tokenizer_sha256", tokenizer.model_sha256()},
                             {"images", keys.size()},
                             {"decode", decode_settings(request.decode)},
                             // Reading, preprocessing and encoding the images; searching their captions.
                             {"encode_seconds", time.encode_seconds},
                             {"decode_seconds", time.decode_seconds},
                             {"images_per_second",
                              keys.size() / std::max(time.encode_seconds + time.decode_seconds, 1e-9)}};
  if (!request.split.empty()) settings["split"] = request.split;
  fs::path settings_file = results_file;
  settings_file.replace_extension(".settings.json");
  write_file_atomically(settings_file, settings.dump(2) + "\n");
  log << "wrote " << results_file.string() << " (" << keys.size() << " captions)\n";

  if (request.score) {
    metrics::CapevalOptions capeval;
    capeval.references = {dataset.references(parse_split(request.split))};
    capeval.results = results_file;
    capeval.json_output = request.run / ("scores_" + request.split + ".json");
    metrics::run_capeval(capeval, out, log);
  }
  return results_file;
}

}  // namespace captioner::train
