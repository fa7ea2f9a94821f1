#include "data/text_normalize.h"

#include <stdexcept>

#include "metrics/java_lowercase.h"
#include "metrics/utf8.h"

namespace captioner::data {
namespace {

enum class Kind { word, space, stray, apostrophe, hyphen, digit_joiner };

// UTF-16 code units are classified one by one: every character this cares about is in
// the Basic Multilingual Plane, so a surrogate (half of any other character) is a word
// character.
Kind kind_of(char16_t c) {
  switch (c) {
    case '\'': case '`': case 0x00B4: case 0x2018: case 0x2019: case 0x02BC:
      return Kind::apostrophe;
    case '-': case 0x2010: case 0x2011:
      return Kind::hyphen;
    case '.': case ',': case ':':
      return Kind::digit_joiner;
    case '!': case '"': case '(': case ')': case ';': case '?': case '[': case ']': case '{': case '}':
    case 0x00A1: case 0x00AB: case 0x00BB: case 0x00BF:    // ¡ « » ¿
    case 0x201A: case 0x201B: case 0x201C: case 0x201D:    // ‚ ‛ “ ”
    case 0x201E: case 0x201F: case 0x2026: case 0x2039:    // „ ‟ … ‹
    case 0x203A: case 0x203C: case 0x2047: case 0x2048:    // › ‼ ⁇ ⁈
    case 0x2049: case 0x3001: case 0x3002:                 // ⁉ 、 。
    case 0xFF01: case 0xFF02: case 0xFF07: case 0xFF08:    // full-width ! " ' (
    case 0xFF09: case 0xFF0C: case 0xFF0E: case 0xFF1A:    // ) , . :
    case 0xFF1B: case 0xFF1F: case 0xFF3B: case 0xFF3D:    // ; ? [ ]
    case 0xFF5B: case 0xFF5D:                              // { }
      return Kind::stray;
    case 0x200B: case 0xFEFF:  // zero-width space, byte order mark
      return Kind::space;
    default:
      break;
  }
  if (c >= 0x2012 && c <= 0x2015) return Kind::stray;  // figure dash, en dash, em dash, bar
  if ((c >= 0x3008 && c <= 0x3011) || (c >= 0x3014 && c <= 0x301F)) return Kind::stray;  // CJK brackets
  if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) return Kind::space;  // control characters
  if (c < 0xD800 || c > 0xDFFF) {
    if (metrics::is_python_whitespace(c)) return Kind::space;
  }
  return Kind::word;
}

bool is_ascii_digit(char16_t c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string normalize_caption(std::string_view text) {
  if (metrics::find_invalid_utf8(text) != std::string_view::npos) {
    throw std::invalid_argument("normalize_caption: the text is not valid UTF-8");
  }
  std::u16string units;
  units.reserve(text.size());
  metrics::append_utf8_as_utf16(text, units);
  const std::u16string lower = metrics::java_lowercase(units);

  std::u16string out;
  out.reserve(lower.size());
  bool pending_space = false;  // a separator seen since the last word character written
  auto emit = [&](char16_t c) {
    if (pending_space && !out.empty()) out.push_back(u' ');
    pending_space = false;
    out.push_back(c);
  };
  const std::size_t n = lower.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char16_t c = lower[i];
    const Kind kind = kind_of(c);
    if (kind == Kind::word) {
      emit(c);
      continue;
    }
    // A joiner survives only between two word characters of the same run.
    const bool inside_word = !pending_space && !out.empty() && i > 0 && kind_of(lower[i - 1]) == Kind::word &&
                             i + 1 < n && kind_of(lower[i + 1]) == Kind::word;
    if (inside_word && kind == Kind::apostrophe) {
      emit(u'\'');
    } else if (inside_word && kind == Kind::hyphen) {
      emit(u'-');
    } else if (inside_word && kind == Kind::digit_joiner && is_ascii_digit(lower[i - 1]) &&
               is_ascii_digit(lower[i + 1])) {
      emit(c);
    } else {
      pending_space = true;
    }
  }
  std::string result;
  result.reserve(out.size());
  metrics::append_utf16_as_utf8(out, result);
  return result;
}

std::size_t count_words(std::string_view normalized) {
  if (normalized.empty()) return 0;
  std::size_t words = 1;
  for (const char c : normalized) words += c == ' ';
  return words;
}

std::string first_words(std::string_view normalized, std::size_t max_words) {
  if (max_words == 0) return {};
  std::size_t words = 1;
  for (std::size_t i = 0; i < normalized.size(); ++i) {
    if (normalized[i] == ' ' && ++words > max_words) return std::string(normalized.substr(0, i));
  }
  return std::string(normalized);
}

}  // namespace captioner::data
