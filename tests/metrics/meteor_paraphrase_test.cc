// The paraphrase table: the trie's answers, and its binary cache (built once beside the
// table, used while it matches the table's hash, rebuilt when it does not).
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/meteor_paraphrase.h"
#include "util/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace captioner::metrics {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> paraphrases_of(const ParaphraseTable& table, const std::vector<std::string>& phrase) {
  std::uint32_t node = ParaphraseTable::kRoot;
  for (const std::string& word : phrase) node = table.child(node, table.word_id(word));
  std::vector<std::string> out;
  if (node == ParaphraseTable::kNone) return out;
  for (const std::uint32_t* p = table.paraphrases_begin(node); p != table.paraphrases_end(node); ++p) {
    out.push_back(std::to_string(table.depth(*p)) + " words");
  }
  return out;
}

constexpr const char* kTable = "0.5\nhas been\nwas\n0.4\nwas\nhas been\n0.3\na man\na person\n0.2\nwas\nis\n";

TEST(MeteorParaphrase, TrieAnswersAsTheTransducer) {
  const ParaphraseTable table = ParaphraseTable::from_text(kTable, "table");
  EXPECT_EQ(table.phrase_pairs(), 4u);
  EXPECT_EQ(table.word_id("unknown"), -1);
  EXPECT_GE(table.word_id("was"), 0);
  // "was" has two paraphrases in the table's order: "has been", then "is".
  EXPECT_EQ(paraphrases_of(table, {"was"}), (std::vector<std::string>{"2 words", "1 words"}));
  EXPECT_EQ(paraphrases_of(table, {"has", "been"}), (std::vector<std::string>{"1 words"}));
  EXPECT_TRUE(paraphrases_of(table, {"has"}).empty());  // a prefix, not a phrase
  EXPECT_EQ(table.child(ParaphraseTable::kRoot, -1), ParaphraseTable::kNone);
}

TEST(MeteorParaphrase, IncompleteBlockIsAnError) {
  EXPECT_THROW(ParaphraseTable::from_text("0.5\nhas been\n", "broken.txt"), InputError);
}

TEST(MeteorParaphrase, CacheIsBuiltOnceAndRebuiltForAnotherTable) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("meteor_cache_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path source = dir / "paraphrase-en.gz";
  auto write_gzip = [&](const std::string& text) {
    gzFile file = gzopen(source.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
    gzclose(file);
  };
  write_gzip(kTable);
  std::ostringstream log;
  const std::string hash = sha256_hex(read_file(source));
  const ParaphraseTable built = ParaphraseTable::open(source, hash, log);
  EXPECT_NE(log.str().find("building"), std::string::npos);
  ASSERT_TRUE(fs::exists(dir / "paraphrase-en.gz.cache"));
  EXPECT_EQ(paraphrases_of(built, {"was"}).size(), 2u);

  std::ostringstream second_log;
  const ParaphraseTable cached = ParaphraseTable::open(source, hash, second_log);
  EXPECT_EQ(second_log.str(), "");  // mapped, not rebuilt
  EXPECT_EQ(paraphrases_of(cached, {"was"}), paraphrases_of(built, {"was"}));
  EXPECT_EQ(cached.word_id("person"), built.word_id("person"));

  // A damaged cache is rebuilt.
  fs::resize_file(dir / "paraphrase-en.gz.cache", fs::file_size(dir / "paraphrase-en.gz.cache") - 4);
  std::ostringstream damaged_log;
  EXPECT_EQ(paraphrases_of(ParaphraseTable::open(source, hash, damaged_log), {"was"}).size(), 2u);
  EXPECT_NE(damaged_log.str().find("building"), std::string::npos);

  write_gzip("0.5\nwas\nis\n");
  std::ostringstream third_log;
  const ParaphraseTable rebuilt = ParaphraseTable::open(source, sha256_hex(read_file(source)), third_log);
  EXPECT_NE(third_log.str().find("building"), std::string::npos);
  EXPECT_EQ(rebuilt.phrase_pairs(), 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace captioner::metrics
