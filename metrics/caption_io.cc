#include "metrics/caption_io.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "metrics/utf8.h"
#include "util/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace captioner::metrics {
namespace {

using nlohmann::json;

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

TextFile read_text_file(const std::filesystem::path& path) {
  TextFile result;
  result.text = read_file(path);
  result.file.path = path.string();
  result.file.bytes = result.text.size();
  result.file.sha256 = sha256_hex(result.text);
  const std::size_t invalid = find_invalid_utf8(result.text);
  if (invalid != std::string_view::npos) {
    throw file_error(result.file.path, "invalid UTF-8 at byte " + std::to_string(invalid) + " (line " +
                                           std::to_string(line_of_offset(result.text, invalid)) + ")");
  }
  return result;
}

namespace {

json parse_json(const TextFile& file) {
  try {
    return json::parse(file.text);
  } catch (const json::exception& error) {  // parse_error, or out_of_range for a number like 1e999
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...".
    std::string_view message = error.what();
    if (const std::size_t end = message.find("] "); end != std::string_view::npos) {
      message.remove_prefix(end + 2);
    }
    throw file_error(file.file.path, "malformed JSON: " + std::string(message));
  }
}

bool is_blank(std::string_view caption) { return rstrip_python_whitespace(caption).empty(); }

// An image id as a key and for messages: its JSON text (42, or "COCO_val_42").
std::string image_id_key(const json& id, const std::string& path, const std::string& where) {
  if (id.is_number_integer() || id.is_string()) return id.dump();
  throw file_error(path, where + ": \"image_id\" must be an integer or a string, not " + id.dump());
}

struct Caption {
  std::string image_id;
  std::string text;
};

// The {"image_id", "caption"} objects of `entries`, checked.
std::vector<Caption> read_caption_entries(const json& entries, const std::string& path,
                                          const std::string& list_name) {
  std::vector<Caption> captions;
  captions.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string where = list_name + "[" + std::to_string(i) + "]";
    const json& entry = entries[i];
    if (!entry.is_object()) throw file_error(path, where + " is not an object");
    if (!entry.contains("image_id")) throw file_error(path, where + " has no \"image_id\"");
    if (!entry.contains("caption")) throw file_error(path, where + " has no \"caption\"");
    Caption caption{image_id_key(entry["image_id"], path, where), {}};
    if (!entry["caption"].is_string()) {
      throw file_error(path, where + " (image " + caption.image_id + "): \"caption\" is not a string");
    }
    caption.text = entry["caption"].get<std::string>();
    if (is_blank(caption.text)) {
      throw file_error(path, where + " (image " + caption.image_id + "): empty caption");
    }
    captions.push_back(std::move(caption));
  }
  return captions;
}

}  // namespace

