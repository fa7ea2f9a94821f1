#pragma once
// N-gram counting shared by BLEU and CIDEr-D: words and n-grams are interned to dense
// ids once per corpus, so the scorers compare integers, never strings.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/corpus.h"

namespace captioner::metrics {

constexpr int kMaxNgramOrder = 4;

struct NgramCount {
  std::uint32_t id;     // dense over every n-gram of every order seen in the corpus
  std::uint32_t count;  // occurrences in the sentence
  int order;            // 1..kMaxNgramOrder
};

// The n-grams of one sentence, in pycocoevalcap's insertion order: all 1-grams by
// first occurrence, then all 2-grams, and so on.
struct SentenceNgrams {
  std::size_t length = 0;  // words
  std::vector<NgramCount> ngrams;
};

class NgramIndex {
 public:
  // Room for about this many distinct n-grams before the table grows.
  void reserve(std::size_t ngrams);

  // Splits `sentence` with Python's str.split() and counts its n-grams of order 1..4.
  SentenceNgrams count(std::string_view sentence);

  // How many distinct n-grams have been seen: every id is below this.
  std::size_t size() const { return next_id_; }

 private:
  std::uint32_t word_id(std::string_view word);
  // The id of an n-gram key: (prefix n-gram id + 1, or 0 for none) << 32 | word id.
  std::uint32_t intern(std::uint64_t key);

  // Open addressing, linear probing: the n-gram lookup is the scorers' inner loop.
  struct Slot {
    std::uint64_t key = kEmpty;
    std::uint32_t id = 0;
  };
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  void grow();

  // Words: open addressing over (hash, id); the text lives in words_.
  struct WordSlot {
    std::uint64_t hash = 0;
    std::uint32_t id = kNoWord;
  };
  static constexpr std::uint32_t kNoWord = ~std::uint32_t{0};
  void grow_words();
  std::vector<std::string> words_;
  std::vector<WordSlot> word_table_ = std::vector<WordSlot>(1024);
  std::vector<std::uint32_t> word_ids_;   // the sentence being counted
  std::vector<std::uint32_t> start_ids_;  // n-gram ids by start position, current order
  std::vector<std::uint64_t> keys_;       // n-gram keys by start position, current order
  // key: (prefix n-gram id + 1, or 0 for none) << 32 | word id
  std::vector<Slot> table_ = std::vector<Slot>(1024);
  std::uint32_t next_id_ = 0;
};

// Every sentence of a corpus counted once, for BLEU and CIDEr-D to share.
struct CorpusNgrams {
  std::size_t distinct_ngrams = 0;  // every n-gram id is below this
  std::vector<SentenceNgrams> candidates;
  std::vector<std::vector<SentenceNgrams>> references;

  std::size_t size() const { return candidates.size(); }
};

// Checks the corpus (check_corpus) and counts it.
CorpusNgrams count_corpus_ngrams(const TokenizedCorpus& corpus);

}  // namespace captioner::metrics
