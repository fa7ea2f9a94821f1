#pragma once
// A C++ reimplementation of the tokenization pycocoevalcap performs with
// `java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer
//  -preserveLines -lowerCase`, matched token for token against the jar.

#include <string>
#include <vector>

#include "metrics/tokenizer.h"

namespace captioner::metrics {

// What the jar prints for captions joined by newlines: one line per caption, its
// lower-cased tokens separated by single spaces. Characters that would end a line
// inside a caption (\r, \v, \f, U+2028, U+2029) count as spaces; the
// reference would split the caption there and shift every later caption.
std::vector<std::string> ptb_tokenize_lines(const std::vector<std::string>& captions);

class PtbTokenizer final : public CaptionTokenizer {
 public:
  std::vector<std::string> tokenize(const std::vector<std::string>& captions) const override;
};

}  // namespace captioner::metrics
