#include "metrics/meteor_data.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <limits>

#include "metrics/mapped_file.h"
#include "metrics/meteor_normalizer.h"
#include "metrics/parallel.h"
#include "util/error.h"
#include "util/sha256.h"

namespace captioner::metrics {
namespace {

// BufferedReader.readLine() over a whole text.
std::vector<std::string_view> read_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = start;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
    lines.push_back(text.substr(start, end - start));
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++end;
    start = end + 1;
  }
  return lines;
}


bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Java's String.length(): UTF-16 code units of valid UTF-8.
std::size_t utf16_length(std::string_view utf8) {
  std::size_t length = 0;
  for (const char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80) length += byte >= 0xF0 ? 2 : 1;
  }
  return length;
}

// The file hashed; `contents` gets its bytes when asked for.
MeteorDataFile hash_file(const std::filesystem::path& folder, std::string_view relative, std::string* contents) {
  const MappedFile mapped = MappedFile::open(folder / relative);
  MeteorDataFile file;
  file.relative_path = std::string(relative);
  file.bytes = mapped.bytes().size();
  file.sha256 = sha256_hex(mapped.bytes());
  if (contents != nullptr) contents->assign(mapped.bytes());
  return file;
}

// A line of synset numbers: digits separated by spaces, tabs and form feeds, each number
// an int32 (add_synsets reads them when a word is looked up, trusting this check).
void check_synset_numbers(std::string_view line, std::size_t line_number) {
  constexpr std::int64_t kLargest = std::numeric_limits<std::int32_t>::max();
  std::size_t start = 0;
  std::int64_t value = -1;  // -1: not in a number
  for (std::size_t k = 0; k <= line.size(); ++k) {
    const char c = k < line.size() ? line[k] : ' ';
    if (c >= '0' && c <= '9') {
      if (value < 0) start = k;
      value = std::min(std::max<std::int64_t>(value, 0) * 10 + (c - '0'), kLargest + 1);  // saturates
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\f') {
      throw InputError("english.synsets: not a line of synset numbers: " + std::string(line));
    }
    if (value > kLargest) {
      throw InputError("english.synsets: line " + std::to_string(line_number) + ": synset number " +
                       std::string(line.substr(start, k - start)) + " is larger than " + std::to_string(kLargest));
    }
    value = -1;
  }
}

}  // namespace

SynonymDictionary SynonymDictionary::parse(std::string_view exceptions, std::string_view synsets) {
  SynonymDictionary dictionary;
  const std::vector<std::string_view> exception_lines = read_lines(exceptions);
  for (std::size_t i = 0; i + 1 < exception_lines.size(); i += 2) {
    const std::string base(exception_lines[i]);
    for (const std::string_view form : java_tokenizer_words(exception_lines[i + 1])) {
      dictionary.bases_[std::string(form)].push_back(base);
    }
  }
  auto text = std::make_shared<const std::string>(synsets);
  const std::vector<std::string_view> synset_lines = read_lines(*text);
  auto& entries = dictionary.synsets_;
  entries.reserve(synset_lines.size() / 2);
  bool sorted = true;
  for (std::size_t i = 0; i + 1 < synset_lines.size(); i += 2) {
    check_synset_numbers(synset_lines[i + 1], i + 2);
    sorted = sorted && (entries.empty() || entries.back().first < synset_lines[i]);
    entries.emplace_back(synset_lines[i], synset_lines[i + 1]);
  }
  if (!sorted) {
    // Sorted by word with a word's entries in file order; the last of each is kept.
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::string_view, std::string_view>> last;
    for (const auto& entry : entries) {
      if (!last.empty() && last.back().first == entry.first) {
        last.back() = entry;
      } else {
        last.push_back(entry);
      }
    }
    entries = std::move(last);
  }
  dictionary.synsets_text_ = std::move(text);
  return dictionary;
}

const std::string_view* SynonymDictionary::find_synsets(std::string_view word) const {
  const auto found = std::lower_bound(synsets_.begin(), synsets_.end(), word,
                                      [](const auto& entry, std::string_view key) { return entry.first < key; });
  return found != synsets_.end() && found->first == word ? &found->second : nullptr;
}