LoadedCaptions read_coco_captions(const std::filesystem::path& references,
                                  const std::filesystem::path& results) {
  LoadedCaptions loaded;
  const TextFile reference_file = read_text_file(references);
  const TextFile result_file = read_text_file(results);
  loaded.files = {reference_file.file, result_file.file};
  const std::string& reference_path = reference_file.file.path;
  const std::string& result_path = result_file.file.path;

  const json annotation_root = parse_json(reference_file);
  if (!annotation_root.is_object() || !annotation_root.contains("annotations") ||
      !annotation_root["annotations"].is_array()) {
    throw file_error(reference_path, annotation_root.is_array()
                                         ? "is a JSON list; expected a COCO annotation file (an object "
                                           "with an \"annotations\" list). Is it a results file?"
                                         : "has no \"annotations\" list; expected a COCO annotation file");
  }
  // Image order: the "images" list, then annotated ids it lacks.
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<std::string>> references_of;
  if (annotation_root.contains("images")) {
    const json& images = annotation_root["images"];
    if (!images.is_array()) throw file_error(reference_path, "\"images\" is not a list");
    for (std::size_t i = 0; i < images.size(); ++i) {
      const std::string where = "images[" + std::to_string(i) + "]";
      if (!images[i].is_object() || !images[i].contains("id")) {
        throw file_error(reference_path, where + " has no \"id\"");
      }
      const std::string id = image_id_key(images[i]["id"], reference_path, where);
      if (references_of.try_emplace(id).second) order.push_back(id);
    }
  }
  for (Caption& caption : read_caption_entries(annotation_root["annotations"], reference_path, "annotations")) {
    auto [it, inserted] = references_of.try_emplace(caption.image_id);
    if (inserted) order.push_back(caption.image_id);
    it->second.push_back(std::move(caption.text));
  }

  const json result_root = parse_json(result_file);
  if (!result_root.is_array()) {
    throw file_error(result_path, result_root.is_object() && result_root.contains("annotations")
                                      ? "is a COCO annotation file; expected a results list "
                                        "[{\"image_id\", \"caption\"}, ...]"
                                      : "is not a list; expected [{\"image_id\", \"caption\"}, ...]");
  }
  if (result_root.empty()) throw file_error(result_path, "holds no results");
  std::unordered_map<std::string, std::pair<std::size_t, std::string>> result_of;  // id -> (entry, caption)
  std::vector<Caption> results_read = read_caption_entries(result_root, result_path, "results");
  for (std::size_t i = 0; i < results_read.size(); ++i) {
    Caption& result = results_read[i];
    const auto refs = references_of.find(result.image_id);
    if (refs == references_of.end() || refs->second.empty()) {
      throw file_error(result_path, "results[" + std::to_string(i) + "]: image " + result.image_id +
                                        " has no references in " + reference_path);
    }
    const auto [it, inserted] = result_of.try_emplace(result.image_id, i, std::move(result.text));
    if (!inserted) {
      throw file_error(result_path, "image " + result.image_id + " has two results (results[" +
                                        std::to_string(it->second.first) + "] and results[" +
                                        std::to_string(i) + "]); pycocoevalcap would silently keep one");
    }
  }
  for (const std::string& id : order) {
    const auto result = result_of.find(id);
    if (result == result_of.end()) {
      if (!references_of[id].empty()) ++loaded.images_without_result;
      continue;
    }
    loaded.captions.image_ids.push_back(id);
    loaded.captions.candidates.push_back(std::move(result->second.second));
    loaded.captions.references.push_back(std::move(references_of[id]));
  }
  return loaded;
}

namespace {

// The lines of a text file of captions; a final newline does not start another line,
// and a trailing '\r' (a CRLF file) is not part of the caption.
std::vector<std::string> caption_lines(const TextFile& file) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < file.text.size()) {
    std::size_t end = file.text.find('\n', start);
    if (end == std::string::npos) end = file.text.size();
    std::string line = file.text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (is_blank(line)) {
      throw file_error(file.file.path, "line " + std::to_string(lines.size() + 1) + ": empty caption");
    }
    lines.push_back(std::move(line));
    start = end + 1;
  }
  if (lines.empty()) throw file_error(file.file.path, "holds no captions");
  return lines;
}

}  // namespace

LoadedCaptions read_text_captions(const std::filesystem::path& hypotheses,
                                  const std::vector<std::filesystem::path>& references) {
  if (references.empty()) throw InputError("text mode needs at least one reference file");
  LoadedCaptions loaded;
  std::vector<std::vector<std::string>> reference_lines;
  for (const std::filesystem::path& path : references) {
    const TextFile file = read_text_file(path);
    loaded.files.push_back(file.file);
    reference_lines.push_back(caption_lines(file));
  }
  const TextFile hypothesis_file = read_text_file(hypotheses);
  loaded.files.push_back(hypothesis_file.file);
  std::vector<std::string> lines = caption_lines(hypothesis_file);
  for (std::size_t r = 0; r < references.size(); ++r) {
    if (reference_lines[r].size() != lines.size()) {
      throw file_error(references[r].string(),
                       std::to_string(reference_lines[r].size()) + " lines, but " +
                           hypothesis_file.file.path + " has " + std::to_string(lines.size()));
    }
  }
  CaptionSet& captions = loaded.captions;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    captions.image_ids.push_back(std::to_string(i + 1));
    captions.candidates.push_back(std::move(lines[i]));
    std::vector<std::string> refs;
    for (std::vector<std::string>& file_lines : reference_lines) refs.push_back(std::move(file_lines[i]));
    captions.references.push_back(std::move(refs));
  }
  return loaded;
}

}  // namespace captioner::metrics
