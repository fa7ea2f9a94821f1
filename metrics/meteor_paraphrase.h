#pragma once
// METEOR's English paraphrase table (paraphrase-en.gz, 5.3 million phrase pairs) as a
// trie over word ids, the shape of the jar's ParaphraseTransducer. Parsing the 272 MB
// of text takes seconds, so the trie is kept in a compact binary cache beside the
// table and mapped into memory: opening it costs nothing.

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace captioner::metrics {

class ParaphraseTable {
 public:
  static constexpr std::uint32_t kRoot = 0;
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  ParaphraseTable() = default;

  // The table of paraphrase-en.gz at `source`, whose SHA-256 is `source_sha256`: read
  // from the cache `source` + ".cache" when that was built from this very file, else
  // parsed and the cache written (atomically; a read-only folder only costs time and a
  // note in `log`). InputError naming the file for a bad table.
  static ParaphraseTable open(const std::filesystem::path& source, const std::string& source_sha256, std::ostream& log);

  // A table from uncompressed text in the jar's format: blocks of three lines
  // (probability, phrase, paraphrase). `name` is for errors.
  static ParaphraseTable from_text(std::string_view text, const std::string& name);

  // The id of `word` in the table's vocabulary, or -1 (the jar's translate()).
  std::int32_t word_id(std::string_view word) const;

  // Trie navigation: the node reached from `node` by word id `word`, or kNone.
  std::uint32_t child(std::uint32_t node, std::int32_t word) const;
  // The paraphrases of the phrase that ends at `node`, in the table's order: each is
  // the node where the paraphrase's own word sequence ends.
  const std::uint32_t* paraphrases_begin(std::uint32_t node) const { return emit_node_ + emit_begin_[node]; }
  const std::uint32_t* paraphrases_end(std::uint32_t node) const { return emit_node_ + emit_begin_[node + 1]; }
  // Number of words of the phrase that ends at `node`.
  std::uint32_t depth(std::uint32_t node) const { return node_depth_[node]; }

  bool empty() const { return storage_ == nullptr; }
  // Different for every table made or opened in this process (the same for copies).
  std::uint64_t id() const { return id_; }
  std::size_t phrase_pairs() const { return emit_count_; }

 private:
  void attach(std::shared_ptr<const void> storage, std::string_view bytes, const std::string& name);

  std::shared_ptr<const void> storage_;  // the mapped cache or an in-memory image of it
  std::uint64_t id_ = 0;
  std::uint64_t vocab_count_ = 0;
  std::uint64_t node_count_ = 0;
  std::uint64_t emit_count_ = 0;
  const std::uint32_t* vocab_offsets_ = nullptr;
  const char* vocab_blob_ = nullptr;
  const std::uint32_t* first_child_ = nullptr;
  const std::uint32_t* node_word_ = nullptr;
  const std::uint8_t* node_depth_ = nullptr;
  const std::uint32_t* emit_begin_ = nullptr;
  const std::uint32_t* emit_node_ = nullptr;
};

}  // namespace captioner::metrics
