#include "data/caption_sources.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <regex>
#include <unordered_map>
#include <utility>

#include "metrics/caption_io.h"
#include "util/error.h"

namespace captioner::data {
namespace fs = std::filesystem;
using nlohmann::json;

const char* split_name(Split split) {
  switch (split) {
    case Split::train: return "train";
    case Split::val: return "val";
    case Split::test: return "test";
  }
  return "?";
}

json coco_image_id(const std::string& key) {
  const bool canonical = !key.empty() && key.size() <= 18 && std::all_of(key.begin(), key.end(), [](char c) {
    return c >= '0' && c <= '9';
  }) && (key == "0" || key[0] != '0');
  if (!canonical) return key;
  std::int64_t id = 0;
  std::from_chars(key.data(), key.data() + key.size(), id);
  return id;
}

namespace {

// A text file read and checked as UTF-8, recorded as an input.
std::string read_input(const fs::path& path, const std::string& role, CaptionSources& sources) {
  metrics::TextFile file = metrics::read_text_file(path);
  sources.files.push_back({role, file.file.path, file.file.bytes, file.file.sha256});
  return std::move(file.text);
}

json parse_json(const std::string& text, const std::string& path, const json::parser_callback_t& filter = nullptr) {
  try {
    return json::parse(text, filter);
  } catch (const json::exception& error) {  // parse_error, or out_of_range for a number like 1e999
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...".
    std::string message = error.what();
    if (const auto end = message.find("] "); end != std::string::npos) message.erase(0, end + 2);
    throw file_error(path, "malformed JSON: " + message);
  }
}

// Typed access to JSON fields with errors that say where: "images[3]: \"id\" is not an integer".
const json& field(const json& object, const char* name, const std::string& path, const std::string& where) {
  if (!object.is_object()) throw file_error(path, where + " is not an object");
  const auto it = object.find(name);
  if (it == object.end()) throw file_error(path, where + " has no \"" + name + "\"");
  return *it;
}
const json& list_field(const json& object, const char* name, const std::string& path, const std::string& where) {
  const json& value = field(object, name, path, where);
  if (!value.is_array()) throw file_error(path, where + ": \"" + name + "\" is not a list");
  return value;
}
std::string string_field(const json& object, const char* name, const std::string& path, const std::string& where) {
  const json& value = field(object, name, path, where);
  if (!value.is_string()) throw file_error(path, where + ": \"" + name + "\" is not a string");
  return value.get<std::string>();
}
std::int64_t integer_field(const json& object, const char* name, const std::string& path, const std::string& where) {
  const json& value = field(object, name, path, where);
  if (!value.is_number_integer()) throw file_error(path, where + ": \"" + name + "\" is not an integer");
  return value.get<std::int64_t>();
}

std::string stem_of(const std::string& file_name) { return fs::path(file_name).stem().string(); }

// Where the images of a source sit: <images>/<subdir> when that folder exists (COCO's
// train2014/ and val2014/), else <images> itself.
fs::path image_dir_for(const fs::path& images, const std::string& subdir) {
  if (!subdir.empty()) {
    std::error_code error;
    if (fs::is_directory(images / subdir, error)) return images / subdir;
  }
  return images;
}

// Assigns splits to COCO "val" images: a seeded shuffle of the pool sorted by key.
void split_val_pool(std::vector<SourceImage*> pool, const std::string& path, const CaptionSourceOptions& options) {
  if (pool.size() < options.val_size + options.test_size) {
    throw file_error(path, std::to_string(pool.size()) + " val images with captions, fewer than val size " +
                               std::to_string(options.val_size) + " + test size " +
                               std::to_string(options.test_size));
  }
  std::sort(pool.begin(), pool.end(), [](const SourceImage* a, const SourceImage* b) {
    return a->key.size() != b->key.size() ? a->key.size() < b->key.size() : a->key < b->key;
  });
  // Fisher-Yates with our own draw: the same split on every standard library.
  std::mt19937_64 rng(options.seed);
  for (std::size_t i = pool.size(); i > 1; --i) std::swap(pool[i - 1], pool[rng() % i]);
  for (std::size_t i = 0; i < pool.size(); ++i) {
    pool[i]->split = i < options.test_size                      ? Split::test
                     : i < options.test_size + options.val_size ? Split::val
                                                                 : Split::train;
  }
}

struct CocoFileRole {
  bool train = false;
  std::string subdir;  // "val2014"
};

CocoFileRole coco_file_role(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool train = name.find("train") != std::string::npos;
  const bool val = name.find("val") != std::string::npos;
  if (train == val) {
    throw file_error(path.string(), "cannot tell a train from a val annotation file: its name must say "
                                    "\"train\" or \"val\" (as captions_train2014.json), or give a Karpathy split file");
  }
  CocoFileRole role;
  role.train = train;
  static const std::regex year("(train|val)(20[0-9][0-9])");
  std::smatch match;
  if (std::regex_search(name, match, year)) role.subdir = match.str(0);
  return role;
}

// Reads COCO annotation files into `sources` (splits unset) and returns, per image, its COCO id.
void read_coco_files(const CaptionSourceOptions& options, CaptionSources& sources,
                     std::vector<bool>& from_train_file) {
  std::unordered_map<std::int64_t, std::pair<std::size_t, std::string>> image_of;  // id -> (index, file)
  for (const fs::path& coco_path : options.coco) {
    const CocoFileRole role = coco_file_role(coco_path);
    const std::string path = coco_path.string();
    const json root = parse_json(read_input(coco_path, "coco", sources), path);
    if (!root.is_object() || !root.contains("images") || !root.contains("annotations")) {
      throw file_error(path, "not a COCO caption annotation file (an object with \"images\" and \"annotations\")");
    }
    const fs::path dir = image_dir_for(options.images, role.subdir);
    const json& images = list_field(root, "images", path, "the file");
    std::unordered_map<std::int64_t, std::size_t> local;  // id -> index, this file
    for (std::size_t i = 0; i < images.size(); ++i) {
      const std::string where = "images[" + std::to_string(i) + "]";
      const std::int64_t id = integer_field(images[i], "id", path, where);
      const std::string file_name = string_field(images[i], "file_name", path, where);
      const auto [it, inserted] = image_of.try_emplace(id, sources.images.size(), path);
      if (!inserted) {
        throw file_error(path, where + ": duplicate image id " + std::to_string(id) +
                                   (it->second.second == path ? " (an earlier entry has it)"
                                                              : " (also in " + it->second.second + ")"));
      }
      local.emplace(id, sources.images.size());
      SourceImage image;
      image.key = std::to_string(id);
      image.file_name = role.subdir.empty() ? file_name : role.subdir + "/" + file_name;
      image.path = dir / file_name;
      sources.images.push_back(std::move(image));
      from_train_file.push_back(role.train);
    }
    const json& annotations = list_field(root, "annotations", path, "the file");
    std::unordered_map<std::int64_t, std::size_t> annotation_ids;
    for (std::size_t i = 0; i < annotations.size(); ++i) {
      const std::string where = "annotations[" + std::to_string(i) + "]";
      const std::int64_t image_id = integer_field(annotations[i], "image_id", path, where);
      const auto image = local.find(image_id);
      if (image == local.end()) {
        throw file_error(path, where + ": image_id " + std::to_string(image_id) + " is not in \"images\"");
      }
      if (annotations[i].contains("id")) {
        const std::int64_t id = integer_field(annotations[i], "id", path, where);
        const auto [seen, inserted] = annotation_ids.try_emplace(id, i);
        if (!inserted) {
          throw file_error(path, where + ": duplicate annotation id " + std::to_string(id) + " (also annotations[" +
                                     std::to_string(seen->second) + "])");
        }
      }
      sources.images[image->second].captions.push_back(
          {string_field(annotations[i], "caption", path, where), path + ": " + where});
    }
  }
}

// Karpathy's split names; "restval" (the COCO val images outside Karpathy's val and test)
// is trained on, as everyone does.
Split karpathy_split(const json& entry, const std::string& path, const std::string& where) {
  const std::string split = string_field(entry, "split", path, where);
  if (split == "train" || split == "restval") return Split::train;
  if (split == "val") return Split::val;
  if (split == "test") return Split::test;
  throw file_error(path, where + ": unknown split \"" + split + "\" (train, restval, val or test)");
}

json read_karpathy_file(const fs::path& karpathy, CaptionSources& sources) {
  const std::string path = karpathy.string();
  // Karpathy's files carry a token list per sentence: not needed (we tokenise ourselves),
  // and dropped while parsing to keep memory down on COCO.
  const json::parser_callback_t drop_tokens = [](int, json::parse_event_t event, json& parsed) {
    return !(event == json::parse_event_t::key && parsed == "tokens");
  };
  json root = parse_json(read_input(karpathy, "karpathy", sources), path, drop_tokens);
  if (!root.is_object() || !root.contains("images")) {
    throw file_error(path, "not a Karpathy split file (an object with an \"images\" list)");
  }
  list_field(root, "images", path, "the file");
  return root;
}

void read_karpathy_alone(const CaptionSourceOptions& options, CaptionSources& sources) {
  const std::string path = options.karpathy.string();
  const json root = read_karpathy_file(options.karpathy, sources);
  const json& images = root["images"];
  std::unordered_map<std::string, std::size_t> index_of;  // key -> entry
  std::unordered_map<std::string, std::size_t> file_index;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string where = "images[" + std::to_string(i) + "]";
    const json& entry = images[i];
    const std::string file_name = string_field(entry, "filename", path, where);
    const std::string subdir = entry.contains("filepath") ? string_field(entry, "filepath", path, where) : "";
    SourceImage image;
    image.key = entry.contains("cocoid") ? std::to_string(integer_field(entry, "cocoid", path, where)) : stem_of(file_name);
    image.file_name = subdir.empty() ? file_name : subdir + "/" + file_name;
    image.path = image_dir_for(options.images, subdir) / file_name;
    image.split = karpathy_split(entry, path, where);
    if (const auto [seen, inserted] = index_of.try_emplace(image.key, i); !inserted) {
      throw file_error(path, where + ": duplicate image " + image.key + " (also images[" + std::to_string(seen->second) + "])");
    }
    if (const auto [seen, inserted] = file_index.try_emplace(image.file_name, i); !inserted) {
      throw file_error(path, where + ": duplicate file " + image.file_name + " (also images[" +
                                 std::to_string(seen->second) + "])");
    }
    const json& sentences = list_field(entry, "sentences", path, where);
    for (std::size_t s = 0; s < sentences.size(); ++s) {
      const std::string at = where + ".sentences[" + std::to_string(s) + "]";
      image.captions.push_back({string_field(sentences[s], "raw", path, at), path + ": " + at});
    }
    sources.images.push_back(std::move(image));
  }
}

// COCO annotation files for the captions, the Karpathy file for the splits (by COCO id).
void apply_karpathy_splits(const CaptionSourceOptions& options, CaptionSources& sources) {
  const std::string path = options.karpathy.string();
  const json root = read_karpathy_file(options.karpathy, sources);
  const json& images = root["images"];
  std::unordered_map<std::string, std::pair<Split, std::size_t>> split_of;  // key -> (split, entry)
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string where = "images[" + std::to_string(i) + "]";
    if (!images[i].is_object() || !images[i].contains("cocoid")) {
      throw file_error(path, where + " has no \"cocoid\": only a Karpathy file with COCO ids (dataset_coco.json) "
                                     "splits COCO annotation files");
    }
    const std::string key = std::to_string(integer_field(images[i], "cocoid", path, where));
    const auto [seen, inserted] = split_of.try_emplace(key, karpathy_split(images[i], path, where), i);
    if (!inserted) {
      throw file_error(path, where + ": duplicate image " + key + " (also images[" + std::to_string(seen->second.second) + "])");
    }
  }
  std::size_t used = 0;
  std::vector<SourceImage> kept;
  kept.reserve(sources.images.size());
  for (SourceImage& image : sources.images) {
    const auto found = split_of.find(image.key);
    if (found == split_of.end()) {
      ++sources.excluded["COCO images not in the Karpathy split file"];
      continue;
    }
    image.split = found->second.first;
    ++used;
    kept.push_back(std::move(image));
  }
  sources.images = std::move(kept);
  if (used < split_of.size()) {
    sources.excluded["Karpathy split entries not in the COCO annotation files"] += split_of.size() - used;
  }
}

