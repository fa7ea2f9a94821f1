#pragma once
// UTF-8 helpers shared by the readers, the PTB tokenizer and the scorers.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace captioner::metrics {

// Byte offset of the first byte that does not start a valid UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are invalid), or npos.
std::size_t find_invalid_utf8(std::string_view text);

// Decodes valid UTF-8 (check with find_invalid_utf8 first) into UTF-16 code units.
void append_utf8_as_utf16(std::string_view text, std::u16string& out);

// Encodes UTF-16 as UTF-8. An unpaired surrogate becomes '?', as Java's UTF-8
// encoder writes it, so tokens print exactly as the reference tokenizer prints them.
void append_utf16_as_utf8(std::u16string_view text, std::string& out);

// Python's str.isspace() set: what str.split() and str.rstrip() without arguments
// treat as whitespace (pycocoevalcap's BLEU and CIDEr split captions with it).
bool is_python_whitespace(char32_t c);

// str.split() without arguments: runs of Python whitespace separate words.
std::vector<std::string_view> split_python_whitespace(std::string_view text);
// The same into `words` (cleared first), to reuse its memory.
void split_python_whitespace(std::string_view text, std::vector<std::string_view>& words);

// str.rstrip() without arguments.
std::string_view rstrip_python_whitespace(std::string_view text);

}  // namespace captioner::metrics
