#include "metrics/tokenizer.h"

#include <array>
#include <stdexcept>

#include "metrics/java_lowercase.h"
#include "metrics/ptb_tokenizer.h"
#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// pycocoevalcap's PUNCTUATIONS. The bracket forms are upper case there while the
// tokenizer lower-cases them, so "-lrb-" and friends are never removed.
constexpr std::array<std::string_view, 17> kPunctuation = {
    "''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".",
    "?",  "!", ",",  ":", "-",     "--",    "...",   ";"};

bool is_punctuation(std::string_view token) {
  // Every one of them starts with a character outside [0-9a-z]: most tokens are rejected at once.
  if (token.empty() || (token[0] >= 'a' && token[0] <= 'z') || (token[0] >= '0' && token[0] <= '9')) return false;
  for (const std::string_view p : kPunctuation) {
    if (token == p) return true;
  }
  return false;
}

std::string lowercase_utf8(std::string_view text) {
  std::u16string wide;
  append_utf8_as_utf16(text, wide);
  std::string out;
  append_utf16_as_utf8(java_lowercase(wide), out);
  return out;
}

class PretokenizedTokenizer final : public CaptionTokenizer {
 public:
  std::vector<std::string> tokenize(const std::vector<std::string>& captions) const override {
    std::vector<std::string> out;
    out.reserve(captions.size());
    for (const std::string& caption : captions) {
      std::string line;
      const std::string lowered = lowercase_utf8(caption);
      for (const std::string_view word : split_python_whitespace(lowered)) {
        if (is_punctuation(word)) continue;
        if (!line.empty()) line += ' ';
        line += word;
      }
      out.push_back(std::move(line));
    }
    return out;
  }
};

}  // namespace

TokenizationMode parse_tokenization_mode(std::string_view name) {
  if (name == "ptb") return TokenizationMode::kPtb;
  if (name == "pretokenized") return TokenizationMode::kPretokenized;
  throw std::invalid_argument("unknown tokenization '" + std::string(name) +
                              "' (expected ptb or pretokenized)");
}

std::string_view tokenization_mode_name(TokenizationMode mode) {
  return mode == TokenizationMode::kPtb ? "ptb" : "pretokenized";
}

std::unique_ptr<CaptionTokenizer> make_tokenizer(TokenizationMode mode) {
  if (mode == TokenizationMode::kPtb) return std::make_unique<PtbTokenizer>();
  return std::make_unique<PretokenizedTokenizer>();
}

std::string remove_punctuation_tokens(std::string_view line) {
  const std::string_view stripped = rstrip_python_whitespace(line);
  std::string out;
  bool first = true;
  std::size_t start = 0;
  for (;;) {
    const std::size_t space = stripped.find(' ', start);
    const std::string_view token = stripped.substr(start, space - start);
    if (!is_punctuation(token)) {
      if (!first) out += ' ';
      out += token;
      first = false;
    }
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  return out;
}

}  // namespace captioner::metrics