void read_coco(const CaptionSourceOptions& options, CaptionSources& sources) {
  std::vector<bool> from_train_file;
  read_coco_files(options, sources, from_train_file);
  if (!options.karpathy.empty()) {
    apply_karpathy_splits(options, sources);
    return;
  }
  std::vector<SourceImage*> val_pool;
  std::vector<SourceImage> kept;
  std::vector<bool> kept_train;
  for (std::size_t i = 0; i < sources.images.size(); ++i) {
    if (sources.images[i].captions.empty()) {
      ++sources.excluded["COCO images without captions"];
      continue;
    }
    kept.push_back(std::move(sources.images[i]));
    kept_train.push_back(from_train_file[i]);
  }
  sources.images = std::move(kept);
  for (std::size_t i = 0; i < sources.images.size(); ++i) {
    if (!kept_train[i]) val_pool.push_back(&sources.images[i]);
  }
  if (!val_pool.empty()) {
    std::string val_files;
    for (const auto& file : options.coco) {
      if (!coco_file_role(file).train) val_files += (val_files.empty() ? "" : ", ") + file.string();
    }
    split_val_pool(val_pool, val_files, options);
  }
}

// The image file that "<image file>.<digits>" (a numbered copy of its name, as Flickr8k's
// token file has one) stands for, with jpg, jpeg or png in any case; "" for other names.
// By hand, not with std::regex: libstdc++'s regex recurses once per character, and a
// 100,000-character name overflowed the stack.
std::string numbered_copy_of(const std::string& name) {
  const auto dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 == name.size() ||
      name.find_first_not_of("0123456789", dot + 1) != std::string::npos) {
    return "";
  }
  std::string base = name.substr(0, dot);
  if (base.find_first_of("\r\n") != std::string::npos) return "";  // as the regex's '.'
  std::string lower = base;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const std::string_view extension : {".jpg", ".jpeg", ".png"}) {
    if (lower.size() >= extension.size() && lower.compare(lower.size() - extension.size(), extension.size(), extension) == 0) {
      return base;
    }
  }
  return "";
}

