#include "metrics/ngrams.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "metrics/parallel.h"
#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// splitmix64's finaliser: every bit of the input reaches the low bits that pick a slot.
std::uint64_t mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// An n-gram is identified by a key holding its words' ids + 1, the first word in the
// lowest field; unused fields are 0, so n-grams of different orders differ too. Corpora
// of up to 65,535 distinct words (every real caption set) fit four 16-bit fields in one
// 64-bit word; larger ones take four 32-bit fields.
using NarrowKey = std::uint64_t;
constexpr std::size_t kNarrowKeyWords = 0xFFFF;

struct WideKey {
  std::uint64_t low = 0;   // words 1 and 2
  std::uint64_t high = 0;  // words 3 and 4
  bool operator==(const WideKey& other) const { return low == other.low && high == other.high; }
};

NarrowKey with_word(NarrowKey key, int position, std::uint32_t word) {
  return key | (NarrowKey{word} + 1) << (16 * position);
}

WideKey with_word(WideKey key, int position, std::uint32_t word) {
  const std::uint64_t field = (std::uint64_t{word} + 1) << (32 * (position % 2));
  if (position < 2) {
    key.low |= field;
  } else {
    key.high |= field;
  }
  return key;
}

std::uint64_t hash_of(NarrowKey key) { return mix(key); }
std::uint64_t hash_of(const WideKey& key) { return mix(key.low ^ mix(key.high)); }

constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();

// A hash map from keys to small values: open addressing with linear probing, at most 70%
// full. A slot is in use only if it carries the current generation, so that clear()
// takes no time at all.
template <typename Key, typename Value>
class KeyMap {
 public:
  explicit KeyMap(std::size_t expected_keys) {
    std::size_t slots = 64;
    while (slots * 7 < expected_keys * 10) slots *= 2;
    slots_.resize(slots);
    mask_ = slots - 1;
  }

  std::size_t size() const { return size_; }

  // Starts the memory read that a call with this hash will wait for.
  void prefetch(std::uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  // The value of `key` (whose hash_of is `hash`); a new key gets `value`. The reference is
  // valid until the next call.
  Value& find_or_add(const Key& key, std::uint64_t hash, Value value) {
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    std::size_t at = hash & mask_;
    while (slots_[at].generation == generation_) {
      if (slots_[at].key == key) return slots_[at].value;
      at = (at + 1) & mask_;
    }
    slots_[at] = {key, value, generation_};
    ++size_;
    return slots_[at].value;
  }

  // The value of `key`, or nullptr.
  const Value* find(const Key& key, std::uint64_t hash) const {
    for (std::size_t at = hash & mask_; slots_[at].generation == generation_; at = (at + 1) & mask_) {
      if (slots_[at].key == key) return &slots_[at].value;
    }
    return nullptr;
  }

  void clear() {
    size_ = 0;
    if (++generation_ != 0) return;
    // After 2^32 clears, old slots could pass for current ones: start afresh.
    std::fill(slots_.begin(), slots_.end(), Slot{});
    generation_ = 1;
  }

 private:
  struct Slot {
    Key key{};
    Value value{};
    std::uint32_t generation = 0;
  };

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.generation != generation_) continue;
      std::size_t at = hash_of(slot.key) & mask_;
      while (slots_[at].generation == generation_) at = (at + 1) & mask_;
      slots_[at] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::uint32_t generation_ = 1;
};

// Dense ids for words, in the order they were first seen.
class Vocabulary {
 public:
  std::uint32_t id(std::string_view word) {
    const std::uint64_t hash = std::hash<std::string_view>()(word);
    std::size_t at = mix(hash) & (table_.size() - 1);
    while (table_[at].id != kAbsent) {
      if (table_[at].hash == hash && words_[table_[at].id] == word) return table_[at].id;
      at = (at + 1) & (table_.size() - 1);
    }
    const auto id = static_cast<std::uint32_t>(words_.size());
    words_.push_back(word);
    table_[at] = {hash, id};
    if (2 * words_.size() > table_.size()) grow();
    return id;
  }

  // The words by id; they view the corpus's text.
  const std::vector<std::string_view>& words() const { return words_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t id = kAbsent;
  };

  void grow() {
    std::vector<Slot> old(table_.size() * 2);
    old.swap(table_);
    for (const Slot& slot : old) {
      if (slot.id == kAbsent) continue;
      std::size_t at = mix(slot.hash) & (table_.size() - 1);
      while (table_[at].id != kAbsent) at = (at + 1) & (table_.size() - 1);
      table_[at] = slot;
    }
  }

  std::vector<std::string_view> words_;
  std::vector<Slot> table_ = std::vector<Slot>(1024);
};

