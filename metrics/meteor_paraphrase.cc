#include "metrics/meteor_paraphrase.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <functional>
#include <ostream>
#include <unordered_map>
#include <vector>

#include "metrics/mapped_file.h"
#include "util/error.h"
#include "util/file.h"

namespace captioner::metrics {
namespace {

// The cache's layout: a header, then arrays, each starting on an 8-byte boundary.
//   vocab_offsets u32[vocab+1], vocab_blob (the words, sorted by bytes: id = rank),
//   first_child u32[nodes+1] (nodes are numbered breadth-first, so the children of node
//   k are the nodes first_child[k] .. first_child[k+1]-1, sorted by word id),
//   node_word u32[nodes], node_depth u8[nodes], emit_begin u32[nodes+1], emit_node u32[emits].
constexpr char kMagic[8] = {'C', 'A', 'P', 'M', 'P', 'A', 'R', '1'};
constexpr std::uint32_t kVersion = 1;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_bytes;
  char source_sha256[64];
  std::uint64_t vocab_count;
  std::uint64_t vocab_blob_bytes;
  std::uint64_t node_count;
  std::uint64_t emit_count;
};

std::size_t aligned(std::size_t offset) { return (offset + 7) & ~static_cast<std::size_t>(7); }

// Java's BufferedReader.readLine() over text: '\n', '\r' and "\r\n" end lines.
class LineSplitter {
 public:
  // `chunk`: bytes read at a time (the table's text in memory is read in one).
  explicit LineSplitter(std::function<std::size_t(char*, std::size_t)> read, std::size_t chunk = 1 << 20)
      : read_(std::move(read)), chunk_(chunk) {}

  bool next(std::string_view& line) {
    for (;;) {
      const std::size_t end = find_end();
      if (end != std::string::npos) {
        line = std::string_view(buffer_).substr(position_, end - position_);
        position_ = end + 1;
        if (buffer_[end] == '\r') skip_newline_ = true;
        return true;
      }
      if (!fill()) {
        if (position_ >= buffer_.size()) return false;
        line = std::string_view(buffer_).substr(position_);
        position_ = buffer_.size();
        return true;
      }
    }
  }

 private:
  std::size_t find_end() {
    if (skip_newline_ && position_ < buffer_.size()) {
      if (buffer_[position_] == '\n') ++position_;
      skip_newline_ = false;
    }
    for (std::size_t i = position_; i < buffer_.size(); ++i) {
      if (buffer_[i] == '\n' || buffer_[i] == '\r') return i;
    }
    return std::string::npos;
  }

  bool fill() {
    buffer_.erase(0, position_);
    position_ = 0;
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + chunk_);
    const std::size_t got = read_(buffer_.data() + old_size, chunk_);
    buffer_.resize(old_size + got);
    return got > 0;
  }

  std::function<std::size_t(char*, std::size_t)> read_;
  std::size_t chunk_;
  std::string buffer_;
  std::size_t position_ = 0;
  bool skip_newline_ = false;
};

// Open-addressing map from (node, word) to child node while the trie is built.
class EdgeMap {
 public:
  // `slots`: a power of two; the map doubles when half full.
  explicit EdgeMap(std::size_t slots) : keys_(slots, kEmpty), values_(slots) {}

  // The child of `node` by `word`, made (with id `next`) if new.
  std::uint32_t find_or_add(std::uint32_t node, std::uint32_t word, std::uint32_t next, bool& added) {
    if ((size_ + 1) * 2 > keys_.size()) grow();
    const std::uint64_t key = (static_cast<std::uint64_t>(node) << 32) | word;
    std::size_t slot = hash(key) & (keys_.size() - 1);
    while (keys_[slot] != kEmpty) {
      if (keys_[slot] == key) {
        added = false;
        return values_[slot];
      }
      slot = (slot + 1) & (keys_.size() - 1);
    }
    keys_[slot] = key;
    values_[slot] = next;
    ++size_;
    added = true;
    return next;
  }

 private:
  static constexpr std::uint64_t kEmpty = ~static_cast<std::uint64_t>(0);
  static std::uint64_t hash(std::uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
  }
  void grow() {
    std::vector<std::uint64_t> keys(keys_.size() * 2, kEmpty);
    std::vector<std::uint32_t> values(keys.size());
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == kEmpty) continue;
      std::size_t slot = hash(keys_[i]) & (keys.size() - 1);
      while (keys[slot] != kEmpty) slot = (slot + 1) & (keys.size() - 1);
      keys[slot] = keys_[i];
      values[slot] = values_[i];
    }
    keys_ = std::move(keys);
    values_ = std::move(values);
  }

  std::vector<std::uint64_t> keys_;
  std::vector<std::uint32_t> values_;
  std::size_t size_ = 0;
};

