#include "metrics/meteor_normalizer.h"

#include <vector>

#include "metrics/java_lowercase.h"
#include "metrics/utf8.h"
#include "util/error.h"

namespace captioner::metrics {
namespace {

// Each step below is one replaceAll of Normalizer.java, on code points as Java's regex
// engine sees them. Java's \p{Digit}, \p{Lower} and \s are ASCII-only without flags.
bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }

// The normalizer's "alpha": ASCII letters, Latin-1 and Latin Extended-A letters, Cyrillic.
bool is_alpha(char32_t c) {
  return (c >= U'A' && c <= U'Z') || (c >= U'a' && c <= U'z') || c == 0x160 || c == 0x17D || c == 0x161 ||
         c == 0x17E || c == 0x178 || (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) ||
         (c >= 0xF8 && c <= 0x17E) || (c >= 0x400 && c <= 0x4FF) || (c >= 0x500 && c <= 0x527) ||
         (c >= 0xA640 && c <= 0xA66E) || (c >= 0xA67E && c <= 0xA697) || (c >= 0x1D00 && c <= 0x1D7F);
}

bool is_alnum(char32_t c) { return is_digit(c) || is_alpha(c); }

bool is_regex_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == 0x0B || c == U'\f' || c == U'\r'; }

// StringTokenizer's default delimiters.
bool is_tokenizer_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f'; }

// r_white: ASCII space and the Unicode spaces the normalizer lists (not tabs).
bool is_white(char32_t c) {
  return c == U' ' || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xA0;
}

// replaceAll of "(L)[mid](R)" by "$1" + replacement + "$2": matches take three code
// points and do not overlap, scanning left to right.
template <class Left, class Right>
std::u32string replace_between(const std::u32string& text, char32_t mid, Left left, Right right,
                               std::u32string_view replacement) {
  std::u32string out;
  out.reserve(text.size() + 8);
  std::size_t i = 0;
  while (i < text.size()) {
    if (i + 2 < text.size() && text[i + 1] == mid && left(text[i]) && right(text[i + 2])) {
      out += text[i];
      out += replacement;
      out += text[i + 2];
      i += 3;
    } else {
      out += text[i++];
    }
  }
  return out;
}

template <typename Char>
std::basic_string<Char> replace_every(std::basic_string_view<Char> text, std::basic_string_view<Char> target,
                                      std::basic_string_view<Char> replacement) {
  std::basic_string<Char> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t found = text.find(target, start);
    if (found == std::basic_string_view<Char>::npos) break;
    out.append(text, start, found - start);
    out += replacement;
    start = found + target.size();
  }
  out.append(text.substr(start));
  return out;
}

bool contains(const std::u32string& text, std::u32string_view part) { return text.find(part) != std::u32string::npos; }

std::u32string to_utf32(std::string_view utf8) {
  std::u16string utf16;
  append_utf8_as_utf16(utf8, utf16);
  std::u32string out;
  out.reserve(utf16.size());
  for (std::size_t i = 0; i < utf16.size(); ++i) {
    const char16_t unit = utf16[i];
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < utf16.size() && utf16[i + 1] >= 0xDC00 && utf16[i + 1] <= 0xDFFF) {
      out += static_cast<char32_t>(0x10000 + ((unit - 0xD800) << 10) + (utf16[i + 1] - 0xDC00));
      ++i;
    } else {
      out += unit;
    }
  }
  return out;
}

std::u16string to_utf16(const std::u32string& text) {
  std::u16string out;
  out.reserve(text.size());
  for (const char32_t c : text) {
    if (c >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(c);
    }
  }
  return out;
}

constexpr std::u32string_view kDotMulti = U"DOTMULTI";
constexpr std::u32string_view kDotMultiDot = U"DOTMULTI.";
constexpr std::u32string_view kDotDotMulti = U"DOTDOTMULTI";