// A chunk's captions as word ids: sentence after sentence in image order, each image's
// references and then its candidate. Each chunk numbers its words on its own thread; the
// ids become the corpus's once merge_vocabularies has made them agree.
struct ChunkWords {
  std::vector<std::uint32_t> ids;
  std::vector<std::size_t> sentence_begin = {0};  // one more than sentences: the end of the last
  Vocabulary vocabulary;
  std::vector<std::uint32_t> corpus_id;  // by the chunk's id; empty if the ids are the corpus's
  std::size_t ngram_occurrences = 0;     // of all orders, over the chunk's sentences
};

void number_words(const TokenizedCorpus& corpus, std::size_t begin, std::size_t end, ChunkWords& words) {
  std::vector<std::string_view> split;
  auto add = [&](const std::string& sentence) {
    split_python_whitespace(sentence, split);
    for (const std::string_view word : split) words.ids.push_back(words.vocabulary.id(word));
    words.sentence_begin.push_back(words.ids.size());
    for (std::size_t order = 1; order <= kMaxNgramOrder && order <= split.size(); ++order) {
      words.ngram_occurrences += split.size() - order + 1;
    }
  };
  for (std::size_t image = begin; image < end; ++image) {
    for (const std::string& reference : corpus.references[image]) add(reference);
    add(corpus.candidates[image]);
  }
}

// The first chunk's ids become the corpus's; the others get a map to them. Returns the
// size of the corpus's vocabulary.
std::size_t merge_vocabularies(std::vector<ChunkWords>& chunks) {
  Vocabulary& corpus = chunks.front().vocabulary;
  for (std::size_t c = 1; c < chunks.size(); ++c) {
    for (const std::string_view word : chunks[c].vocabulary.words()) chunks[c].corpus_id.push_back(corpus.id(word));
  }
  return corpus.words().size();
}

// Which thread's table holds a key in count_document_frequencies.
std::size_t shard_of(std::uint64_t hash, std::size_t shards) { return static_cast<std::size_t>((hash >> 32) * shards >> 32); }

// The keys of each image's distinct n-grams in turn, for count_document_frequencies.
template <typename Key>
using ChunkKeys = std::vector<Key>;

template <typename Key>
void count_chunk(ChunkWords& words, const TokenizedCorpus& corpus, std::size_t end_image, NgramChunk& chunk,
                 ChunkKeys<Key>& keys) {
  if (!words.corpus_id.empty()) {
    for (std::uint32_t& id : words.ids) id = words.corpus_id[id];
  }
  chunk.counts.reserve(words.ngram_occurrences);
  keys.reserve(words.ngram_occurrences);
  KeyMap<Key, std::uint32_t> image_ngrams(256);  // key -> the n-gram's number in its image
  std::vector<Key> start_keys;  // the current order's n-gram key at each start position
  // For each of the image's n-grams, the last sentence that counted it and where.
  std::vector<std::uint32_t> counted_in;
  std::vector<std::uint32_t> count_at;
  std::uint32_t sentence = 0;  // in the chunk
  chunk.images.reserve(end_image - chunk.first_image);
  for (std::size_t image = chunk.first_image; image < end_image; ++image) {
    ImageNgrams counted;
    counted.first_sentence = sentence;
    counted.references = static_cast<std::uint32_t>(corpus.references[image].size());
    counted.first_ngram = static_cast<std::uint32_t>(keys.size());
    image_ngrams.clear();
    for (std::uint32_t k = 0; k <= counted.references; ++k, ++sentence) {
      const std::uint32_t* const word = words.ids.data() + words.sentence_begin[sentence];
      const auto length = static_cast<std::uint32_t>(words.sentence_begin[sentence + 1] - words.sentence_begin[sentence]);
      // The candidate comes last: the n-grams new in it are in no reference.
      if (k == counted.references) counted.referenced_ngrams = static_cast<std::uint32_t>(image_ngrams.size());
      SentenceNgrams ngrams;
      ngrams.words = length;
      start_keys.assign(length, Key{});
      for (std::uint32_t order = 1; order <= kMaxNgramOrder; ++order) {
        ngrams.order_begin[order - 1] = static_cast<std::uint32_t>(chunk.counts.size());
        for (std::uint32_t start = 0; start + order <= length; ++start) {
          const Key key = with_word(start_keys[start], static_cast<int>(order - 1), word[start + order - 1]);
          start_keys[start] = key;
          const auto next = static_cast<std::uint32_t>(image_ngrams.size());
          const std::uint32_t ngram = image_ngrams.find_or_add(key, hash_of(key), next);
          if (ngram == next) {
            keys.push_back(key);
            if (ngram == counted_in.size()) {
              counted_in.push_back(kAbsent);
              count_at.push_back(0);
            }
          }
          if (counted_in[ngram] == sentence) {
            ++chunk.counts[count_at[ngram]].count;
          } else {
            counted_in[ngram] = sentence;
            count_at[ngram] = static_cast<std::uint32_t>(chunk.counts.size());
            chunk.counts.push_back({ngram, 1});
          }
        }
      }
      ngrams.order_begin[kMaxNgramOrder] = static_cast<std::uint32_t>(chunk.counts.size());
      chunk.sentences.push_back(ngrams);
    }
    counted.ngrams = static_cast<std::uint32_t>(keys.size()) - counted.first_ngram;
    chunk.images.push_back(counted);
  }
}

