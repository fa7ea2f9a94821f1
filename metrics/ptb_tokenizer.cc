#include "metrics/ptb_tokenizer.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include "metrics/java_lowercase.h"
#include "metrics/parallel.h"
#include "metrics/ptb_lexer.h"
#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// The characters that end a line for the jar's lexer (U+0085 does not: its ellipsis
// rule comes first).
bool ends_line_in_java(char16_t c) {
  return c == u'\n' || c == u'\r' || c == 0x0B || c == 0x0C || c == 0x2028 || c == 0x2029;
}

// The text the reference tokenizes: captions joined by '\n', plus the 0 unit the
// lexer needs at its limit.
std::u16string join_captions(const std::string* captions, std::size_t count) {
  std::u16string text;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) text += u'\n';
    const std::size_t start = text.size();
    append_utf8_as_utf16(captions[i], text);
    for (std::size_t k = start; k < text.size(); ++k) {
      if (ends_line_in_java(text[k])) text[k] = u' ';
    }
  }
  text += u'\0';
  return text;
}

std::u16string replace_all(std::u16string_view s, std::u16string_view from, std::u16string_view to) {
  std::u16string out;
  std::size_t start = 0;
  for (std::size_t at = s.find(from); at != s.npos; at = s.find(from, start)) {
    out.append(s.substr(start, at - start)).append(to);
    start = at + from.size();
  }
  return out.append(s.substr(start));
}

bool any_of_units(char16_t c, std::u16string_view set) { return set.find(c) != set.npos; }

void replace_units(std::u16string& s, std::u16string_view set, std::u16string_view to) {
  std::u16string out;
  out.reserve(s.size());
  for (const char16_t c : s) {
    if (any_of_units(c, set)) {
      out += to;
    } else {
      out += c;
    }
  }
  s = std::move(out);
}

// Java's (?i:&amp;) without UNICODE_CASE: ASCII case-insensitive.
void normalize_ampersand_entities(std::u16string& s) {
  static constexpr std::u16string_view kEntity = u"&amp;";
  std::u16string out;
  std::size_t i = 0;
  while (i < s.size()) {
    bool entity = i + kEntity.size() <= s.size();
    for (std::size_t k = 0; entity && k < kEntity.size(); ++k) {
      const char16_t c = s[i + k];
      const char16_t lower = (c >= u'A' && c <= u'Z') ? static_cast<char16_t>(c + 32) : c;
      entity = lower == kEntity[k];
    }
    if (entity) {
      out += u'&';
      i += kEntity.size();
    } else {
      out += s[i++];
    }
  }
  s = std::move(out);
}

// PTBLexer's latexQuotes: ASCII quotes by the guessed side, typographic ones by shape.
void normalize_quotes(std::u16string& s, bool opening) {
  s = replace_all(s, u"&apos;", opening ? u"`" : u"'");
  replace_units(s, u"'", opening ? u"`" : u"'");
  s = replace_all(s, u"&quot;", opening ? u"``" : u"''");
  replace_units(s, u"\"", opening ? u"``" : u"''");
  replace_units(s, u"\u0091\u2018\u201B\u2039", u"`");
  replace_units(s, u"\u0092\u2019\u203A", u"'");
  replace_units(s, u"\u0093\u201C\u00AB", u"``");
  replace_units(s, u"\u0094\u201D\u00BB", u"''");
}

void escape_parentheses(std::u16string& s) {
  replace_units(s, u"(", u"-LRB-");
  replace_units(s, u")", u"-RRB-");
}

std::u16string remove_soft_hyphens(std::u16string_view s) {
  std::u16string out;
  for (const char16_t c : s) {
    if (c != 0x00AD) out += c;
  }
  return out.empty() ? std::u16string(u"-") : out;
}

// The token text for a match, and how many units the lexer consumes (a few rules
// give some of the match back to be lexed again).
struct Emitted {
  std::u16string text;
  std::size_t consumed;
};

