// METEOR's paraphrase table reader (metrics/meteor_paraphrase: the text of paraphrase-en.gz,
// blocks of probability, phrase, paraphrase lines), then lookups through the trie it builds:
// every phrase of the input walked word by word, every paraphrase of every node reached.

#include <cstddef>
#include <cstdint>
#include <string>

#include "metrics/meteor_normalizer.h"
#include "metrics/meteor_paraphrase.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace metrics = captioner::metrics;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  metrics::ParaphraseTable table;
  try {
    table = metrics::ParaphraseTable::from_text(text, "paraphrase-en.gz");
  } catch (const captioner::InputError&) {
    return 0;
  }
  FUZZ_CHECK(!table.empty());
  std::string_view lines = text;
  for (;;) {
    const std::size_t end = lines.find_first_of("\r\n");
    std::uint32_t node = metrics::ParaphraseTable::kRoot;
    std::uint32_t depth = 0;
    for (const std::string_view word : metrics::java_tokenizer_words(lines.substr(0, end))) {
      node = table.child(node, table.word_id(word));
      if (node == metrics::ParaphraseTable::kNone) break;
      FUZZ_CHECK(table.depth(node) == ++depth);
      for (auto p = table.paraphrases_begin(node); p != table.paraphrases_end(node); ++p) {
        FUZZ_CHECK(table.depth(*p) <= 255);
      }
    }
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 1);
  }
  return 0;
}