// Reads the table's blocks and builds the cache image.
class TableBuilder {
 public:
  // `edge_slots`: the trie's edge map starts with room for half as many edges.
  TableBuilder(std::string name, std::size_t edge_slots) : name_(std::move(name)), edges_(edge_slots) {
    node_parent_.push_back(0);
    node_word_.push_back(0);
    node_depth_.push_back(0);
  }

  void read(LineSplitter& lines) {
    std::string_view line;
    std::size_t line_number = 0;
    std::vector<std::uint32_t> phrase;
    std::vector<std::uint32_t> paraphrase;
    while (lines.next(line)) {  // the probability, unused (as in the jar)
      ++line_number;
      std::string_view phrase_line;
      std::string_view paraphrase_line;
      if (!lines.next(phrase_line)) throw incomplete(line_number + 1);
      to_words(phrase_line, phrase);
      if (!lines.next(paraphrase_line)) throw incomplete(line_number + 2);
      to_words(paraphrase_line, paraphrase);
      line_number += 2;
      const std::uint32_t phrase_node = insert(phrase, line_number - 1);
      const std::uint32_t paraphrase_node = insert(paraphrase, line_number);
      emits_.emplace_back(phrase_node, paraphrase_node);
    }
  }

  // The cache image; `source_sha256` is recorded in the header.
  std::string finish(const std::string& source_sha256) {
    // Vocabulary ids by byte order of the words.
    std::vector<std::uint32_t> by_rank(words_.size());
    for (std::uint32_t i = 0; i < by_rank.size(); ++i) by_rank[i] = i;
    std::sort(by_rank.begin(), by_rank.end(), [&](std::uint32_t a, std::uint32_t b) { return words_[a] < words_[b]; });
    std::vector<std::uint32_t> rank_of(words_.size());
    for (std::uint32_t rank = 0; rank < by_rank.size(); ++rank) rank_of[by_rank[rank]] = rank;

    // Breadth-first numbering with each node's children sorted by word id.
    const std::size_t nodes = node_parent_.size();
    std::vector<std::uint32_t> child_count(nodes + 1, 0);
    for (std::size_t node = 1; node < nodes; ++node) ++child_count[node_parent_[node] + 1];
    for (std::size_t i = 1; i <= nodes; ++i) child_count[i] += child_count[i - 1];
    std::vector<std::uint32_t> children(nodes > 0 ? nodes - 1 : 0);
    {
      std::vector<std::uint32_t> fill(child_count.begin(), child_count.end() - 1);
      for (std::uint32_t node = 1; node < nodes; ++node) children[fill[node_parent_[node]]++] = node;
    }
    std::vector<std::uint32_t> order;  // new id -> build id
    order.reserve(nodes);
    order.push_back(0);
    std::vector<std::uint32_t> new_id(nodes, 0);
    std::vector<std::uint32_t> first_child(nodes + 1, 0);
    for (std::size_t k = 0; k < nodes; ++k) {
      const std::uint32_t node = order[k];
      first_child[k] = static_cast<std::uint32_t>(order.size());
      auto begin = children.begin() + child_count[node];
      auto end = children.begin() + child_count[node + 1];
      std::sort(begin, end, [&](std::uint32_t a, std::uint32_t b) {
        return rank_of[node_word_[a]] < rank_of[node_word_[b]];
      });
      for (auto child = begin; child != end; ++child) {
        new_id[*child] = static_cast<std::uint32_t>(order.size());
        order.push_back(*child);
      }
    }
    first_child[nodes] = static_cast<std::uint32_t>(nodes);

    Header header{};
    std::memcpy(header.magic, kMagic, sizeof kMagic);
    header.version = kVersion;
    header.header_bytes = sizeof(Header);
    std::memset(header.source_sha256, 0, sizeof header.source_sha256);
    std::memcpy(header.source_sha256, source_sha256.data(), std::min<std::size_t>(64, source_sha256.size()));
    header.vocab_count = words_.size();
    for (const std::string& word : words_) header.vocab_blob_bytes += word.size();
    header.node_count = nodes;
    header.emit_count = emits_.size();

    std::string image;
    auto append = [&image](const void* data, std::size_t bytes) {
      image.resize(aligned(image.size()), '\0');
      image.append(static_cast<const char*>(data), bytes);
    };
    append(&header, sizeof header);
    std::vector<std::uint32_t> offsets;
    offsets.reserve(words_.size() + 1);
    std::string blob;
    blob.reserve(header.vocab_blob_bytes);
    for (const std::uint32_t word : by_rank) {
      offsets.push_back(static_cast<std::uint32_t>(blob.size()));
      blob += words_[word];
    }
    offsets.push_back(static_cast<std::uint32_t>(blob.size()));
    append(offsets.data(), offsets.size() * 4);
    append(blob.data(), blob.size());
    append(first_child.data(), first_child.size() * 4);
    std::vector<std::uint32_t> words(nodes);
    std::vector<std::uint8_t> depths(nodes);
    for (std::size_t k = 0; k < nodes; ++k) {
      words[k] = k == 0 ? 0 : rank_of[node_word_[order[k]]];
      depths[k] = static_cast<std::uint8_t>(node_depth_[order[k]]);
    }
    append(words.data(), words.size() * 4);
    append(depths.data(), depths.size());
    // Each node's paraphrases in the table's order.
    std::vector<std::uint32_t> emit_begin(nodes + 1, 0);
    for (const auto& [phrase, paraphrase] : emits_) ++emit_begin[new_id[phrase] + 1];
    for (std::size_t i = 1; i <= nodes; ++i) emit_begin[i] += emit_begin[i - 1];
    std::vector<std::uint32_t> emit_node(emits_.size());
    {
      std::vector<std::uint32_t> fill(emit_begin.begin(), emit_begin.end() - 1);
      for (const auto& [phrase, paraphrase] : emits_) emit_node[fill[new_id[phrase]]++] = new_id[paraphrase];
    }
    append(emit_begin.data(), emit_begin.size() * 4);
    append(emit_node.data(), emit_node.size() * 4);
    return image;
  }