Emitted apply_action(PtbAction action, std::u16string_view match) {
  std::u16string text(match);
  std::size_t consumed = match.size();
  switch (action) {
    case PtbAction::kRemoveSoftHyphens:
      text = remove_soft_hyphens(match);
      break;
    case PtbAction::kSplitAfter3:
    case PtbAction::kSplitAfter2:
      consumed = action == PtbAction::kSplitAfter3 ? 3 : 2;
      text.resize(consumed);
      break;
    case PtbAction::kSpacesToNbsp:
      replace_units(text, u" ", u"\u00A0");
      break;
    case PtbAction::kDash:
      text = std::u16string(u"--");
      break;
    case PtbAction::kAmpersand:
      normalize_ampersand_entities(text);
      break;
    case PtbAction::kOpeningQuote:
    case PtbAction::kClosingQuote:
      normalize_quotes(text, action == PtbAction::kOpeningQuote);
      break;
    case PtbAction::kFraction:
      replace_units(text, u"\u00BC", u"1/4");
      replace_units(text, u"\u00BD", u"1/2");
      replace_units(text, u"\u00BE", u"3/4");
      replace_units(text, u"\u2153", u"1/3");
      replace_units(text, u"\u2154", u"2/3");
      break;
    case PtbAction::kCurrency:
      replace_units(text, u"\u00A2", u"cents");
      replace_units(text, u"\u00A3", u"#");
      replace_units(text, u"\u0080\u00A4\u20A0\u20AC", u"$");
      break;
    case PtbAction::kAcronymBeforeSentence:
      // "I." gives "I" and then "."; longer acronyms keep their period and give
      // another "." for the sentence end.
      consumed = match.size() - 1;
      if (match.size() == 2) text.resize(1);
      break;
    case PtbAction::kKeepAndRepeatPeriod:
      consumed = match.size() - 1;
      break;
    case PtbAction::kPhone:
      replace_units(text, u" ", u"\u00A0");
      escape_parentheses(text);
      break;
    case PtbAction::kLessThan:
      text = std::u16string(u"<");
      break;
    case PtbAction::kGreaterThan:
      text = std::u16string(u">");
      break;
    case PtbAction::kParenthesesEscaped:
      escape_parentheses(text);
      break;
    case PtbAction::kLeftBrace:
      text = std::u16string(u"-LCB-");
      break;
    case PtbAction::kRightBrace:
      text = std::u16string(u"-RCB-");
      break;
    case PtbAction::kLeftBracket:
      text = std::u16string(u"-LSB-");
      break;
    case PtbAction::kRightBracket:
      text = std::u16string(u"-RSB-");
      break;
    case PtbAction::kLeftParenthesis:
      text = std::u16string(u"-LRB-");
      break;
    case PtbAction::kRightParenthesis:
      text = std::u16string(u"-RRB-");
      break;
    case PtbAction::kHyphens:
      if (match.size() == 3 || match.size() == 4) text = u"--";
      break;
    case PtbAction::kEllipsis:
      text = std::u16string(u"...");
      break;
    case PtbAction::kKeep:
      break;
    case PtbAction::kEnd:
    case PtbAction::kSkip:
    case PtbAction::kNewline:
    case PtbAction::kUntokenizable:
      throw std::logic_error("PTB action without a token");
  }
  return {std::move(text), consumed};
}

// Whether the token is the matched text itself and all ASCII, so that apply_action and
// Java's lower-casing reduce to ASCII lower-casing.
bool keeps_ascii_text(PtbAction action, std::u16string_view matched) {
  if (action != PtbAction::kKeep && action != PtbAction::kRemoveSoftHyphens) return false;
  for (const char16_t c : matched) {
    if (c >= 0x80) return false;
  }
  return true;
}

