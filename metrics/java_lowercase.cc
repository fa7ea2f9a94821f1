#include "metrics/java_lowercase.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
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
struct WordBreakCategoryRun {
  char32_t first;
  std::int8_t category;
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

bool is_high_surrogate(char16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low_surrogate(char16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

struct Decoded {
  char32_t code_point;
  std::size_t units;
};

Decoded decode_at(std::u16string_view s, std::size_t i) {
  const char16_t u = s[i];
  if (is_high_surrogate(u) && i + 1 < s.size() && is_low_surrogate(s[i + 1])) {
    return {0x10000 + ((char32_t{u} - 0xD800) << 10) + (s[i + 1] - 0xDC00), 2};
  }
  return {u, 1};
}

// Like Java's String.codePointBefore.
Decoded decode_before(std::u16string_view s, std::size_t i) {
  const char16_t u = s[i - 1];
  if (is_low_surrogate(u) && i >= 2 && is_high_surrogate(s[i - 2])) {
    return {0x10000 + ((char32_t{s[i - 2]} - 0xD800) << 10) + (u - 0xDC00), 2};
  }
  return {u, 1};
}

// Java decides whether a sigma ends a word with the word BreakIterator of
// Locale.ENGLISH, a sun.text.RuleBasedBreakIterator. This replays that iterator
// step by step over its own state tables (generated from the JVM) rather than
// implementing the word rules afresh: its isBoundary() resynchronises through a
// backward state machine and a cached earlier break, and those do not always agree
// with a plain left-to-right reading of the rules. After a surrogate pair, for one,
// it restarts from the lone low surrogate, so "Α𝐀Σ" keeps σ while "𝐀Σ" gets ς.
class JavaWordBreaker {
 public:
  explicit JavaWordBreaker(std::u16string_view text) : text_(text) {}

  // BreakIterator.isBoundary. Not const: like Java's, it moves the position and
  // remembers the last break found, which later calls start from.
  bool is_boundary(std::size_t offset) {
    return offset == 0 || following(offset - 1) == static_cast<std::ptrdiff_t>(offset);
  }

 private:
  static constexpr std::ptrdiff_t kDone = -1;  // BreakIterator.DONE
  // CharacterIterator.DONE. Java cannot tell it from a U+FFFF in the text, which
  // therefore stops the state machines as the ends of the text do.
  static constexpr char32_t kEndOfText = 0xFFFF;
  static constexpr int kIgnore = -1;

  static std::int8_t search_category(char32_t c) {
    const auto* it = std::upper_bound(std::begin(kWordBreakCategory), std::end(kWordBreakCategory), c,
                                      [](char32_t v, const WordBreakCategoryRun& r) { return v < r.first; });
    return std::prev(it)->category;
  }

  static int category(char32_t c) {
    // Java's isBoundary() takes time quadratic in the length of a word, and so must
    // this, so a long run of Greek capitals makes many lookups: spare the BMP ones
    // the search.
    static const std::array<std::int8_t, 0x10000> bmp = [] {
      std::array<std::int8_t, 0x10000> table{};
      for (char32_t u = 0; u < table.size(); ++u) table[u] = search_category(u);
      return table;
    }();
    return c < bmp.size() ? bmp[c] : search_category(c);
  }

  // The code point at pos_ (a pair only when complete), or kEndOfText at the end.
  Decoded current() const {
    if (pos_ >= text_.size()) return {kEndOfText, 1};
    return decode_at(text_, pos_);
  }

  // Moves to the next code point unless that would reach the end, where Java stays put.
  char32_t advance() {
    if (pos_ >= text_.size() || pos_ + current().units >= text_.size()) return kEndOfText;
    pos_ += current().units;
    return current().code_point;
  }

  // Moves to the previous code point; at the start Java reports the end of text.
  char32_t retreat() {
    if (pos_ == 0) return kEndOfText;
    const Decoded d = decode_before(text_, pos_);
    pos_ -= d.units;
    return d.code_point;
  }

  std::size_t next_index() const { return std::min(pos_ + current().units, text_.size()); }

  // One forward match from pos_: the longest run the rules keep together, always at
  // least one code point. Returns the break after it (kDone at the end of the text).
  // The word rules have no lookahead states (the generator checks), so unlike Java's
  // this does not handle them.
  std::ptrdiff_t handle_next() {
    if (pos_ == text_.size()) return kDone;
    std::size_t result = next_index();
    int state = 1;
    for (char32_t c = current().code_point; c != kEndOfText && state != 0; c = advance()) {
      const int cat = category(c);
      if (cat != kIgnore) state = kWordBreakForward[state][cat];
      if (kWordBreakEndState[state]) result = next_index();
    }
    pos_ = result;
    return static_cast<std::ptrdiff_t>(result);
  }

  // Backs up from pos_ to a position the backward rules call a safe break.
  std::size_t handle_previous() {
    int state = 1;
    int cat = 0;
    int last_cat = 0;
    char32_t c = current().code_point;
    while (c != kEndOfText && state != 0) {
      last_cat = cat;
      cat = category(c);
      if (cat != kIgnore) state = kWordBreakBackward[state][cat];
      c = retreat();
    }
    // The loop stops one code point past the character that ended it, and that
    // character lies one before the break, unless it was an ignored one.
    if (c != kEndOfText) {
      advance();
      if (last_cat != kIgnore) advance();
    }
    return pos_;
  }

  // BreakIterator.following: the first break after offset.
  std::ptrdiff_t following(std::size_t offset) {
    pos_ = offset;
    if (offset == 0) return cached_break_ = handle_next();
    std::ptrdiff_t result = cached_break_;
    if (result >= static_cast<std::ptrdiff_t>(offset) || result <= kDone) {
      result = static_cast<std::ptrdiff_t>(handle_previous());
    } else {
      pos_ = static_cast<std::size_t>(result);
    }
    while (result != kDone && result <= static_cast<std::ptrdiff_t>(offset)) result = handle_next();
    return cached_break_ = result;
  }

  std::u16string_view text_;
  std::size_t pos_ = 0;
  std::ptrdiff_t cached_break_ = kDone;
};

// Java's Final_Cased test (SpecialCasing.txt) for the sigma at `at`: within its word
// a cased code point precedes it and none follows it.
bool sigma_is_final(std::u16string_view s, std::size_t at) {
  JavaWordBreaker words(s);
  // Java asks the same iterator in this order, which matters for its cached break.
  for (std::size_t i = at; !words.is_boundary(i);) {
    const Decoded before = decode_before(s, i);
    if (is_cased(before.code_point)) {
      for (std::size_t j = at + 1; j < s.size() && !words.is_boundary(j);) {
        const Decoded after = decode_at(s, j);
        if (is_cased(after.code_point)) return false;
        j += after.units;
      }
      return true;
    }
    i -= before.units;
  }
  return false;
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
      out += static_cast<char16_t>(sigma_is_final(text, i) ? kFinalSigma : kSmallSigma);
    } else {
      append_code_point(lower_code_point(d.code_point), out);
    }
    i += d.units;
  }
  return out;
}

}  // namespace captioner::metrics