std::u32string normalize_line(const std::u32string& line, const NonbreakingPrefixes& prefixes) {
  std::u32string text = U" " + line + U" ";

  // Separate all non-alphanumeric characters that are not special cases.
  {
    std::u32string out;
    for (const char32_t c : text) {
      const bool special = is_alnum(c) || is_regex_space(c) || c == U'.' || c == U'\'' || c == U'`' || c == U',' ||
                           c == U'-' || c == 0x2018 || c == 0x2019;
      if (special) {
        out += c;
      } else {
        out += U' ';
        out += c;
        out += U' ';
      }
    }
    text = std::move(out);
  }

  // Escape runs of dots: "\.([\.]+)" -> " DOTMULTI$1".
  {
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] == U'.' && i + 1 < text.size() && text[i + 1] == U'.') {
        std::size_t end = i + 1;
        while (end < text.size() && text[end] == U'.') ++end;
        out += U" DOTMULTI";
        out.append(end - i - 1, U'.');
        i = end;
      } else {
        out += text[i++];
      }
    }
    text = std::move(out);
  }
  while (contains(text, kDotMultiDot)) {
    // "DOTMULTI\.([^\.])" -> "DOTDOTMULTI $1"
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text.compare(i, kDotMultiDot.size(), kDotMultiDot) == 0 && i + kDotMultiDot.size() < text.size() &&
          text[i + kDotMultiDot.size()] != U'.') {
        out += U"DOTDOTMULTI ";
        out += text[i + kDotMultiDot.size()];
        i += kDotMultiDot.size() + 1;
      } else {
        out += text[i++];
      }
    }
    text = replace_all(out, kDotMultiDot, kDotDotMulti);
  }

  // Separate commas except within numbers.
  const auto digit = [](char32_t c) { return is_digit(c); };
  const auto not_digit = [](char32_t c) { return !is_digit(c); };
  text = replace_between(text, U',', not_digit, not_digit, U" , ");
  text = replace_between(text, U',', digit, not_digit, U" , ");
  text = replace_between(text, U',', not_digit, digit, U" , ");

  // Normalize quotes: [`‘’] -> ', then ([“”]|'') -> " \" ".
  for (char32_t& c : text) {
    if (c == U'`' || c == 0x2018 || c == 0x2019) c = U'\'';
  }
  {
    std::u32string out;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] == 0x201C || text[i] == 0x201D) {
        out += U" \" ";
        ++i;
      } else if (text[i] == U'\'' && i + 1 < text.size() && text[i + 1] == U'\'') {
        out += U" \" ";
        i += 2;
      } else {
        out += text[i++];
      }
    }
    text = std::move(out);
  }

  // Normalize dashes, then split alnum-alnum and dot-alnum dashes (U.S.-based).
  text = replace_all(text, U"\u2013", U"-");
  text = replace_all(text, U"--", U"-");
  text = replace_between(text, U'-', [](char32_t c) { return is_alnum(c) || c == U'.'; },
                         [](char32_t c) { return is_alnum(c); }, U" ");

  // English splits contractions to the right.
  const auto alpha = [](char32_t c) { return is_alpha(c); };
  const auto not_alpha = [](char32_t c) { return !is_alpha(c); };
  text = replace_between(text, U'\'', not_alpha, not_alpha, U" ' ");
  text = replace_between(text, U'\'', [](char32_t c) { return !is_alpha(c) && !is_digit(c); }, alpha, U" ' ");
  text = replace_between(text, U'\'', alpha, not_alpha, U" ' ");
  text = replace_between(text, U'\'', alpha, alpha, U" '");
  text = replace_between(text, U'\'', digit, [](char32_t c) { return c == U's'; }, U" '");

  // Split words, then rebuild the line, breaking final dots unless non-breaking.
  std::vector<std::u32string> words;
  {
    std::size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && is_tokenizer_space(text[i])) ++i;
      const std::size_t start = i;
      while (i < text.size() && !is_tokenizer_space(text[i])) ++i;
      if (i > start) words.emplace_back(text, start, i - start);
    }
  }
  std::u32string rebuilt;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::u32string& word = words[i];
    if (word.size() > 1 && word.back() == U'.') {
      const std::u32string prefix = word.substr(0, word.size() - 1);
      const NonbreakingPrefixes::Kind* kind = prefixes.find(prefix);
      const bool has_next = i + 1 < words.size();
      bool prefix_has_alpha = false;
      for (const char32_t c : prefix) prefix_has_alpha = prefix_has_alpha || is_alpha(c);
      if (contains(prefix, U".") && prefix_has_alpha) {
        // Mixed (U.S.): dots dropped to match undotted output.
        for (const char32_t c : word) {
          if (c != U'.') rebuilt += c;
        }
      } else if ((kind != nullptr && *kind == NonbreakingPrefixes::Kind::kAny) ||
                 (has_next && words[i + 1][0] >= U'a' && words[i + 1][0] <= U'z')) {
        rebuilt += word;
      } else if (kind != nullptr && *kind == NonbreakingPrefixes::Kind::kNumericOnly && has_next &&
                 is_digit(words[i + 1][0])) {
        rebuilt += word;
      } else {
        rebuilt += prefix;
        rebuilt += U" .";
      }
    } else {
      rebuilt += word;
    }
    rebuilt += U' ';
  }
  text = std::move(rebuilt);

  // Unescape runs of dots.
  while (contains(text, kDotDotMulti)) text = replace_all(text, kDotDotMulti, kDotMultiDot);
  text = replace_all(text, kDotMulti, U".");

  // Normalize whitespace, then String.trim().
  std::u32string out;
  for (std::size_t i = 0; i < text.size();) {
    if (is_white(text[i])) {
      out += U' ';
      while (i < text.size() && is_white(text[i])) ++i;
    } else {
      out += text[i++];
    }
  }
  std::size_t begin = 0;
  std::size_t end = out.size();
  while (begin < end && out[begin] <= U' ') ++begin;
  while (end > begin && out[end - 1] <= U' ') --end;
  return out.substr(begin, end - begin);
}