void SynonymDictionary::add_synsets(const std::string& word, std::vector<std::int32_t>& out) const {
  const std::string_view* line = find_synsets(word);
  if (line == nullptr) return;
  for (const std::string_view token : java_tokenizer_words(*line)) {
    std::int32_t value = 0;
    for (const char c : token) value = value * 10 + (c - '0');
    out.push_back(value);
  }
}

std::string SynonymDictionary::morph(const std::string& word) const {
  // WordNet 3's suffix rules: nouns, verbs, adjectives.
  static constexpr std::array<std::string_view, 20> kSuffixes = {
      "s", "ses", "xes", "zes", "ches", "shes", "men", "ies", "s", "ies",
      "es", "es", "ed", "ed", "ing", "ing", "er", "est", "er", "est"};
  static constexpr std::array<std::string_view, 20> kEndings = {
      "", "s", "x", "z", "ch", "sh", "man", "y", "", "y", "e", "", "e", "", "e", "", "", "", "e", "e"};
  // The jar notes "ful" but then tests the whole word, so the ending is only appended
  // to results of words ending in "ful" (none of which has one of the suffixes).
  const std::string end = ends_with(word, "ful") ? "ful" : "";
  if (ends_with(word, "ss") || utf16_length(word) <= 2) return word;
  for (std::size_t i = 0; i < kSuffixes.size(); ++i) {
    if (!ends_with(word, kSuffixes[i])) continue;
    std::string base = word.substr(0, word.size() - kSuffixes[i].size());
    base += kEndings[i];
    if (find_synsets(base) != nullptr) return base + end;
  }
  return "";
}

std::vector<std::int32_t> SynonymDictionary::synsets_with_base_forms(const std::string& word) const {
  std::vector<std::int32_t> all;
  add_synsets(word, all);
  const auto bases = bases_.find(word);
  if (bases != bases_.end()) {
    for (const std::string& base : bases->second) add_synsets(base, all);
  } else {
    add_synsets(morph(word), all);
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

MeteorData MeteorData::load(const std::filesystem::path& folder, std::ostream& log) {
  const auto started = std::chrono::steady_clock::now();
  MeteorData data;
  data.folder = folder;
  constexpr std::size_t kFiles = std::size(kMeteorDataFiles);
  std::array<std::string, kFiles> contents;
  data.files.resize(kFiles);
  // Hashing the 62 MB table takes as long as reading the small files: side by side.
  run_in_parallel(2, [&](std::size_t task) {
    for (std::size_t i = 0; i < kFiles; ++i) {
      const bool paraphrases = i + 1 == kFiles;
      if (paraphrases != (task == 0)) continue;
      data.files[i] = hash_file(folder, kMeteorDataFiles[i], paraphrases ? nullptr : &contents[i]);
    }
    if (task == 1) {
      data.prefixes = NonbreakingPrefixes::parse(contents[1]);
      for (const std::string_view line : read_lines(contents[0])) data.function_words.emplace(line);
      data.synonyms = SynonymDictionary::parse(contents[3], contents[2]);
    }
  });
  data.paraphrases = ParaphraseTable::open(folder / kMeteorDataFiles[kFiles - 1], data.files[kFiles - 1].sha256, log);
  data.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return data;
}

std::optional<MeteorDataLocation> locate_meteor_data(const std::filesystem::path& flag) {
  if (!flag.empty()) return MeteorDataLocation{flag, "--meteor-data"};
  if (const char* environment = std::getenv("CAPEVAL_METEOR_DATA"); environment != nullptr && *environment != '\0') {
    return MeteorDataLocation{environment, "CAPEVAL_METEOR_DATA"};
  }
  std::filesystem::path data_home;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg == '/') {
    data_home = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    data_home = std::filesystem::path(home) / ".local" / "share";
  } else {
    return std::nullopt;
  }
  return MeteorDataLocation{data_home / "captioner" / "meteor-1.5", "the default location"};
}

bool meteor_data_complete(const std::filesystem::path& folder) {
  std::error_code error;
  return std::all_of(std::begin(kMeteorDataFiles), std::end(kMeteorDataFiles), [&](std::string_view relative) {
    return std::filesystem::is_regular_file(folder / relative, error);
  });
}

}  // namespace captioner::metrics