// Flickr8k.token.txt: "<image file>#<n>\t<caption>" per line.
void read_flickr8k(const CaptionSourceOptions& options, CaptionSources& sources) {
  const std::string path = options.flickr8k.string();
  const std::string text = read_input(options.flickr8k, "flickr8k", sources);
  std::unordered_map<std::string, std::size_t> index_of;  // file name -> image
  std::unordered_map<std::string, std::size_t> line_of;   // "<file>#<n>" -> line
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string where = "line " + std::to_string(line_number);
    const auto tab = line.find('\t');
    const auto hash = line.substr(0, tab).rfind('#');
    if (tab == std::string_view::npos || hash == std::string_view::npos || hash + 1 == tab ||
        line.substr(hash + 1, tab - hash - 1).find_first_not_of("0123456789") != std::string_view::npos) {
      throw file_error(path, where + ": expected \"<image file>#<n><TAB><caption>\"");
    }
    std::string file_name(line.substr(0, hash));
    if (std::string original = numbered_copy_of(file_name); !original.empty()) {
      sources.repairs.push_back(path + ": " + where + ": \"" + file_name + "\" read as \"" + original +
                                "\" (a numbered copy of the name; the real file files one caption so)");
      file_name = std::move(original);
    }
    const std::string caption_id = file_name + std::string(line.substr(hash, tab - hash));
    if (const auto [seen, inserted] = line_of.try_emplace(caption_id, line_number); !inserted) {
      throw file_error(path, where + ": duplicate caption " + caption_id + " (also line " + std::to_string(seen->second) + ")");
    }
    auto [it, inserted] = index_of.try_emplace(file_name, sources.images.size());
    if (inserted) {
      SourceImage image;
      image.key = stem_of(file_name);
      image.file_name = file_name;
      image.path = options.images / file_name;
      sources.images.push_back(std::move(image));
    }
    sources.images[it->second].captions.push_back({std::string(line.substr(tab + 1)), path + ": " + where});
  }

  // The split lists: one image file name a line.
  std::vector<int> split_of(sources.images.size(), -1);
  std::vector<std::string> listed_in(sources.images.size());
  const std::pair<const char*, Split> lists[] = {{"Flickr_8k.trainImages.txt", Split::train},
                                                 {"Flickr_8k.devImages.txt", Split::val},
                                                 {"Flickr_8k.testImages.txt", Split::test}};
  for (const auto& [name, split] : lists) {
    const fs::path list_path = options.flickr8k_splits / name;
    const std::string list_text = read_input(list_path, "flickr8k-split", sources);
    std::size_t number = 0;
    std::size_t at = 0;
    while (at < list_text.size()) {
      std::size_t end = list_text.find('\n', at);
      if (end == std::string::npos) end = list_text.size();
      std::string entry = list_text.substr(at, end - at);
      at = end + 1;
      ++number;
      while (!entry.empty() && (entry.back() == '\r' || entry.back() == ' ' || entry.back() == '\t')) entry.pop_back();
      if (entry.empty()) continue;
      const auto found = index_of.find(entry);
      if (found == index_of.end()) {
        throw file_error(list_path.string(), "line " + std::to_string(number) + ": " + entry + " has no captions in " + path);
      }
      if (split_of[found->second] >= 0) {
        throw file_error(list_path.string(), "line " + std::to_string(number) + ": " + entry + " is also listed in " +
                                                 listed_in[found->second]);
      }
      split_of[found->second] = static_cast<int>(split);
      listed_in[found->second] = list_path.string();
    }
  }
  std::vector<SourceImage> kept;
  for (std::size_t i = 0; i < sources.images.size(); ++i) {
    if (split_of[i] < 0) {
      ++sources.excluded["Flickr8k images in no split list"];
      continue;
    }
    sources.images[i].split = static_cast<Split>(split_of[i]);
    kept.push_back(std::move(sources.images[i]));
  }
  sources.images = std::move(kept);
}

}  // namespace

