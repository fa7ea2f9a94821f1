#include "data/prepare.h"

#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "data/text_normalize.h"
#include "util/error.h"
#include "util/file.h"
#include "util/progress.h"
#include "util/sha256.h"

namespace captioner::data {
namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

const char* overlong_name(OverlongCaptions policy) { return policy == OverlongCaptions::clip ? "clip" : "drop"; }

OverlongCaptions overlong_from_name(const std::string& name) {
  if (name == "clip") return OverlongCaptions::clip;
  if (name == "drop") return OverlongCaptions::drop;
  throw InputError("what to do with overlong captions must be clip or drop, not '" + name + "'");
}

namespace {

constexpr const char* kManifest = "manifest.json";
constexpr const char* kCaptions = "captions.jsonl";
constexpr const char* kTokenizerPrefix = "spm";

struct Caption {
  std::string raw;
  std::string text;  // normalised, clipped
};

struct Image {
  std::string key;
  std::string file_name;
  fs::path path;
  Split split = Split::train;
  std::vector<Caption> captions;     // for training: captions.jsonl
  std::vector<std::string> references;  // every non-empty raw caption: references_<split>.json
};

// What was left out, for the manifest.
struct Skips {
  ordered_json images = ordered_json::array();
  ordered_json captions = ordered_json::array();
  std::map<std::string, std::size_t> counts;

