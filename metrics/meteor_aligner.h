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
  std::uint32_t paraphrase_node = ParaphraseTable::kNone;  // the trie node of the word alone
  bool function_word = false;
  std::vector<std::int32_t> synsets;  // WordNet synsets of the word and its base forms, sorted
  std::uint64_t synset_bits = 0;      // bit (synset % 64) of each: words sharing none share no synset

  // Fills hash, synset_bits and the paraphrase fields; the stem and function word
  // are the caller's. `synsets` must be set first.
  void set_text(std::string text, const ParaphraseTable& paraphrases);
};

// A sentence as the aligner takes it: its words and, for each start position, the
// paraphrase-table trie nodes its words reach from there (node d: the phrase of words
// [start, start + d]), worked out once per sentence instead of once per pair.
struct MeteorSentence {
  std::vector<const MeteorWord*> words;
  std::vector<std::uint32_t> walk_nodes;
  std::vector<std::uint32_t> walk_begin;  // walks of start i: walk_nodes[walk_begin[i] .. walk_begin[i + 1])
  std::vector<std::uint32_t> walk_set;    // walk_nodes sorted, without repeats
  std::uint64_t walk_bits = 0;            // bit (node % 64) of each
  // The paraphrases of walk node w (the nodes where they end), in the table's order:
  // paraphrases[paraphrase_begin[w] .. paraphrase_begin[w + 1]). Gathered once: the
  // table's lists lie far apart in memory, and a caption meets five references.
  std::vector<std::uint32_t> paraphrases;
  std::vector<std::uint32_t> paraphrase_begin;

  MeteorSentence() = default;
  MeteorSentence(std::vector<const MeteorWord*> words, const ParaphraseTable& table);
  std::size_t size() const { return words.size(); }

  // For a sentence used as the test side of several alignments (of at most 64 words):
  // a table of synset -> the positions of its words that have it, so that the synonym
  // matcher finds a reference word's partners without comparing synset lists pairwise.
  void index_synsets();
  bool synsets_indexed() const { return !synset_keys.empty(); }
  std::uint64_t positions_with_synset(std::int32_t synset) const;

 private:
  std::vector<std::int32_t> synset_keys;  // open addressing; -1: empty
  std::vector<std::uint64_t> synset_positions;
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

// Aligns `test` to `reference` as Aligner.align() does for `-l en` with the scorer's
// search weights 1.0/0.5/0.5/0.5. `paraphrases` is the table both sentences were made
// with; it may be empty: then the paraphrase module finds nothing.
MeteorAlignment align_meteor(const MeteorSentence& test, const MeteorSentence& reference,
                             const ParaphraseTable& paraphrases);

// Java's String.hashCode() of UTF-8 text (over its UTF-16 code units).
std::int32_t java_string_hash(const std::string& utf8);

}  // namespace captioner::metrics