CaptionSources read_caption_sources(const CaptionSourceOptions& options) {
  const bool flickr = !options.flickr8k.empty() || !options.flickr8k_splits.empty();
  if (flickr && (!options.coco.empty() || !options.karpathy.empty())) {
    throw InputError("give either Flickr8k's own files or COCO/Karpathy files, not both");
  }
  if (flickr && (options.flickr8k.empty() || options.flickr8k_splits.empty())) {
    throw InputError("Flickr8k needs both the caption file (Flickr8k.token.txt) and the folder of its split lists");
  }
  if (!flickr && options.coco.empty() && options.karpathy.empty()) {
    throw InputError("no captions given: COCO annotation files, a Karpathy split file, or Flickr8k's files");
  }
  if (options.images.empty()) throw InputError("no image folder given");
  std::error_code error;
  if (!fs::is_directory(options.images, error)) throw file_error(options.images.string(), "not a folder of images");
  if (flickr && !fs::is_directory(options.flickr8k_splits, error)) {
    throw file_error(options.flickr8k_splits.string(), "not a folder (of Flickr8k's split lists)");
  }

  CaptionSources sources;
  if (flickr) {
    read_flickr8k(options, sources);
  } else if (!options.coco.empty()) {
    read_coco(options, sources);
  } else {
    read_karpathy_alone(options, sources);
  }
  return sources;
}

}  // namespace captioner::data
