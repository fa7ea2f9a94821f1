#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// Decodes the sequence at text[i] (known to be valid); returns the code point and
// advances i.
char32_t decode_at(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if (b0 < 0xE0) {
    const char32_t c = (char32_t{b0} & 0x1F) << 6 | (byte(i + 1) & 0x3F);
    i += 2;
    return c;
  }
  if (b0 < 0xF0) {
    const char32_t c =
        (char32_t{b0} & 0x0F) << 12 | (char32_t{byte(i + 1)} & 0x3F) << 6 | (byte(i + 2) & 0x3F);
    i += 3;
    return c;
  }
  const char32_t c = (char32_t{b0} & 0x07) << 18 | (char32_t{byte(i + 1)} & 0x3F) << 12 |
                     (char32_t{byte(i + 2)} & 0x3F) << 6 | (byte(i + 3) & 0x3F);
  i += 4;
  return c;
}

void append_code_point(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view text) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const auto is_continuation = [&](std::size_t k) {
    return k < text.size() && (byte(k) & 0xC0) == 0x80;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4;
    } else {
      return i;
    }
    for (std::size_t k = 1; k < length; ++k) {
      if (!is_continuation(i + k)) return i;
    }
    if (length >= 3) {
      const unsigned char b1 = byte(i + 1);
      const bool overlong = (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xF0 && b1 < 0x90);
      const bool surrogate = b0 == 0xED && b1 >= 0xA0;
      const bool too_large = b0 == 0xF4 && b1 >= 0x90;
      if (overlong || surrogate || too_large) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

void append_utf8_as_utf16(std::string_view text, std::u16string& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char32_t c = decode_at(text, i);
    if (c < 0x10000) {
      out += static_cast<char16_t>(c);
    } else {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    }
  }
}

void append_utf16_as_utf8(std::u16string_view text, std::string& out) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char16_t unit = text[i];
    const bool high = unit >= 0xD800 && unit <= 0xDBFF;
    const bool low = unit >= 0xDC00 && unit <= 0xDFFF;
    if (high && i + 1 < text.size() && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      append_code_point(0x10000 + ((char32_t{unit} - 0xD800) << 10) + (text[i + 1] - 0xDC00), out);
      ++i;
    } else if (high || low) {
      out += '?';
    } else {
      append_code_point(unit, out);
    }
  }
}

bool is_python_whitespace(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::vector<std::string_view> split_python_whitespace(std::string_view text) {
  std::vector<std::string_view> words;
  split_python_whitespace(text, words);
  return words;
}

void split_python_whitespace(std::string_view text, std::vector<std::string_view>& words) {
  words.clear();
  std::size_t i = 0;
  std::size_t word_start = std::string_view::npos;
  while (i < text.size()) {
    const std::size_t at = i;
    const char32_t c = decode_at(text, i);
    if (is_python_whitespace(c)) {
      if (word_start != std::string_view::npos) {
        words.push_back(text.substr(word_start, at - word_start));
        word_start = std::string_view::npos;
      }
    } else if (word_start == std::string_view::npos) {
      word_start = at;
    }
  }
  if (word_start != std::string_view::npos) words.push_back(text.substr(word_start));
}

std::string_view rstrip_python_whitespace(std::string_view text) {
  // An ASCII byte is a character of its own: if the last one is not a space, nothing goes.
  if (!text.empty() && static_cast<unsigned char>(text.back()) < 0x80 && !is_python_whitespace(static_cast<unsigned char>(text.back()))) {
    return text;
  }
  std::size_t keep = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const char32_t c = decode_at(text, i);
    if (!is_python_whitespace(c)) keep = i;
  }
  return text.substr(0, keep);
}

}  // namespace captioner::metrics
