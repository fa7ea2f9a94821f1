#include "metrics/meteor_aligner.h"

#include <algorithm>
#include <cstdlib>

#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// The weights the scorer gives the aligner for its search (MeteorScorer.loadConfiguration).
constexpr double kSearchWeights[kMeteorModules] = {1.0, 0.5, 0.5, 0.5};
constexpr std::size_t kBeamSize = 40;

using Sentence = std::vector<const MeteorWord*>;

// Stage.java: every module's candidate matches, listed by reference start position in
// the order the modules found them, and how many candidates cover each word.
struct Stage {
  std::vector<std::vector<MeteorMatch>> matches;
  std::vector<int> test_coverage;
  std::vector<int> reference_coverage;

  void add(const MeteorMatch& match) {
    matches[static_cast<std::size_t>(match.start)].push_back(match);
    for (int k = 0; k < match.match_length; ++k) ++test_coverage[static_cast<std::size_t>(match.match_start + k)];
    for (int k = 0; k < match.length; ++k) ++reference_coverage[static_cast<std::size_t>(match.start + k)];
  }
};

MeteorMatch word_match(int module, int reference_index, int test_index) {
  return MeteorMatch{reference_index, 1, test_index, 1, module};
}

bool share_synset(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i == *j) return true;
    if (*i < *j) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

// For each start position, the trie nodes reached by the words from there on: node
// d is the phrase of words [start, start + d + 1) (the walk of getPaths()).
std::vector<std::vector<std::uint32_t>> phrase_walks(const Sentence& words, const ParaphraseTable& table) {
  std::vector<std::vector<std::uint32_t>> walks(words.size());
  for (std::size_t start = 0; start < words.size(); ++start) {
    std::uint32_t node = ParaphraseTable::kRoot;
    for (std::size_t i = start; i < words.size(); ++i) {
      node = table.child(node, words[i]->paraphrase_id);
      if (node == ParaphraseTable::kNone) break;
      walks[start].push_back(node);
    }
  }
  return walks;
}

// ParaphraseMatcher.match: phrases of the reference paraphrased in the test sentence,
// then phrases of the test sentence paraphrased in the reference. A paraphrase is found
// at a position exactly when the walk from there reaches its node.
void match_paraphrases(const Sentence& test, const Sentence& reference, const ParaphraseTable& table, Stage& stage) {
  const auto test_walks = phrase_walks(test, table);
  const auto reference_walks = phrase_walks(reference, table);
  auto occurs_at = [](const std::vector<std::uint32_t>& walk, std::uint32_t node, std::uint32_t length) {
    return length == 0 || (walk.size() >= length && walk[length - 1] == node);
  };
  for (std::size_t j = 0; j < reference.size(); ++j) {
    for (std::size_t d = 0; d < reference_walks[j].size(); ++d) {
      const std::uint32_t node = reference_walks[j][d];
      for (const std::uint32_t* p = table.paraphrases_begin(node); p != table.paraphrases_end(node); ++p) {
        const std::uint32_t length = table.depth(*p);
        for (std::size_t i = 0; i < test.size(); ++i) {
          if (!occurs_at(test_walks[i], *p, length)) continue;
          stage.add(MeteorMatch{static_cast<int>(j), static_cast<int>(d + 1), static_cast<int>(i),
                                static_cast<int>(length), kParaphraseModule});
        }
      }
    }
  }
  for (std::size_t i = 0; i < test.size(); ++i) {
    for (std::size_t d = 0; d < test_walks[i].size(); ++d) {
      const std::uint32_t node = test_walks[i][d];
      for (const std::uint32_t* p = table.paraphrases_begin(node); p != table.paraphrases_end(node); ++p) {
        const std::uint32_t length = table.depth(*p);
        for (std::size_t j = 0; j < reference.size(); ++j) {
          if (!occurs_at(reference_walks[j], *p, length)) continue;
          stage.add(MeteorMatch{static_cast<int>(j), static_cast<int>(length), static_cast<int>(i),
                                static_cast<int>(d + 1), kParaphraseModule});
        }
      }
    }
  }
}

// PartialAlignment.java. The weighted match counts are Java ints that `+=` a double:
// the sum is truncated, so a one-word match of weight 0.5 adds nothing to them.
struct Path {
  std::vector<const MeteorMatch*> matches;  // by reference position
  std::vector<char> test_used;
  std::vector<char> reference_used;
  int matches1 = 0;
  int matches2 = 0;
  int chunks = 0;
  int idx = 0;
  int last_match_end = -1;
  int distance = 0;

  bool is_used(const MeteorMatch& m) const {
    for (int i = 0; i < m.length; ++i) {
      if (reference_used[static_cast<std::size_t>(m.start + i)]) return true;
    }
    for (int i = 0; i < m.match_length; ++i) {
      if (test_used[static_cast<std::size_t>(m.match_start + i)]) return true;
    }
    return false;
  }
  void set_used(const MeteorMatch& m) {
    for (int i = 0; i < m.length; ++i) reference_used[static_cast<std::size_t>(m.start + i)] = 1;
    for (int i = 0; i < m.match_length; ++i) test_used[static_cast<std::size_t>(m.match_start + i)] = 1;
  }
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

// Collections.sort is stable: so is the order here.
std::vector<std::size_t> sorted_order(const std::vector<Path>& paths) {
  std::vector<std::size_t> order(paths.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&paths](std::size_t a, std::size_t b) { return ranks_before(paths[a], paths[b]); });
  return order;
}

