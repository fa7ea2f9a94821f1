#include "metrics/meteor_aligner.h"

#include <algorithm>
#include <cstdlib>

#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// The weights the scorer gives the aligner for its search (MeteorScorer.loadConfiguration).
constexpr double kSearchWeights[kMeteorModules] = {1.0, 0.5, 0.5, 0.5};
constexpr std::size_t kBeamSize = 40;

// PartialAlignment.java, its arrays kept in the search's arenas (see Search). The
// weighted match counts are Java ints that `+=` a double: the sum is truncated, so a
// one-word match of weight 0.5 adds nothing to them.
struct Path {
  int matches1 = 0;
  int matches2 = 0;
  int chunks = 0;
  int idx = 0;
  int last_match_end = -1;
  int distance = 0;
  std::size_t slot = 0;  // index of its arrays in the arenas

  // The bookkeeping both kinds of step share when `m` joins the path.
  void count(const MeteorMatch& m) {
    matches1 = static_cast<int>(matches1 + m.match_length * kSearchWeights[m.module]);
    matches2 = static_cast<int>(matches2 + m.length * kSearchWeights[m.module]);
    if (last_match_end != -1 && m.match_start != last_match_end) ++chunks;
    idx = m.start + m.length;
    last_match_end = m.match_start + m.match_length;
  }
};

// Constants.PARTIAL_COMPARE_TOTAL: more weighted matches, then fewer chunks, then less distance.
bool ranks_before(const Path& x, const Path& y) {
  const int match_difference = (y.matches1 + y.matches2) - (x.matches1 + x.matches2);
  if (match_difference != 0) return match_difference < 0;
  if (x.chunks != y.chunks) return x.chunks < y.chunks;
  return x.distance < y.distance;
}

// A generation of paths: their scalars, and per path its chosen match at each
// reference position and its used flags (test words, then reference words).
struct Generation {
  std::vector<Path> paths;
  std::vector<const MeteorMatch*> matches;
  std::vector<char> used;

  void clear() {
    paths.clear();
    matches.clear();
    used.clear();
  }
};

// Everything one alignment needs, kept per thread so that its memory is reused.
struct Scratch {
  std::vector<MeteorMatch> found;  // every module's matches, in the order they were found
  std::vector<MeteorMatch> matches;  // the same grouped by reference start, order kept
  std::vector<std::size_t> begin;    // matches of reference position j: [begin[j], begin[j + 1])
  std::vector<int> test_coverage;
  std::vector<int> reference_coverage;
  Generation current;
  Generation next;
  std::vector<std::size_t> order;
};

class Search {
 public:
  Search(Scratch& scratch, std::size_t n1, std::size_t n2) : s_(scratch), n1_(n1), n2_(n2) {}

  // Appends a copy of `path` (whose arrays are in `from`) to `to`; returns it.
  Path& copy(const Path& path, const Generation& from, Generation& to) {
    Path copied = path;
    copied.slot = to.paths.size();
    to.matches.insert(to.matches.end(), from.matches.begin() + static_cast<std::ptrdiff_t>(path.slot * n2_),
                      from.matches.begin() + static_cast<std::ptrdiff_t>((path.slot + 1) * n2_));
    const std::size_t width = n1_ + n2_;
    to.used.insert(to.used.end(), from.used.begin() + static_cast<std::ptrdiff_t>(path.slot * width),
                   from.used.begin() + static_cast<std::ptrdiff_t>((path.slot + 1) * width));
    to.paths.push_back(copied);
    return to.paths.back();
  }

  const MeteorMatch*& match_at(Generation& g, const Path& path, std::size_t position) {
    return g.matches[path.slot * n2_ + position];
  }
  bool test_used(const Generation& g, const Path& path, std::size_t i) const {
    return g.used[path.slot * (n1_ + n2_) + i] != 0;
  }
  bool reference_used(const Generation& g, const Path& path, std::size_t j) const {
    return g.used[path.slot * (n1_ + n2_) + n1_ + j] != 0;
  }
  bool is_used(const Generation& g, const Path& path, const MeteorMatch& m) const {
    for (int i = 0; i < m.length; ++i) {
      if (reference_used(g, path, static_cast<std::size_t>(m.start + i))) return true;
    }
    for (int i = 0; i < m.match_length; ++i) {
      if (test_used(g, path, static_cast<std::size_t>(m.match_start + i))) return true;
    }
    return false;
  }
  void set_used(Generation& g, const Path& path, const MeteorMatch& m) {
    char* used = g.used.data() + path.slot * (n1_ + n2_);
    for (int i = 0; i < m.length; ++i) used[n1_ + static_cast<std::size_t>(m.start + i)] = 1;
    for (int i = 0; i < m.match_length; ++i) used[static_cast<std::size_t>(m.match_start + i)] = 1;
  }