// Letters, digits and spaces only: the normalizer only re-spaces the words.
bool is_plain_ascii(std::string_view line) {
  for (const char c : line) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
    if (!plain) return false;
  }
  return true;
}

}  // namespace

NonbreakingPrefixes NonbreakingPrefixes::parse(std::string_view text) {
  NonbreakingPrefixes result;
  std::size_t start = 0;
  std::size_t line_number = 0;
  while (start <= text.size()) {
    ++line_number;
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
      const std::size_t token_start = i;
      while (i < line.size() && !(line[i] == ' ' || line[i] == '\t' || line[i] == '\f')) ++i;
      if (i > token_start) tokens.push_back(line.substr(token_start, i - token_start));
    }
    if (tokens.empty() || tokens[0][0] == '#') continue;
    // The file is read as bytes: a prefix is decoded only when it is valid UTF-8.
    if (find_invalid_utf8(tokens[0]) != std::string_view::npos) {
      throw InputError("english.prefixes: line " + std::to_string(line_number) + ": invalid UTF-8");
    }
    const Kind kind = tokens.size() > 1 && tokens[1] == "#NUMERIC_ONLY#" ? Kind::kNumericOnly : Kind::kAny;
    result.prefixes_[to_utf32(tokens[0])] = kind;
  }
  return result;
}

const NonbreakingPrefixes::Kind* NonbreakingPrefixes::find(const std::u32string& prefix) const {
  const auto found = prefixes_.find(prefix);
  return found == prefixes_.end() ? nullptr : &found->second;
}

std::string replace_all(std::string_view text, std::string_view target, std::string_view replacement) {
  return replace_every(text, target, replacement);
}

std::u32string replace_all(std::u32string_view text, std::u32string_view target, std::u32string_view replacement) {
  return replace_every(text, target, replacement);
}

std::vector<std::string_view> java_tokenizer_words(std::string_view line) {
  std::vector<std::string_view> words;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    const std::size_t begin = i;
    while (i < line.size() && !space(line[i])) ++i;
    if (i > begin) words.push_back(line.substr(begin, i - begin));
  }
  return words;
}

std::string meteor_normalize(std::string_view line, const NonbreakingPrefixes& prefixes) {
  std::string out;
  if (is_plain_ascii(line)) {
    out.reserve(line.size());
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      if (i == line.size()) break;
      if (!out.empty()) out += ' ';
      while (i < line.size() && line[i] != ' ') {
        const char c = line[i++];
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
    }
    return out;
  }
  append_utf16_as_utf8(java_lowercase(to_utf16(normalize_line(to_utf32(line), prefixes))), out);
  return out;
}

}  // namespace captioner::metrics