 private:
  InputError incomplete(std::size_t line) const {
    return file_error(name_, "line " + std::to_string(line) + ": the table ends inside a block of three lines");
  }

  // StringTokenizer's words, as vocabulary ids in order of first appearance.
  void to_words(std::string_view line, std::vector<std::uint32_t>& out) {
    out.clear();
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
      const std::size_t start = i;
      while (i < line.size() && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
      if (i == start) break;
      const std::string_view word = line.substr(start, i - start);
      auto found = vocab_.find(word);
      if (found == vocab_.end()) {
        words_.emplace_back(word);
        found = vocab_.emplace(words_.back(), static_cast<std::uint32_t>(words_.size() - 1)).first;
      }
      out.push_back(found->second);
    }
  }

  std::uint32_t insert(const std::vector<std::uint32_t>& phrase, std::size_t line) {
    if (phrase.size() > 255) throw file_error(name_, "line " + std::to_string(line) + ": a phrase of over 255 words");
    std::uint32_t node = 0;
    for (const std::uint32_t word : phrase) {
      bool added = false;
      const std::uint32_t next = static_cast<std::uint32_t>(node_parent_.size());
      const std::uint32_t child = edges_.find_or_add(node, word, next, added);
      if (added) {
        node_parent_.push_back(node);
        node_word_.push_back(word);
        node_depth_.push_back(node_depth_[node] + 1);
      }
      node = child;
    }
    return node;
  }

  std::string name_;
  std::deque<std::string> words_;  // by build id; a deque keeps the views in vocab_ valid
  std::unordered_map<std::string_view, std::uint32_t> vocab_;
  EdgeMap edges_;
  std::vector<std::uint32_t> node_parent_;
  std::vector<std::uint32_t> node_word_;
  std::vector<std::uint32_t> node_depth_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> emits_;  // (phrase node, paraphrase node), in order
};

std::string build_from_gzip(const std::filesystem::path& source, const std::string& source_sha256) {
  gzFile file = gzopen(source.c_str(), "rb");
  if (file == nullptr) throw file_error(source.string(), "cannot open");
  gzbuffer(file, 1 << 20);
  std::string error;
  LineSplitter lines([&](char* out, std::size_t size) -> std::size_t {
    const int got = gzread(file, out, static_cast<unsigned>(size));
    if (got < 0) {
      int code = 0;
      error = gzerror(file, &code);
      return 0;
    }
    return static_cast<std::size_t>(got);
  });
  TableBuilder builder(source.string(), std::size_t{1} << 20);  // millions of phrases
  try {
    builder.read(lines);
  } catch (...) {
    gzclose(file);
    throw;
  }
  gzclose(file);
  if (!error.empty()) throw file_error(source.string(), "cannot decompress: " + error);
  return builder.finish(source_sha256);
}

bool header_matches(std::string_view bytes, const std::string& source_sha256) {
  if (bytes.size() < sizeof(Header)) return false;
  Header header;
  std::memcpy(&header, bytes.data(), sizeof header);
  return std::memcmp(header.magic, kMagic, sizeof kMagic) == 0 && header.version == kVersion &&
         source_sha256.size() == 64 && std::memcmp(header.source_sha256, source_sha256.data(), 64) == 0;
}

}  // namespace