  // Collections.sort is stable: so is the order here. Generations are mostly small:
  // an insertion sort, which needs no buffer, up to 32 paths.
  void sort(const Generation& g) {
    std::vector<std::size_t>& order = s_.order;
    order.resize(g.paths.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto before = [&g](std::size_t a, std::size_t b) { return ranks_before(g.paths[a], g.paths[b]); };
    if (order.size() > 32) {
      std::stable_sort(order.begin(), order.end(), before);
      return;
    }
    for (std::size_t i = 1; i < order.size(); ++i) {
      const std::size_t moving = order[i];
      std::size_t k = i;
      for (; k > 0 && before(moving, order[k - 1]); --k) order[k] = order[k - 1];
      order[k] = moving;
    }
  }

  // Aligner.resolve(), including its slip: the distance of a new match is added to the
  // path it extends (and so to its later extensions and to the path that skips), not
  // to the new path. The start path is s_.current's only path; the best path is left
  // first in s_.current.
  void resolve() {
    Generation& paths = s_.current;
    Generation& next = s_.next;
    for (std::size_t current = 0; current <= n2_; ++current) {
      sort(paths);
      next.clear();
      for (std::size_t rank = 0; rank < kBeamSize && rank < s_.order.size(); ++rank) {
        Path& path = paths.paths[s_.order[rank]];
        if (current == n2_) {
          if (path.last_match_end != -1) ++path.chunks;
          copy(path, paths, next);
          continue;
        }
        if (reference_used(paths, path, current)) {
          if (static_cast<int>(current) < path.idx) {
            copy(path, paths, next);
          } else if (const MeteorMatch* fixed = static_cast<std::size_t>(path.idx) < n2_
                                                    ? match_at(paths, path, static_cast<std::size_t>(path.idx))
                                                    : nullptr;
                     fixed != nullptr) {
            path.count(*fixed);
            path.distance += std::abs(fixed->start - fixed->match_start);
            copy(path, paths, next);
          }
          continue;
        }
        for (std::size_t k = s_.begin[current]; k < s_.begin[current + 1]; ++k) {
          const MeteorMatch& m = s_.matches[k];
          if (is_used(paths, path, m)) continue;
          Path& extended = copy(path, paths, next);
          set_used(next, extended, m);
          match_at(next, extended, current) = &m;
          extended.count(m);
          path.distance += std::abs(m.start - m.match_start);
        }
        if (path.last_match_end != -1) {
          ++path.chunks;
          path.last_match_end = -1;
        }
        ++path.idx;
        copy(path, paths, next);
      }
      if (next.paths.empty()) copy(paths.paths[s_.order[0]], paths, next);  // the jar warns and carries on
      std::swap(paths, next);
    }
    sort(paths);
  }

 private:
  Scratch& s_;
  std::size_t n1_;
  std::size_t n2_;
};

bool share_synset(const MeteorWord& a, const MeteorWord& b) {
  if ((a.synset_bits & b.synset_bits) == 0) return false;
  auto i = a.synsets.begin();
  auto j = b.synsets.begin();
  while (i != a.synsets.end() && j != b.synsets.end()) {
    if (*i == *j) return true;
    if (*i < *j) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

// Does the phrase ending at trie node `node` occur anywhere in `sentence`? (Most
// paraphrases of a phrase do not: this spares looking for them word by word.)
bool phrase_in(const MeteorSentence& sentence, std::uint32_t node) {
  if ((sentence.walk_bits >> (node % 64) & 1) == 0) return false;
  return std::binary_search(sentence.walk_set.begin(), sentence.walk_set.end(), node);
}

// Is the phrase ending at trie node `node`, of `length` words, at `start` of `sentence`?
bool phrase_at(const MeteorSentence& sentence, std::size_t start, std::uint32_t node, std::uint32_t length) {
  if (length == 0) return true;
  const std::size_t walk = sentence.walk_begin[start + 1] - sentence.walk_begin[start];
  return walk >= length && sentence.walk_nodes[sentence.walk_begin[start] + length - 1] == node;
}

// The phrases of `from` (its walk's paraphrases) found in `to`, as matches: `from` is the
// reference when `from_reference`, else the test sentence. A paraphrase is found at a
// position exactly when the walk from there reaches its node.
void match_paraphrases_of(const MeteorSentence& from, const MeteorSentence& to, bool from_reference,
                          const ParaphraseTable& table, std::vector<MeteorMatch>& found) {
  for (std::size_t start = 0; start < from.size(); ++start) {
    for (std::size_t w = from.walk_begin[start]; w < from.walk_begin[start + 1]; ++w) {
      const int length = static_cast<int>(w - from.walk_begin[start] + 1);
      const std::uint32_t* end = from.paraphrases.data() + from.paraphrase_begin[w + 1];
      for (const std::uint32_t* p = from.paraphrases.data() + from.paraphrase_begin[w]; p != end; ++p) {
        // (The root is the empty phrase, found everywhere; testing the sentence first
        // spares reading the depth of most of the table's nodes.)
        if (*p != ParaphraseTable::kRoot && !phrase_in(to, *p)) continue;
        const std::uint32_t paraphrase_length = table.depth(*p);
        for (std::size_t there = 0; there < to.size(); ++there) {
          if (!phrase_at(to, there, *p, paraphrase_length)) continue;
          const int a = static_cast<int>(start), b = static_cast<int>(there);
          const int b_length = static_cast<int>(paraphrase_length);
          found.push_back(from_reference ? MeteorMatch{a, length, b, b_length, kParaphraseModule}
                                         : MeteorMatch{b, b_length, a, length, kParaphraseModule});
        }
      }
    }
  }
}

// ParaphraseMatcher.match: phrases of the reference paraphrased in the test sentence,
// then phrases of the test sentence paraphrased in the reference.
void match_paraphrases(const MeteorSentence& test, const MeteorSentence& reference, const ParaphraseTable& table,
                       std::vector<MeteorMatch>& found) {
  match_paraphrases_of(reference, test, /*from_reference=*/true, table, found);
  match_paraphrases_of(test, reference, /*from_reference=*/false, table, found);
}

}  // namespace

std::int32_t java_string_hash(const std::string& utf8) {
  std::uint32_t hash = 0;
  bool ascii = true;
  for (const char c : utf8) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    for (const char c : utf8) hash = hash * 31u + static_cast<unsigned char>(c);
  } else {
    std::u16string units;
    append_utf8_as_utf16(utf8, units);
    for (const char16_t unit : units) hash = hash * 31u + unit;
  }
  return static_cast<std::int32_t>(hash);
}

void MeteorWord::set_text(std::string word, const ParaphraseTable& paraphrases) {
  text = std::move(word);
  hash = java_string_hash(text);
  paraphrase_id = paraphrases.word_id(text);
  paraphrase_node = paraphrases.child(ParaphraseTable::kRoot, paraphrase_id);
  synset_bits = 0;
  for (const std::int32_t synset : synsets) synset_bits |= std::uint64_t{1} << (static_cast<std::uint32_t>(synset) % 64);
}

namespace {

// The trie steps of recent sentences, per thread: captions repeat their phrases, and a
// step looked up in the table is a binary search through memory far away.
class ChildCache {
 public:
  std::uint32_t child(const ParaphraseTable& table, std::uint32_t node, std::int32_t word) {
    if (table.id() != table_) {
      table_ = table.id();
      std::fill(std::begin(keys_), std::end(keys_), kEmpty);
    }
    const std::uint64_t key = (std::uint64_t{node} << 32) | static_cast<std::uint32_t>(word);
    const std::size_t slot = ((key * 0x9E3779B97F4A7C15ULL) >> 52) & (kSlots - 1);
    if (keys_[slot] != key) {
      keys_[slot] = key;
      values_[slot] = table.child(node, word);
    }
    return values_[slot];
  }

