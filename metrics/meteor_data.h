#pragma once
// The data METEOR 1.5 reads for English (from the jar and its data folder): the
// function words, the normalizer's non-breaking prefixes, the WordNet synonym files and
// the paraphrase table. scripts/get-meteor-data.sh puts them into one folder:
//
//   function/english.words  nonbreaking/english.prefixes  synonym/english.synsets
//   synonym/english.exceptions  paraphrase-en.gz   (+ paraphrase-en.gz.cache, made by capeval)

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "metrics/meteor_normalizer.h"
#include "metrics/meteor_paraphrase.h"

namespace captioner::metrics {

// The files, relative to the data folder, in the order reports list them.
inline constexpr std::string_view kMeteorDataFiles[] = {
    "function/english.words", "nonbreaking/english.prefixes", "synonym/english.synsets",
    "synonym/english.exceptions", "paraphrase-en.gz"};

// WordNet synonym sets as the jar's SynonymDictionary reads them (the relations file is
// not loaded by the jar either).
class SynonymDictionary {
 public:
  SynonymDictionary() = default;
  // english.exceptions: blocks of (base form line, inflected forms line).
  // english.synsets: blocks of (word line, synset offsets line).
  static SynonymDictionary parse(std::string_view exceptions, std::string_view synsets);

  // The synsets SynonymMatcher gives a word: getSynSets(word) and getStemSynSets(word)
  // together, sorted, without repeats.
  std::vector<std::int32_t> synsets_with_base_forms(const std::string& word) const;

 private:
  void add_synsets(const std::string& word, std::vector<std::int32_t>& out) const;
  // WordNet's morphology for words without an exception entry (SynonymDictionary.morph).
  std::string morph(const std::string& word) const;

  std::unordered_map<std::string, std::vector<std::string>> bases_;
  // (word, its line of synset numbers) sorted by word, one entry per word (the last,
  // as the jar's Hashtable keeps), numbers parsed when asked for: the file has 150,000
  // words (already sorted) and a corpus needs a few thousand of them.
  const std::string_view* find_synsets(std::string_view word) const;
  std::shared_ptr<const std::string> synsets_text_;
  std::vector<std::pair<std::string_view, std::string_view>> synsets_;
};

struct MeteorDataFile {
  std::string relative_path;
  std::uint64_t bytes = 0;
  std::string sha256;
};

struct MeteorData {
  std::filesystem::path folder;
  NonbreakingPrefixes prefixes;
  std::unordered_set<std::string> function_words;
  SynonymDictionary synonyms;
  ParaphraseTable paraphrases;
  std::vector<MeteorDataFile> files;  // kMeteorDataFiles with their hashes
  double load_seconds = 0.0;

  // Reads every file of `folder` (the paraphrase table through its cache, see
  // ParaphraseTable::open). InputError naming the file when one is missing or bad.
  static MeteorData load(const std::filesystem::path& folder, std::ostream& log);
};

// Where the data is looked for: `flag` (--meteor-data) if given, else the environment
// variable CAPEVAL_METEOR_DATA, else $XDG_DATA_HOME/captioner/meteor-1.5 (with
// XDG_DATA_HOME defaulting to ~/.local/share). `source` says which one it was.
struct MeteorDataLocation {
  std::filesystem::path folder;
  std::string source;
};
std::optional<MeteorDataLocation> locate_meteor_data(const std::filesystem::path& flag);

// True if `folder` holds every file of kMeteorDataFiles.
bool meteor_data_complete(const std::filesystem::path& folder);

}  // namespace captioner::metrics
