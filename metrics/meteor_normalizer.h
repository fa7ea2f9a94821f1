#pragma once
// METEOR 1.5's `-norm` step for English: its Moses-derived tokenizer with punctuation
// kept (Normalizer.normalizeLine), then Java's String.toLowerCase().

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace captioner::metrics {

// The non-breaking prefixes (nonbreaking/english.prefixes): a word "X." keeps its dot
// when X is listed, or when listed as numeric-only and a number follows.
class NonbreakingPrefixes {
 public:
  enum class Kind { kAny, kNumericOnly };

  NonbreakingPrefixes() = default;
  // Parses the file's text: one prefix a line, "#NUMERIC_ONLY#" after it marks the
  // numeric-only ones, lines starting with '#' and empty lines are skipped.
  static NonbreakingPrefixes parse(std::string_view text);

  // The kind of `prefix` (UTF-32), or nullptr if it is not listed.
  const Kind* find(const std::u32string& prefix) const;

 private:
  std::unordered_map<std::u32string, Kind> prefixes_;
};

// Java's String.replace(target, replacement), and Python's str.replace: every occurrence,
// left to right, without overlaps.
std::string replace_all(std::string_view text, std::string_view target, std::string_view replacement);
std::u32string replace_all(std::u32string_view text, std::u32string_view target, std::u32string_view replacement);

// java.util.StringTokenizer's words of `line`: the runs between spaces, tabs, newlines,
// carriage returns and form feeds.
std::vector<std::string_view> java_tokenizer_words(std::string_view line);

// Normalizer.normalizeLine(line, LANG_EN, keepPunctuation=true) followed by
// toLowerCase(): tokens joined by single spaces. `line` must be valid UTF-8.
std::string meteor_normalize(std::string_view line, const NonbreakingPrefixes& prefixes);

}  // namespace captioner::metrics
