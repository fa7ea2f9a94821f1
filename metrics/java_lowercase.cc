#include "metrics/java_lowercase.h"

#include <algorithm>
#include <iterator>

namespace captioner::metrics {
namespace {

struct CodePointMapping {
  char32_t from;
  char32_t to;
};
struct CodePointRange {
  char32_t first;
  char32_t last;
};

#include "metrics/java_lowercase_table.inc"

constexpr char32_t kCapitalSigma = 0x03A3;
constexpr char32_t kFinalSigma = 0x03C2;
constexpr char32_t kSmallSigma = 0x03C3;
constexpr char32_t kCapitalIWithDot = 0x0130;

char32_t lower_code_point(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const auto* end = std::end(kJavaLowerCase);
  const auto* it = std::lower_bound(std::begin(kJavaLowerCase), end, c,
                                    [](const CodePointMapping& m, char32_t v) { return m.from < v; });
  return (it != end && it->from == c) ? it->to : c;
}

bool is_cased(char32_t c) {
  const auto* end = std::end(kJavaCased);
  const auto* it = std::upper_bound(std::begin(kJavaCased), end, c,
                                    [](char32_t v, const CodePointRange& r) { return v < r.first; });
  return it != std::begin(kJavaCased) && c <= std::prev(it)->last;
}

bool is_combining_mark(char32_t c) { return c >= 0x0300 && c <= 0x036F; }

struct Decoded {
  char32_t code_point;
  std::size_t units;
};

Decoded decode_at(std::u16string_view s, std::size_t i) {
  const char16_t u = s[i];
  if (u >= 0xD800 && u <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
    return {0x10000 + ((char32_t{u} - 0xD800) << 10) + (s[i + 1] - 0xDC00), 2};
  }
  return {u, 1};
}

// Java asks whether a cased letter precedes the sigma and none follows it inside
// the same word. Words are approximated here as runs of cased letters and
// combining marks, which is exact for Greek words.
bool sigma_ends_word(std::u16string_view s, std::size_t at) {
  bool cased_before = false;
  for (std::size_t i = at; i-- > 0;) {
    const char32_t c = s[i];
    if (is_combining_mark(c)) continue;
    cased_before = is_cased(c);
    break;
  }
  if (!cased_before) return false;
  for (std::size_t i = at + 1; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (is_combining_mark(c)) continue;
    return !is_cased(c);
  }
  return true;
}

void append_code_point(char32_t c, std::u16string& out) {
  if (c < 0x10000) {
    out += static_cast<char16_t>(c);
  } else {
    out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
    out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
  }
}

}  // namespace

std::u16string java_lowercase(std::u16string_view text) {
  std::u16string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const Decoded d = decode_at(text, i);
    if (d.code_point == kCapitalIWithDot) {
      out += u"i\u0307";
    } else if (d.code_point == kCapitalSigma) {
      out += static_cast<char16_t>(sigma_ends_word(text, i) ? kFinalSigma : kSmallSigma);
    } else {
      append_code_point(lower_code_point(d.code_point), out);
    }
    i += d.units;
  }
  return out;
}

}  // namespace captioner::metrics