// The lines of `count` captions tokenized as one text.
std::vector<std::string> tokenize_batch(const std::string* captions, std::size_t count) {
  std::vector<std::string> lines;
  lines.reserve(count);
  if (count == 0) return lines;
  const std::u16string text = join_captions(captions, count);
  const std::u16string symbols = ptb_symbols(text);
  const char16_t* const limit = symbols.data() + symbols.size() - 1;
  std::string line;
  std::size_t pos = 0;
  for (;;) {
    const PtbMatch m = ptb_match(symbols.data() + pos, limit);
    if (m.action == PtbAction::kEnd || m.action == PtbAction::kNewline) {
      lines.push_back(std::move(line));
      line.clear();
      if (m.action == PtbAction::kEnd) break;
      pos += m.length;
      continue;
    }
    if (m.action == PtbAction::kSkip || m.action == PtbAction::kUntokenizable) {
      pos += m.length;
      continue;
    }
    const std::u16string_view matched = std::u16string_view(text).substr(pos, m.length);
    if (!line.empty()) line += ' ';
    if (keeps_ascii_text(m.action, matched)) {
      // The common case, a plain ASCII word or number: lower-case it straight into the line.
      for (const char16_t c : matched) line += static_cast<char>(c >= u'A' && c <= u'Z' ? c + 32 : c);
      pos += m.length;
      continue;
    }
    const Emitted token = apply_action(m.action, matched);
    append_utf16_as_utf8(java_lowercase(token.text), line);
    pos += token.consumed;
  }
  if (lines.size() != count) {
    throw std::logic_error("PTB tokenizer lost the alignment of captions and lines");
  }
  return lines;
}

// Where a batch may be cut without changing any line. No token spans a newline, and
// the rules that look past one (sentence ends after "etc." or "U.S.", "No." before a
// number, an abbreviation followed by any two characters) read at most the newline
// and two characters, and stop at once on a lower-case letter. So a caption starting
// with [a-z] can start a new batch, provided the batch before it is tokenized with that
// caption appended as context (whose line is then dropped).
bool can_start_batch(const std::string& caption) {
  return !caption.empty() && caption[0] >= 'a' && caption[0] <= 'z';
}

constexpr std::size_t kMinCaptionsPerThread = 4000;

}  // namespace

std::vector<std::string> ptb_tokenize_lines(const std::vector<std::string>& captions) {
  const std::size_t threads = parallel_threads(captions.size(), kMinCaptionsPerThread);
  if (threads <= 1) return tokenize_batch(captions.data(), captions.size());

  // Cut points near equal shares, moved forward to a caption that can start a batch.
  std::vector<std::size_t> cuts = {0};
  for (std::size_t t = 1; t < threads; ++t) {
    std::size_t cut = std::max(cuts.back() + 1, captions.size() * t / threads);
    while (cut < captions.size() && !can_start_batch(captions[cut])) ++cut;
    if (cut < captions.size()) cuts.push_back(cut);
  }
  cuts.push_back(captions.size());

  std::vector<std::vector<std::string>> parts(cuts.size() - 1);
  run_in_parallel(parts.size(), [&](std::size_t part) {
    const std::size_t begin = cuts[part];
    const std::size_t end = cuts[part + 1];
    const bool with_context = end < captions.size();
    parts[part] = tokenize_batch(captions.data() + begin, end - begin + (with_context ? 1 : 0));
    if (with_context) parts[part].pop_back();
  });
  std::vector<std::string> lines;
  lines.reserve(captions.size());
  for (std::vector<std::string>& part : parts) {
    std::move(part.begin(), part.end(), std::back_inserter(lines));
  }
  return lines;
}

std::vector<std::string> PtbTokenizer::tokenize(const std::vector<std::string>& captions) const {
  std::vector<std::string> lines = ptb_tokenize_lines(captions);
  for (std::string& line : lines) line = remove_punctuation_tokens(line);
  return lines;
}

}  // namespace captioner::metrics
