#pragma once
// METEOR 1.5's aligner (aligner/Aligner.java and its Stage and Matcher classes): the
// candidate matches of four modules between a test sentence (the caption) and a
// reference, then the jar's beam search for the alignment, quirks included.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/meteor_paraphrase.h"

namespace captioner::metrics {

inline constexpr int kMeteorModules = 4;  // exact, stem, synonym, paraphrase
enum MeteorModule : int { kExactModule = 0, kStemModule = 1, kSynonymModule = 2, kParaphraseModule = 3 };

// What the matchers know of a word (a token of the normalized, lower-cased sentence).
struct MeteorWord {
  std::string text;
  std::int32_t hash = 0;       // Java's String.hashCode(): the jar compares words by it
  std::int32_t stem_hash = 0;  // hashCode() of the Snowball English stem
  std::int32_t paraphrase_id = -1;  // id in the paraphrase table's vocabulary, or -1
  bool function_word = false;
  std::vector<std::int32_t> synsets;  // WordNet synsets of the word and its base forms, sorted
};

// A match: words [start, start + length) of the reference (the jar's line 2) and
// [match_start, match_start + match_length) of the test sentence (line 1).
struct MeteorMatch {
  int start = 0;
  int length = 0;
  int match_start = 0;
  int match_length = 0;
  int module = 0;
};

struct MeteorAlignment {
  std::vector<MeteorMatch> matches;  // the chosen matches, by reference position
  int test_length = 0;
  int reference_length = 0;
  int test_function_words = 0;
  int reference_function_words = 0;
  std::array<int, kMeteorModules> test_content{};  // matched words by module and kind
  std::array<int, kMeteorModules> test_function{};
  std::array<int, kMeteorModules> reference_content{};
  std::array<int, kMeteorModules> reference_function{};
  int chunks = 0;
  int test_matches = 0;
  int reference_matches = 0;
};

// Aligns `test` to `reference` (each a sentence as pointers to its words) as
// Aligner.align() does for `-l en` with the scorer's search weights 1.0/0.5/0.5/0.5.
// `paraphrases` may be empty: then the paraphrase module finds nothing.
MeteorAlignment align_meteor(const std::vector<const MeteorWord*>& test,
                             const std::vector<const MeteorWord*>& reference, const ParaphraseTable& paraphrases);

// Java's String.hashCode() of UTF-8 text (over its UTF-16 code units).
std::int32_t java_string_hash(const std::string& utf8);

}  // namespace captioner::metrics
