#include "data/prepared_dataset.h"

#include <string_view>
#include <unordered_map>

#include "data/prepare.h"
#include "util/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace captioner::data {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kRerun = " (an interrupted or mixed prepare? run captioner prepare again)";

// The file's bytes, checked against the SHA-256 the manifest records for it.
std::string read_vouched_file(const fs::path& dir, const json& manifest, const std::string& name) {
  const fs::path path = dir / name;
  const fs::path manifest_path = dir / "manifest.json";
  if (!manifest.contains("files") || !manifest["files"].contains(name) || !manifest["files"][name].is_string()) {
    throw file_error(manifest_path.string(), "names no SHA-256 for " + name);
  }
  std::error_code error;
  if (!fs::is_regular_file(path, error)) throw file_error(path.string(), std::string("is missing") + kRerun);
  std::string bytes = read_file(path);
  if (sha256_hex(bytes) != manifest["files"][name].get<std::string>()) {
    throw file_error(path.string(), std::string("is not the file manifest.json describes") + kRerun);
  }
  return bytes;
}

}  // namespace

PreparedDataset PreparedDataset::open(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) throw file_error(dir.string(), "is not a folder (a prepared data set)");
  const fs::path manifest_path = dir / "manifest.json";
  if (!fs::is_regular_file(manifest_path, error)) {
    throw file_error(manifest_path.string(),
                     "is missing: not a prepared data set, or prepare did not finish (run captioner prepare)");
  }
  json manifest;
  try {
    manifest = json::parse(read_file(manifest_path));
  } catch (const json::parse_error& parse_error) {
    throw file_error(manifest_path.string(), std::string("malformed JSON: ") + parse_error.what());
  }
  if (!manifest.is_object() || manifest.value("format", "") != "captioner-prepared") {
    throw file_error(manifest_path.string(), "is not the manifest of a prepared data set");
  }
  const int version = manifest.value("version", 0);
  if (version != kPreparedVersion) {
    throw file_error(manifest_path.string(), "is format version " + std::to_string(version) + "; this build reads version " +
                                                 std::to_string(kPreparedVersion) + " (run captioner prepare again)");
  }
  for (const char* name : {"spm.model", "spm.vocab", "references_val.json", "references_test.json", "images.json"}) {
    read_vouched_file(dir, manifest, name);
  }
  PreparedDataset dataset(dir, manifest, ImageStore::open(dir));
  dataset.vocab_size_ = manifest.at("tokenizer").at("vocab_size").get<int>();

  const std::string lines = read_vouched_file(dir, manifest, "captions.jsonl");
  const std::string captions_path = (dir / "captions.jsonl").string();
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start < lines.size()) {
    std::size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    const std::string_view line(lines.data() + start, end - start);
    start = end + 1;
    ++line_number;
    const std::string where = "line " + std::to_string(line_number);
    PreparedCaption caption;
    std::string key, split;
    try {
      const json entry = json::parse(line);
      key = entry.at("image").get<std::string>();
      split = entry.at("split").get<std::string>();
      caption.raw = entry.at("raw").get<std::string>();
      caption.text = entry.at("text").get<std::string>();
      caption.tokens = entry.at("tokens").get<std::vector<std::int32_t>>();
    } catch (const json::exception& problem) {
      throw file_error(captions_path, where + ": " + problem.what());
    }
    int s = -1;
    for (const Split candidate : kSplits) {
      if (split == split_name(candidate)) s = static_cast<int>(candidate);
    }
    if (s < 0) throw file_error(captions_path, where + ": unknown split \"" + split + "\"");
    for (const auto token : caption.tokens) {
      if (token < 0 || token >= dataset.vocab_size_) {
        throw file_error(captions_path, where + ": token id " + std::to_string(token) + " outside the vocabulary");
      }
    }
    auto& images = dataset.images_[s];
    if (images.empty() || images.back().key != key) {
      const auto index = dataset.store_.index_of(key);
      if (!index) throw file_error(captions_path, where + ": image " + key + " is not in the image store" + kRerun);
      images.push_back({key, *index, {}});
    }
    images.back().captions.push_back(std::move(caption));
  }
  return dataset;
}

fs::path PreparedDataset::references(Split split) const {
  if (split == Split::train) throw InputError("the train split has no references file (only val and test)");
  return dir_ / (std::string("references_") + split_name(split) + ".json");
}

}  // namespace captioner::data