// Aligner.resolve(), including its slip: the distance of a new match is added to the
// path it extends (and so to its later extensions and to the path that skips), not to
// the new path.
Path resolve(const Stage& stage, Path start) {
  const std::size_t positions = stage.matches.size();
  std::vector<Path> paths;
  std::vector<Path> next;
  next.push_back(std::move(start));
  for (std::size_t current = 0; current <= positions; ++current) {
    paths.swap(next);
    next.clear();
    const std::vector<std::size_t> order = sorted_order(paths);
    for (std::size_t rank = 0; rank < kBeamSize && rank < order.size(); ++rank) {
      Path& path = paths[order[rank]];
      if (current == positions) {
        if (path.last_match_end != -1) ++path.chunks;
        next.push_back(std::move(path));
        continue;
      }
      if (path.reference_used[current]) {
        if (static_cast<int>(current) < path.idx) {
          next.push_back(std::move(path));
        } else if (const MeteorMatch* fixed = static_cast<std::size_t>(path.idx) < positions
                                                  ? path.matches[static_cast<std::size_t>(path.idx)]
                                                  : nullptr;
                   fixed != nullptr) {
          path.count(*fixed);
          path.distance += std::abs(fixed->start - fixed->match_start);
          next.push_back(std::move(path));
        }
        continue;
      }
      for (const MeteorMatch& m : stage.matches[current]) {
        if (path.is_used(m)) continue;
        Path extended = path;
        extended.set_used(m);
        extended.matches[current] = &m;
        extended.count(m);
        path.distance += std::abs(m.start - m.match_start);
        next.push_back(std::move(extended));
      }
      if (path.last_match_end != -1) {
        ++path.chunks;
        path.last_match_end = -1;
      }
      ++path.idx;
      next.push_back(std::move(path));
    }
    if (next.empty()) next.push_back(paths[order[0]]);  // the jar warns and carries on
  }
  return std::move(next[sorted_order(next)[0]]);
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

MeteorAlignment align_meteor(const Sentence& test, const Sentence& reference, const ParaphraseTable& paraphrases) {
  const std::size_t n1 = test.size();
  const std::size_t n2 = reference.size();
  Stage stage;
  stage.matches.resize(n2);
  stage.test_coverage.assign(n1, 0);
  stage.reference_coverage.assign(n2, 0);

  // Identical sentences need the exact module only.
  bool identical = n1 == n2;
  for (std::size_t i = 0; identical && i < n1; ++i) identical = test[i]->hash == reference[i]->hash;

  for (std::size_t j = 0; j < n2; ++j) {
    for (std::size_t i = 0; i < n1; ++i) {
      if (test[i]->hash == reference[j]->hash) stage.add(word_match(kExactModule, int(j), int(i)));
    }
  }
  if (!identical) {
    for (std::size_t j = 0; j < n2; ++j) {
      for (std::size_t i = 0; i < n1; ++i) {
        if (test[i]->stem_hash == reference[j]->stem_hash && test[i]->hash != reference[j]->hash) {
          stage.add(word_match(kStemModule, int(j), int(i)));
        }
      }
    }
    for (std::size_t j = 0; j < n2; ++j) {
      for (std::size_t i = 0; i < n1; ++i) {
        if (test[i]->hash != reference[j]->hash && share_synset(test[i]->synsets, reference[j]->synsets)) {
          stage.add(word_match(kSynonymModule, int(j), int(i)));
        }
      }
    }
    if (!paraphrases.empty()) match_paraphrases(test, reference, paraphrases, stage);
  }

  // One-to-one matches that overlap nothing are definite.
  Path start;
  start.matches.assign(n2, nullptr);
  start.test_used.assign(n1, 0);
  start.reference_used.assign(n2, 0);
  for (std::size_t i = 0; i < n2; ++i) {
    if (stage.matches[i].size() != 1) continue;
    const MeteorMatch& m = stage.matches[i][0];
    bool overlap = false;
    for (int k = 0; k < m.length; ++k) overlap = overlap || stage.reference_coverage[i + static_cast<std::size_t>(k)] != 1;
    for (int k = 0; k < m.match_length; ++k) {
      overlap = overlap || stage.test_coverage[static_cast<std::size_t>(m.match_start + k)] != 1;
    }
    if (overlap) continue;
    start.matches[i] = &m;
    start.set_used(m);
  }
  const Path best = resolve(stage, std::move(start));

  MeteorAlignment alignment;
  alignment.test_length = static_cast<int>(n1);
  alignment.reference_length = static_cast<int>(n2);
  for (const MeteorWord* word : test) alignment.test_function_words += word->function_word;
  for (const MeteorWord* word : reference) alignment.reference_function_words += word->function_word;
  for (const MeteorMatch* m : best.matches) {
    if (m == nullptr) continue;
    alignment.matches.push_back(*m);
    for (int k = 0; k < m->match_length; ++k) {
      const bool function = test[static_cast<std::size_t>(m->match_start + k)]->function_word;
      ++(function ? alignment.test_function : alignment.test_content)[static_cast<std::size_t>(m->module)];
    }
    for (int k = 0; k < m->length; ++k) {
      const bool function = reference[static_cast<std::size_t>(m->start + k)]->function_word;
      ++(function ? alignment.reference_function : alignment.reference_content)[static_cast<std::size_t>(m->module)];
    }
  }
  // Aligner.getCountAndChunks.
  int last_match_end = -1;
  std::size_t idx = 0;
  while (idx < n2) {
    const MeteorMatch* m = best.matches[idx];
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
