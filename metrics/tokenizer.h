#pragma once
// Caption tokenization before scoring: the interface and its two modes.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace captioner::metrics {

enum class TokenizationMode {
  kPtb,           // pycocoevalcap: Stanford PTBTokenizer 3.4.1, lower-cased, punctuation removed
  kPretokenized,  // text already tokenized: lower-case, split on whitespace, punctuation removed
};

// Parses "ptb" or "pretokenized"; throws std::invalid_argument otherwise.
TokenizationMode parse_tokenization_mode(std::string_view name);
std::string_view tokenization_mode_name(TokenizationMode mode);

class CaptionTokenizer {
 public:
  virtual ~CaptionTokenizer() = default;
  // One output per caption, in order: its tokens joined by single spaces. The batch
  // matters for the PTB mode, whose lexer looks across caption boundaries exactly as
  // the reference does when it tokenizes a whole batch as one text.
  virtual std::vector<std::string> tokenize(const std::vector<std::string>& captions) const = 0;
};

std::unique_ptr<CaptionTokenizer> make_tokenizer(TokenizationMode mode);

// pycocoevalcap's wrapper step on one line of tokenizer output: strip trailing
// whitespace, split on ' ', drop the 17 punctuation tokens, join with ' '.
std::string remove_punctuation_tokens(std::string_view line);

}  // namespace captioner::metrics