// CIDEr-D's document frequencies: tables of the n-grams of every image's references,
// counting the images that hold each, one table per thread, each for the keys of its
// shard_of; then every image's n-grams look their count up. The tables are far bigger
// than the caches, so the loops start the memory read for a key kAhead keys before they
// need it.
template <typename Key>
void count_document_frequencies(std::vector<NgramChunk>& chunks, const std::vector<ChunkKeys<Key>>& chunk_keys) {
  constexpr std::size_t kAhead = 16;
  const std::size_t shards = chunks.size();
  std::size_t referenced = 0;
  for (const NgramChunk& chunk : chunks) {
    for (const ImageNgrams& image : chunk.images) referenced += image.referenced_ngrams;
  }
  std::vector<KeyMap<Key, std::uint32_t>> images_holding;
  // Over half of an image's n-grams are in no other image's references.
  for (std::size_t shard = 0; shard < shards; ++shard) images_holding.emplace_back(referenced / 2 / shards);
  run_in_parallel(shards, [&](std::size_t shard) {
    KeyMap<Key, std::uint32_t>& table = images_holding[shard];
    // The shard's keys are gathered a batch at a time (without a branch, which would guess
    // wrong every other key) and then counted.
    struct Hashed {
      Key key;
      std::uint64_t hash;
    };
    constexpr std::size_t kBatch = 1024;
    std::vector<Hashed> batch(kBatch + 1);
    std::size_t batched = 0;
    auto count_batch = [&] {
      for (std::size_t i = 0; i < batched; ++i) {
        if (i + kAhead < batched) table.prefetch(batch[i + kAhead].hash);
        ++table.find_or_add(batch[i].key, batch[i].hash, 0);
      }
      batched = 0;
    };
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      for (const ImageNgrams& image : chunks[c].images) {
        for (std::uint32_t n = image.first_ngram; n < image.first_ngram + image.referenced_ngrams; ++n) {
          const Key& key = chunk_keys[c][n];
          const std::uint64_t hash = hash_of(key);
          batch[batched] = {key, hash};
          batched += shard_of(hash, shards) == shard ? 1 : 0;
          if (batched == kBatch) count_batch();
        }
      }
    }
    count_batch();
  });
  run_in_parallel(chunks.size(), [&](std::size_t c) {
    const std::vector<Key>& keys = chunk_keys[c];
    std::vector<std::uint32_t>& frequency = chunks[c].document_frequency;
    frequency.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i + kAhead < keys.size()) {
        const std::uint64_t ahead = hash_of(keys[i + kAhead]);
        images_holding[shard_of(ahead, shards)].prefetch(ahead);
      }
      const std::uint64_t hash = hash_of(keys[i]);
      const std::uint32_t* images = images_holding[shard_of(hash, shards)].find(keys[i], hash);
      frequency[i] = images == nullptr ? 0 : *images;
    }
  });
}

template <typename Key>
void count_with_keys(const TokenizedCorpus& corpus, std::vector<ChunkWords>& words, CorpusNgrams& counted) {
  std::vector<ChunkKeys<Key>> keys(counted.chunks.size());
  run_in_parallel(counted.chunks.size(), [&](std::size_t c) {
    const std::size_t end = c + 1 < counted.chunks.size() ? counted.chunks[c + 1].first_image : corpus.size();
    count_chunk(words[c], corpus, end, counted.chunks[c], keys[c]);
  });
  count_document_frequencies(counted.chunks, keys);
}

constexpr std::size_t kMinImagesPerThread = 1000;

}  // namespace

CorpusNgrams count_corpus_ngrams(const TokenizedCorpus& corpus) {
  check_corpus(corpus);
  CorpusNgrams counted;
  counted.images = corpus.size();
  const std::size_t threads = parallel_threads(corpus.size(), kMinImagesPerThread);
  counted.chunks.resize(threads);
  std::vector<ChunkWords> words(threads);
  run_in_parallel(threads, [&](std::size_t c) {
    NgramChunk& chunk = counted.chunks[c];
    chunk.first_image = corpus.size() * c / threads;
    number_words(corpus, chunk.first_image, corpus.size() * (c + 1) / threads, words[c]);
  });
  if (merge_vocabularies(words) <= kNarrowKeyWords) {
    count_with_keys<NarrowKey>(corpus, words, counted);
  } else {
    count_with_keys<WideKey>(corpus, words, counted);
  }
  return counted;
}

}  // namespace captioner::metrics