void ParaphraseTable::attach(std::shared_ptr<const void> storage, std::string_view bytes, const std::string& name) {
  Header header;
  if (bytes.size() < sizeof header) throw file_error(name, "truncated paraphrase cache");
  std::memcpy(&header, bytes.data(), sizeof header);
  std::size_t offset = sizeof header;
  bool ok = true;
  auto take = [&](std::size_t size) -> const char* {
    offset = aligned(offset);
    if (!ok || offset + size > bytes.size()) {
      ok = false;
      return nullptr;
    }
    const char* at = bytes.data() + offset;
    offset += size;
    return at;
  };
  vocab_offsets_ = reinterpret_cast<const std::uint32_t*>(take((header.vocab_count + 1) * 4));
  vocab_blob_ = take(header.vocab_blob_bytes);
  first_child_ = reinterpret_cast<const std::uint32_t*>(take((header.node_count + 1) * 4));
  node_word_ = reinterpret_cast<const std::uint32_t*>(take(header.node_count * 4));
  node_depth_ = reinterpret_cast<const std::uint8_t*>(take(header.node_count));
  emit_begin_ = reinterpret_cast<const std::uint32_t*>(take((header.node_count + 1) * 4));
  emit_node_ = reinterpret_cast<const std::uint32_t*>(take(header.emit_count * 4));
  if (!ok || offset != bytes.size() || header.node_count == 0) throw file_error(name, "corrupt paraphrase cache");
  vocab_count_ = header.vocab_count;
  node_count_ = header.node_count;
  emit_count_ = header.emit_count;
  storage_ = std::move(storage);
  static std::atomic<std::uint64_t> next_id{1};
  id_ = next_id++;
}

ParaphraseTable ParaphraseTable::from_text(std::string_view text, const std::string& name) {
  std::size_t position = 0;
  LineSplitter lines(
      [&](char* out, std::size_t size) {
        const std::size_t got = std::min(size, text.size() - position);
        std::memcpy(out, text.data() + position, got);
        position += got;
        return got;
      },
      std::max<std::size_t>(text.size(), 1));
  // Room for as many edges as the text has bytes (a word is at least two with its space).
  std::size_t edge_slots = 1024;
  while (edge_slots < text.size() && edge_slots < (std::size_t{1} << 20)) edge_slots *= 2;
  TableBuilder builder(name, edge_slots);
  builder.read(lines);
  auto image = std::make_shared<std::string>(builder.finish(""));
  ParaphraseTable table;
  table.attach(image, *image, name);
  return table;
}

ParaphraseTable ParaphraseTable::open(const std::filesystem::path& source, const std::string& source_sha256,
                                      std::ostream& log) {
  std::filesystem::path cache = source;
  cache += ".cache";
  ParaphraseTable table;
  std::error_code missing;
  if (std::filesystem::exists(cache, missing)) {
    try {
      const MappedFile mapped = MappedFile::open(cache);
      if (header_matches(mapped.bytes(), source_sha256)) {
        table.attach(mapped.keeper(), mapped.bytes(), cache.string());
        return table;
      }
    } catch (const InputError&) {
      // An unreadable or damaged cache (a truncated copy, say) is rebuilt like a stale one.
    }
  }
  log << "capeval: building the METEOR paraphrase cache " << cache.string() << " (once; takes a few seconds)\n";
  auto image = std::make_shared<std::string>(build_from_gzip(source, source_sha256));
  try {
    write_file_atomically(cache, *image);
  } catch (const InputError& error) {
    log << "capeval: note: " << error.what() << " (the paraphrase table is parsed again on every run)\n";
  }
  table.attach(image, *image, source.string());
  return table;
}

std::int32_t ParaphraseTable::word_id(std::string_view word) const {
  if (storage_ == nullptr) return -1;
  std::size_t low = 0;
  std::size_t high = vocab_count_;
  while (low < high) {
    const std::size_t middle = (low + high) / 2;
    const std::string_view candidate(vocab_blob_ + vocab_offsets_[middle], vocab_offsets_[middle + 1] - vocab_offsets_[middle]);
    const int order = candidate.compare(word);
    if (order == 0) return static_cast<std::int32_t>(middle);
    if (order < 0) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return -1;
}

std::uint32_t ParaphraseTable::child(std::uint32_t node, std::int32_t word) const {
  if (storage_ == nullptr || word < 0) return kNone;
  const std::uint32_t* begin = node_word_ + first_child_[node];
  const std::uint32_t* end = node_word_ + first_child_[node + 1];
  const std::uint32_t* found = std::lower_bound(begin, end, static_cast<std::uint32_t>(word));
  if (found == end || *found != static_cast<std::uint32_t>(word)) return kNone;
  return static_cast<std::uint32_t>(found - node_word_);
}

}  // namespace captioner::metrics
