#include "metrics/ngrams.h"

#include <functional>

#include "metrics/utf8.h"

namespace captioner::metrics {

namespace {

// splitmix64's finaliser: every bit of the key (the prefix id sits in the high half)
// reaches the low bits that pick the slot.
std::size_t slot_of(std::uint64_t key, std::size_t mask) {
  key = (key ^ (key >> 30)) * 0xBF58476D1CE4E5B9ULL;
  key = (key ^ (key >> 27)) * 0x94D049BB133111EBULL;
  return static_cast<std::size_t>(key ^ (key >> 31)) & mask;
}

}  // namespace

void NgramIndex::grow_words() {
  std::vector<WordSlot> old(word_table_.size() * 2);
  old.swap(word_table_);
  const std::size_t mask = word_table_.size() - 1;
  for (const WordSlot& slot : old) {
    if (slot.id == kNoWord) continue;
    std::size_t at = slot_of(slot.hash, mask);
    while (word_table_[at].id != kNoWord) at = (at + 1) & mask;
    word_table_[at] = slot;
  }
}

std::uint32_t NgramIndex::word_id(std::string_view word) {
  const std::uint64_t hash = std::hash<std::string_view>()(word);
  const std::size_t mask = word_table_.size() - 1;
  std::size_t at = slot_of(hash, mask);
  while (word_table_[at].id != kNoWord) {
    if (word_table_[at].hash == hash && words_[word_table_[at].id] == word) return word_table_[at].id;
    at = (at + 1) & mask;
  }
  const auto id = static_cast<std::uint32_t>(words_.size());
  words_.emplace_back(word);
  word_table_[at] = {hash, id};
  if (2 * words_.size() > word_table_.size()) grow_words();
  return id;
}


void NgramIndex::reserve(std::size_t ngrams) {
  while (table_.size() < 2 * ngrams) grow();
}

void NgramIndex::grow() {
  std::vector<Slot> old(table_.size() * 2);
  old.swap(table_);
  const std::size_t mask = table_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.key == kEmpty) continue;
    std::size_t at = slot_of(slot.key, mask);
    while (table_[at].key != kEmpty) at = (at + 1) & mask;
    table_[at] = slot;
  }
}

std::uint32_t NgramIndex::intern(std::uint64_t key) {
  const std::size_t mask = table_.size() - 1;
  std::size_t at = slot_of(key, mask);
  while (table_[at].key != kEmpty) {
    if (table_[at].key == key) return table_[at].id;
    at = (at + 1) & mask;
  }
  table_[at] = {key, next_id_};
  const std::uint32_t id = next_id_++;
  if (2 * std::size_t{next_id_} > table_.size()) grow();
  return id;
}

SentenceNgrams NgramIndex::count(std::string_view sentence) {
  std::vector<std::uint32_t>& words = word_ids_;
  words.clear();
  for (const std::string_view word : split_python_whitespace(sentence)) {
    words.push_back(word_id(word));
  }
  SentenceNgrams result;
  result.length = words.size();
  // ids[i] is the id of the n-gram of the current order that starts at word i.
  std::vector<std::uint32_t>& ids = start_ids_;
  ids.assign(words.size(), 0);
  for (int order = 1; order <= kMaxNgramOrder; ++order) {
    if (words.size() < static_cast<std::size_t>(order)) break;
    const std::size_t starts = words.size() - static_cast<std::size_t>(order) + 1;
    const std::size_t order_begin = result.ngrams.size();
    // The table is far bigger than the caches: start every probe's memory read of this
    // order before the first probe waits for one.
    keys_.resize(starts);
    for (std::size_t i = 0; i < starts; ++i) {
      const std::uint64_t prefix = order == 1 ? 0 : std::uint64_t{ids[i]} + 1;
      keys_[i] = (prefix << 32) | words[i + static_cast<std::size_t>(order) - 1];
      __builtin_prefetch(&table_[slot_of(keys_[i], table_.size() - 1)]);
    }
    for (std::size_t i = 0; i < starts; ++i) {
      const std::uint32_t id = intern(keys_[i]);
      ids[i] = id;
      // Captions are short: a scan of this order's n-grams so far beats a lookup table.
      NgramCount* found = nullptr;
      for (std::size_t k = order_begin; k < result.ngrams.size(); ++k) {
        if (result.ngrams[k].id == id) {
          found = &result.ngrams[k];
          break;
        }
      }
      if (found != nullptr) {
        ++found->count;
      } else {
        result.ngrams.push_back({id, 1, order});
      }
    }
  }
  return result;
}

CorpusNgrams count_corpus_ngrams(const TokenizedCorpus& corpus) {
  check_corpus(corpus);
  NgramIndex index;
  // A caption has about 4 distinct n-grams per word; most recur across a corpus.
  std::size_t bytes = 0;
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    bytes += corpus.candidates[image].size();
    for (const std::string& reference : corpus.references[image]) bytes += reference.size();
  }
  index.reserve(bytes / 8);
  CorpusNgrams counted;
  counted.candidates.reserve(corpus.size());
  counted.references.resize(corpus.size());
  for (std::size_t image = 0; image < corpus.size(); ++image) {
    for (const std::string& reference : corpus.references[image]) {
      counted.references[image].push_back(index.count(reference));
    }
    counted.candidates.push_back(index.count(corpus.candidates[image]));
  }
  counted.distinct_ngrams = index.size();
  return counted;
}

}  // namespace captioner::metrics