 private:
  static constexpr std::size_t kSlots = 4096;
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  std::uint64_t table_ = 0;  // the id of the table the entries are from
  std::uint64_t keys_[kSlots];
  std::uint32_t values_[kSlots];
};

}  // namespace

MeteorSentence::MeteorSentence(std::vector<const MeteorWord*> sentence_words, const ParaphraseTable& table)
    : words(std::move(sentence_words)) {
  thread_local ChildCache children;
  walk_begin.reserve(words.size() + 1);
  for (std::size_t start = 0; start < words.size(); ++start) {
    walk_begin.push_back(static_cast<std::uint32_t>(walk_nodes.size()));
    std::uint32_t node = words[start]->paraphrase_node;
    for (std::size_t i = start + 1; node != ParaphraseTable::kNone; ++i) {
      walk_nodes.push_back(node);
      if (i == words.size()) break;
      node = children.child(table, node, words[i]->paraphrase_id);
    }
  }
  walk_begin.push_back(static_cast<std::uint32_t>(walk_nodes.size()));
  paraphrase_begin.reserve(walk_nodes.size() + 1);
  for (const std::uint32_t node : walk_nodes) {
    paraphrase_begin.push_back(static_cast<std::uint32_t>(paraphrases.size()));
    paraphrases.insert(paraphrases.end(), table.paraphrases_begin(node), table.paraphrases_end(node));
  }
  paraphrase_begin.push_back(static_cast<std::uint32_t>(paraphrases.size()));
  walk_set = walk_nodes;
  std::sort(walk_set.begin(), walk_set.end());
  walk_set.erase(std::unique(walk_set.begin(), walk_set.end()), walk_set.end());
  for (const std::uint32_t node : walk_set) walk_bits |= std::uint64_t{1} << (node % 64);
}

namespace {

std::size_t synset_slot(std::int32_t synset, std::size_t mask) {
  return (static_cast<std::uint32_t>(synset) * 0x9E3779B1u >> 7) & mask;
}

}  // namespace

void MeteorSentence::index_synsets() {
  if (words.size() > 64) return;
  std::size_t count = 0;
  for (const MeteorWord* word : words) count += word->synsets.size();
  std::size_t capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  synset_keys.assign(capacity, -1);
  synset_positions.assign(capacity, 0);
  for (std::size_t i = 0; i < words.size(); ++i) {
    for (const std::int32_t synset : words[i]->synsets) {
      std::size_t slot = synset_slot(synset, capacity - 1);
      while (synset_keys[slot] != -1 && synset_keys[slot] != synset) slot = (slot + 1) & (capacity - 1);
      synset_keys[slot] = synset;
      synset_positions[slot] |= std::uint64_t{1} << i;
    }
  }
}

std::uint64_t MeteorSentence::positions_with_synset(std::int32_t synset) const {
  const std::size_t mask = synset_keys.size() - 1;
  for (std::size_t slot = synset_slot(synset, mask);; slot = (slot + 1) & mask) {
    if (synset_keys[slot] == synset) return synset_positions[slot];
    if (synset_keys[slot] == -1) return 0;
  }
}

MeteorAlignment align_meteor(const MeteorSentence& test, const MeteorSentence& reference,
                             const ParaphraseTable& paraphrases) {
  thread_local Scratch scratch;
  const std::size_t n1 = test.size();
  const std::size_t n2 = reference.size();
  const auto& t = test.words;
  const auto& r = reference.words;

  // Identical sentences need the exact module only.
  bool identical = n1 == n2;
  for (std::size_t i = 0; identical && i < n1; ++i) identical = t[i]->hash == r[i]->hash;

  std::vector<MeteorMatch>& found = scratch.found;
  found.clear();
  auto word_match = [&found](int module, std::size_t j, std::size_t i) {
    found.push_back(MeteorMatch{static_cast<int>(j), 1, static_cast<int>(i), 1, module});
  };
  for (std::size_t j = 0; j < n2; ++j) {
    for (std::size_t i = 0; i < n1; ++i) {
      if (t[i]->hash == r[j]->hash) word_match(kExactModule, j, i);
    }
  }
  if (!identical) {
    for (std::size_t j = 0; j < n2; ++j) {
      for (std::size_t i = 0; i < n1; ++i) {
        if (t[i]->stem_hash == r[j]->stem_hash && t[i]->hash != r[j]->hash) word_match(kStemModule, j, i);
      }
    }
    for (std::size_t j = 0; j < n2; ++j) {
      if (test.synsets_indexed()) {
        std::uint64_t sharing = 0;
        for (const std::int32_t synset : r[j]->synsets) sharing |= test.positions_with_synset(synset);
        for (; sharing != 0; sharing &= sharing - 1) {
          const auto i = static_cast<std::size_t>(__builtin_ctzll(sharing));
          if (t[i]->hash != r[j]->hash) word_match(kSynonymModule, j, i);
        }
        continue;
      }
      for (std::size_t i = 0; i < n1; ++i) {
        if (t[i]->hash != r[j]->hash && share_synset(*t[i], *r[j])) word_match(kSynonymModule, j, i);
      }
    }
    if (!paraphrases.empty()) match_paraphrases(test, reference, paraphrases, found);
  }

  // Stage.java: the matches listed by reference start, each list in the order found,
  // and how many matches cover each word.
  scratch.begin.assign(n2 + 1, 0);
  scratch.test_coverage.assign(n1, 0);
  scratch.reference_coverage.assign(n2, 0);
  for (const MeteorMatch& m : found) {
    ++scratch.begin[static_cast<std::size_t>(m.start) + 1];
    for (int k = 0; k < m.match_length; ++k) ++scratch.test_coverage[static_cast<std::size_t>(m.match_start + k)];
    for (int k = 0; k < m.length; ++k) ++scratch.reference_coverage[static_cast<std::size_t>(m.start + k)];
  }
  for (std::size_t j = 0; j < n2; ++j) scratch.begin[j + 1] += scratch.begin[j];
  scratch.matches.resize(found.size());
  {
    std::vector<std::size_t>& fill = scratch.order;  // free until the search starts
    fill.assign(scratch.begin.begin(), scratch.begin.end() - 1);
    for (const MeteorMatch& m : found) scratch.matches[fill[static_cast<std::size_t>(m.start)]++] = m;
  }

  // The start path: one-to-one matches that overlap nothing are definite.
  Search search(scratch, n1, n2);
  Generation& start = scratch.current;
  start.clear();
  start.paths.push_back(Path{});
  start.matches.assign(n2, nullptr);
  start.used.assign(n1 + n2, 0);
  const Path& initial = start.paths.front();
  for (std::size_t j = 0; j < n2; ++j) {
    if (scratch.begin[j + 1] - scratch.begin[j] != 1) continue;
    const MeteorMatch& m = scratch.matches[scratch.begin[j]];
    bool overlap = false;
    for (int k = 0; k < m.length; ++k) overlap = overlap || scratch.reference_coverage[j + static_cast<std::size_t>(k)] != 1;
    for (int k = 0; k < m.match_length; ++k) {
      overlap = overlap || scratch.test_coverage[static_cast<std::size_t>(m.match_start + k)] != 1;
    }
    if (overlap) continue;
    search.match_at(start, initial, j) = &m;
    search.set_used(start, initial, m);
  }
  search.resolve();
  const Path& best = scratch.current.paths[scratch.order[0]];
  const MeteorMatch* const* chosen = scratch.current.matches.data() + best.slot * n2;

  MeteorAlignment alignment;
  alignment.test_length = static_cast<int>(n1);
  alignment.reference_length = static_cast<int>(n2);
  for (const MeteorWord* word : t) alignment.test_function_words += word->function_word;
  for (const MeteorWord* word : r) alignment.reference_function_words += word->function_word;
  for (std::size_t j = 0; j < n2; ++j) {
    const MeteorMatch* m = chosen[j];
    if (m == nullptr) continue;
    alignment.matches.push_back(*m);
    for (int k = 0; k < m->match_length; ++k) {
      const bool function = t[static_cast<std::size_t>(m->match_start + k)]->function_word;
      ++(function ? alignment.test_function : alignment.test_content)[static_cast<std::size_t>(m->module)];
    }
    for (int k = 0; k < m->length; ++k) {
      const bool function = r[static_cast<std::size_t>(m->start + k)]->function_word;
      ++(function ? alignment.reference_function : alignment.reference_content)[static_cast<std::size_t>(m->module)];
    }
  }
  // Aligner.getCountAndChunks.
  int last_match_end = -1;
  std::size_t idx = 0;
  while (idx < n2) {
    const MeteorMatch* m = chosen[idx];
    if (m == nullptr) {
      if (last_match_end != -1) {
        ++alignment.chunks;
        last_match_end = -1;
      }
      ++idx;
      continue;
    }
    alignment.test_matches += m->match_length;
    alignment.reference_matches += m->length;
    if (last_match_end != -1 && m->match_start != last_match_end) ++alignment.chunks;
    idx = static_cast<std::size_t>(m->start + m->length);
    last_match_end = m->match_start + m->match_length;
  }
  if (last_match_end != -1) ++alignment.chunks;
  return alignment;
}

}  // namespace captioner::metrics