  void image(const std::string& key, const std::string& file, const std::string& reason, const std::string& count_as) {
    images.push_back({{"key", key}, {"file", file}, {"reason", reason}});
    ++counts[count_as];
  }
  void caption(const std::string& key, const std::string& where, const std::string& raw, const std::string& reason) {
    captions.push_back({{"image", key}, {"where", where}, {"raw", raw}, {"reason", reason}});
    ++counts[reason];
  }
};

std::string file_sha256(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return {};
  return sha256_hex(read_file(path));
}

// Writes `contents` atomically unless the file already holds exactly these bytes.
bool write_if_changed(const fs::path& path, const std::string& contents) {
  std::error_code error;
  if (fs::is_regular_file(path, error) && fs::file_size(path, error) == contents.size() && read_file(path) == contents) {
    return false;
  }
  write_file_atomically(path, contents);
  return true;
}

// The manifest of an earlier run, if there is a readable one of this version.
// Read in key order: sections carried over into the new manifest keep their bytes.
ordered_json previous_manifest(const fs::path& out) {
  const fs::path path = out / kManifest;
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return ordered_json();
  try {
    ordered_json manifest = ordered_json::parse(read_file(path));
    if (manifest.value("format", "") == "captioner-prepared" && manifest.value("version", 0) == kPreparedVersion) {
      return manifest;
    }
  } catch (const std::exception&) {
  }
  return ordered_json();
}

std::string previous(const ordered_json& manifest, const std::string& path) {
  const ordered_json::json_pointer pointer(path);
  return manifest.contains(pointer) && manifest[pointer].is_string() ? manifest[pointer].get<std::string>() : "";
}

// Refuses to write into a folder that holds something else (the image folder, a typo).
void check_output_folder(const fs::path& out) {
  std::error_code error;
  if (fs::exists(out, error) && !fs::is_directory(out, error)) throw file_error(out.string(), "exists and is not a folder");
  if (!fs::is_directory(out, error) || fs::is_empty(out, error)) return;
  for (const char* ours : {kManifest, "images.json", "images.journal.json", "images.u8.partial", "spm.model", kCaptions}) {
    if (fs::exists(out / ours, error)) return;
  }
  throw file_error(out.string(), "is a folder that is not empty and not a prepared data set; give a new or empty folder");
}

void validate(const PrepareOptions& options) {
  if (options.out.empty()) throw InputError("no output folder given");
  if (options.image_size < 1 || options.image_size > 4096) {
    throw InputError("image size must be between 1 and 4096, not " + std::to_string(options.image_size));
  }
  if (options.threads < 1) throw InputError("threads must be at least 1, not " + std::to_string(options.threads));
  data::validate(options.tokenizer);
}

ordered_json tokenizer_options_json(const SentencePieceOptions& options) {
  return {{"model_type", options.model_type},
          {"vocab_size", options.vocab_size},
          {"adjust_vocab_size", options.adjust_vocab_size},
          {"character_coverage", options.character_coverage}};
}

// Index = length, value = captions of that length.
ordered_json histogram_json(const std::vector<std::size_t>& histogram) {
  ordered_json out = ordered_json::array();
  for (const auto count : histogram) out.push_back(count);
  return out;
}

void count_length(std::vector<std::size_t>& histogram, std::size_t length) {
  if (histogram.size() <= length) histogram.resize(length + 1, 0);
  ++histogram[length];
}

std::string references_file_name(Split split) { return std::string("references_") + split_name(split) + ".json"; }

std::string references_json(const std::vector<Image>& images, Split split) {
  ordered_json out;
  out["info"] = {{"description", std::string("captioner: raw reference captions of the ") + split_name(split) + " split"}};
  out["images"] = ordered_json::array();
  out["annotations"] = ordered_json::array();
  std::size_t id = 0;
  for (const Image& image : images) {
    if (image.split != split) continue;
    const json image_id = coco_image_id(image.key);
    out["images"].push_back({{"id", image_id}, {"file_name", image.file_name}});
    for (const std::string& raw : image.references) {
      out["annotations"].push_back({{"image_id", image_id}, {"id", ++id}, {"caption", raw}});
    }
  }
  return out.dump() + "\n";
}

// Reads the sources and normalises their captions; images without a usable caption are
// skipped here, before any image is decoded.
std::vector<Image> read_images(const PrepareOptions& options, const CaptionSources& sources, Skips& skips,
                               std::vector<std::size_t>& word_histogram, std::size_t& clipped) {
  std::vector<Image> images;
  images.reserve(sources.images.size());
  for (const SourceImage& source : sources.images) {
    Image image{source.key, source.file_name, source.path, source.split, {}, {}};
    for (const SourceCaption& caption : source.captions) {
      std::string text = normalize_caption(caption.raw);
      if (text.empty()) {
        if (options.strict) throw InputError(caption.where + ": empty caption");
        skips.caption(source.key, caption.where, caption.raw, "empty caption");
        continue;
      }
      image.references.push_back(caption.raw);
      const std::size_t words = count_words(text);
      count_length(word_histogram, words);
      if (options.max_words > 0 && words > options.max_words) {
        if (options.overlong == OverlongCaptions::drop) {
          skips.caption(source.key, caption.where, caption.raw, "longer than " + std::to_string(options.max_words) + " words");
          continue;
        }
        text = first_words(text, options.max_words);
        ++clipped;
      }
      image.captions.push_back({caption.raw, std::move(text)});
    }
    if (image.captions.empty()) {
      skips.image(source.key, source.path.string(), "no usable captions", "images without usable captions");
      continue;
    }
    images.push_back(std::move(image));
  }
  return images;
}

// Encodes every caption into captions.jsonl's text, train then val then test.
std::string encode_captions(const std::vector<Image>& images, const SentencePieceTokenizer& tokenizer,
                            std::ostream* log, ordered_json& stats) {
  std::size_t total = 0;
  for (const Image& image : images) total += image.captions.size();
  std::unique_ptr<Progress> progress;
  if (log) progress = std::make_unique<Progress>("encoding captions", total, log);
  std::string lines;
  std::vector<std::size_t> histogram;
  std::set<std::int32_t> used_in_train;
  ordered_json per_split;
  for (const Split split : kSplits) {
    std::size_t captions = 0, tokens = 0, unknown = 0;
    for (const Image& image : images) {
      if (image.split != split) continue;
      for (const Caption& caption : image.captions) {
        const std::vector<std::int32_t> ids = tokenizer.encode(caption.text);
        ordered_json line;
        line["image"] = image.key;
        line["split"] = split_name(split);
        line["raw"] = caption.raw;
        line["text"] = caption.text;
        line["tokens"] = ids;
        lines += line.dump();
        lines += '\n';
        count_length(histogram, ids.size());
        ++captions;
        tokens += ids.size();
        unknown += static_cast<std::size_t>(std::count(ids.begin(), ids.end(), kUnkId));
        if (split == Split::train) used_in_train.insert(ids.begin(), ids.end());
        if (progress) progress->advance();
      }
    }
    per_split[split_name(split)] = {
        {"tokens", tokens},
        {"mean_tokens_per_caption", captions ? static_cast<double>(tokens) / static_cast<double>(captions) : 0.0},
        {"unknown_tokens", unknown}};
  }
  if (progress) progress->finish();
  stats = {{"pieces_used_in_train", used_in_train.size()}, {"per_split", per_split},
           {"length_histogram", histogram_json(histogram)}};
  return lines;
}

}  // namespace

PrepareSummary prepare_dataset(const PrepareOptions& options, std::ostream* log) {
  validate(options);
  const fs::path& out = options.out;
  check_output_folder(out);
  auto say = [&](const std::string& line) {
    if (log) *log << "prepare: " << line << '\n';
  };

  const CaptionSources sources = read_caption_sources(options.sources);
  std::size_t source_captions = 0;
  for (const auto& image : sources.images) source_captions += image.captions.size();
  say("read " + std::to_string(sources.images.size()) + " images with " + std::to_string(source_captions) +
      " captions from " + std::to_string(sources.files.size()) + " file(s)");

  Skips skips;
  std::vector<std::size_t> word_histogram;
  std::size_t clipped = 0;
  std::vector<Image> images = read_images(options, sources, skips, word_histogram, clipped);

  std::error_code error;
  fs::create_directories(out, error);
  if (error) throw file_error(out.string(), "cannot create the folder: " + error.message());
  remove_stale_temporaries(out);  // left by a killed run
  const ordered_json before = previous_manifest(out);
  bool worked = false;

  // Images: decoded once into the store (which judges its own freshness and resumes).
  std::vector<ImageSource> store_sources;
  store_sources.reserve(images.size());
  for (const Image& image : images) store_sources.push_back({image.key, image.path});
  ImageStoreOptions store_options;
  store_options.size = options.image_size;
  store_options.threads = options.threads;
  store_options.strict = options.strict;
  ImageStoreBuildResult store;
  {
    std::unique_ptr<Progress> progress;
    if (log) progress = std::make_unique<Progress>("images", store_sources.size(), log);
    store = build_image_store(store_sources, store_options, out, progress.get());
  }
  if (store.reused) {
    say("image store: up to date (" + std::to_string(store.stored) + " images)");
  } else {
    worked = true;
    say("image store: " + std::to_string(store.stored) + " images stored" +
        (store.resumed ? " (continued an interrupted build after " + std::to_string(store.resumed) + ")" : ""));
  }
  if (!store.skipped.empty()) {
    std::unordered_set<std::string> unusable;
    for (const SkippedImage& skipped : store.skipped) {
      unusable.insert(skipped.key);
      skips.image(skipped.key, skipped.path, skipped.reason, "unreadable images");
    }
    images.erase(std::remove_if(images.begin(), images.end(), [&](const Image& image) { return unusable.count(image.key) > 0; }),
                 images.end());
    say(std::to_string(store.skipped.size()) + " image(s) skipped (missing or unreadable; listed in the manifest)");
  }

  // Tokenizer: trained on the train split's captions only.
  std::vector<std::string> train_texts;
  for (const Image& image : images) {
    if (image.split != Split::train) continue;
    for (const Caption& caption : image.captions) train_texts.push_back(caption.text);
  }
  if (train_texts.empty()) throw InputError("the train split has no captions: nothing to train the tokenizer on");
  std::string tokenizer_input = tokenizer_options_json(options.tokenizer).dump();
  for (const auto& text : train_texts) (tokenizer_input += '\n') += text;
  const std::string tokenizer_fingerprint = sha256_hex(tokenizer_input);
  const fs::path model_path = out / (std::string(kTokenizerPrefix) + ".model");
  const fs::path vocab_path = out / (std::string(kTokenizerPrefix) + ".vocab");
  const bool tokenizer_current =
      previous(before, "/fingerprints/tokenizer") == tokenizer_fingerprint &&
      previous(before, "/files/spm.model") == file_sha256(model_path) &&
      previous(before, "/files/spm.vocab") == file_sha256(vocab_path) &&
      !file_sha256(model_path).empty();
  if (tokenizer_current) {
    say("tokenizer: up to date");
  } else {
    worked = true;
    say("tokenizer: training a " + options.tokenizer.model_type + " model on " + std::to_string(train_texts.size()) +
        " train captions");
    const int size = train_sentencepiece(train_texts, options.tokenizer, out / kTokenizerPrefix);
    say("tokenizer: " + std::to_string(size) + " pieces");
  }
  const SentencePieceTokenizer tokenizer(model_path);

  // captions.jsonl: every caption with its token ids.
  std::string captions_input = tokenizer.model_sha256();
  for (const Split split : kSplits) {
    for (const Image& image : images) {
      if (image.split != split) continue;
      for (const Caption& caption : image.captions) {
        ((((captions_input += '\n') += image.key) += '\t') += caption.raw) += '\t';
        (captions_input += caption.text) += split_name(split);
      }
    }
  }
  const std::string captions_fingerprint = sha256_hex(captions_input);
  const fs::path captions_path = out / kCaptions;
  ordered_json token_stats;
  std::string captions_sha;
  if (previous(before, "/fingerprints/captions") == captions_fingerprint &&
      previous(before, "/files/captions.jsonl") == file_sha256(captions_path) &&
      before.contains("tokens")) {
    say("captions: up to date");
    token_stats = before["tokens"];
    captions_sha = previous(before, "/files/captions.jsonl");
  } else {
    worked = true;
    const std::string lines = encode_captions(images, tokenizer, log, token_stats);
    write_if_changed(captions_path, lines);
    captions_sha = sha256_hex(lines);
  }

  // References, per evaluated split.
  std::map<std::string, std::string> reference_sha;
  for (const Split split : {Split::val, Split::test}) {
    const std::string contents = references_json(images, split);
    if (write_if_changed(out / references_file_name(split), contents)) {
      worked = true;
      say(references_file_name(split) + " written");
    }
    reference_sha[references_file_name(split)] = sha256_hex(contents);
  }

  // The manifest, last: it vouches for every file above.
  PrepareSummary summary;
  ordered_json manifest;
  manifest["format"] = "captioner-prepared";
  manifest["version"] = kPreparedVersion;
  ordered_json inputs = ordered_json::array();
  for (const SourceFile& file : sources.files) {
    inputs.push_back({{"role", file.role}, {"path", file.path}, {"bytes", file.bytes}, {"sha256", file.sha256}});
  }
  manifest["inputs"] = {{"files", inputs}, {"images", options.sources.images.string()}};
  manifest["options"] = {
      {"image_size", options.image_size},
      {"max_words", options.max_words},
      {"overlong", overlong_name(options.overlong)},
      {"tokenizer", tokenizer_options_json(options.tokenizer)},
      {"split", {{"val_size", options.sources.val_size}, {"test_size", options.sources.test_size}, {"seed", options.sources.seed}}},
      {"strict", options.strict}};
  ordered_json splits;
  for (const Split split : kSplits) {
    const auto s = static_cast<std::size_t>(split);
    std::size_t references = 0;
    for (const Image& image : images) {
      if (image.split != split) continue;
      ++summary.images[s];
      summary.captions[s] += image.captions.size();
      references += image.references.size();
    }
    splits[split_name(split)] = {{"images", summary.images[s]}, {"captions", summary.captions[s]}, {"references", references}};
  }
  manifest["splits"] = splits;
  summary.vocab_size = tokenizer.vocab_size();
  manifest["tokenizer"] = {{"model", std::string(kTokenizerPrefix) + ".model"},
                           {"vocab_size", tokenizer.vocab_size()},
                           {"vocab_size_asked", options.tokenizer.vocab_size},
                           {"special_ids", {{"pad", kPadId}, {"bos", kBosId}, {"eos", kEosId}, {"unk", kUnkId}}},
                           {"train_captions", train_texts.size()}};
  manifest["tokens"] = token_stats;
  manifest["words"] = {{"max_words", options.max_words},
                       {"clipped", clipped},
                       {"length_histogram_before_clipping", histogram_json(word_histogram)}};
  manifest["image_store"] = {{"size", options.image_size}, {"images", store.stored}};
  summary.skipped_images = skips.images.size();
  summary.skipped_captions = skips.captions.size();
  ordered_json excluded = ordered_json::object();
  for (const auto& [why, count] : sources.excluded) excluded[why] = count;
  ordered_json counts = ordered_json::object();
  for (const auto& [why, count] : skips.counts) counts[why] = count;
  manifest["skipped"] = {{"counts", counts},
                         {"images", skips.images},
                         {"captions", skips.captions},
                         {"outside_the_splits", excluded},
                         {"repairs", sources.repairs}};
  manifest["files"] = {{"spm.model", file_sha256(model_path)},
                       {"spm.vocab", file_sha256(vocab_path)},
                       {"captions.jsonl", captions_sha},
                       {"references_val.json", reference_sha["references_val.json"]},
                       {"references_test.json", reference_sha["references_test.json"]},
                       {"images.json", file_sha256(out / "images.json")},
                       {"images.u8", store.images_sha256}};
  manifest["fingerprints"] = {{"tokenizer", tokenizer_fingerprint}, {"captions", captions_fingerprint}};
  if (write_if_changed(out / kManifest, manifest.dump(2) + "\n")) worked = true;

  summary.up_to_date = !worked;
  if (summary.up_to_date) {
    say(out.string() + " is up to date: nothing to do");
  } else {
    say("prepared " + out.string() + ": train " + std::to_string(summary.images[0]) + " images / " +
        std::to_string(summary.captions[0]) + " captions, val " + std::to_string(summary.images[1]) + " / " +
        std::to_string(summary.captions[1]) + ", test " + std::to_string(summary.images[2]) + " / " +
        std::to_string(summary.captions[2]) + ", vocabulary " + std::to_string(summary.vocab_size));
  }
  return summary;
}

}  // namespace captioner::data
