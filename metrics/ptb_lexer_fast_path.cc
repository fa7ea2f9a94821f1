// The parts of the PTB lexer that are compiled with optimisation: the alphabet map,
// and ptb_match's shortcut past the DFA for the tokens most captions are made of.
#include <array>
#include <cstdint>
#include <string_view>

#include "metrics/ptb_lexer.h"

namespace captioner::metrics {
namespace {

struct SymbolRun {
  std::uint16_t first, last, symbol;
};

constexpr SymbolRun kSymbolRuns[] = {
#include "metrics/ptb_alphabet.inc"
};

std::array<char16_t, 0x10000> make_symbol_table() {
  std::array<char16_t, 0x10000> table{};
  for (std::size_t unit = 0; unit < 0x80; ++unit) table[unit] = static_cast<char16_t>(unit);
  for (const SymbolRun& run : kSymbolRuns) {
    for (std::size_t unit = run.first; unit <= run.last; ++unit) table[unit] = run.symbol;
  }
  return table;
}

bool is_ascii_letter(char16_t c) { return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z'); }

// The letters-only words that ptb_lexer.re's first rules split ("cannot" -> "can" "not").
bool is_split_word(const char16_t* word, std::size_t length) {
  static constexpr std::string_view kSplitWords[] = {"cannot", "gonna", "gotta", "lemme", "gimme", "wanna"};
  for (const std::string_view split : kSplitWords) {
    if (split.size() != length) continue;
    std::size_t k = 0;
    while (k < length && (word[k] | 0x20) == split[k]) ++k;  // ASCII letters: | 0x20 lower-cases
    if (k == length) return true;
  }
  return false;
}

const std::array<char16_t, 0x10000>& symbol_table() {
  static const std::array<char16_t, 0x10000> table = make_symbol_table();
  return table;
}

}  // namespace

std::u16string ptb_symbols(std::u16string_view units) {
  const std::array<char16_t, 0x10000>& table = symbol_table();
  std::u16string symbols(units.size(), u'\0');
  for (std::size_t i = 0; i < units.size(); ++i) symbols[i] = table[units[i]];
  return symbols;
}

// Why these shortcuts decide as the DFA does (the unit test PtbLexerFastPath holds them
// against it): at a run of ASCII letters followed by ' ' or '\n', every rule of
// ptb_lexer.re that can match a longer text needs some other character (an apostrophe,
// '.', '-', '/', '@', '&', ...), except ABBREV4 and ACRO with their trailing space, whose
// token is the same run of letters. Only the split words above match the run itself
// with another action. At a ' ', only SPACES matches, and it ends where the spaces do.
PtbMatch ptb_match(const char16_t* start, const char16_t* limit) {
  const char16_t* end = start;
  if (is_ascii_letter(*start)) {
    while (is_ascii_letter(*end)) ++end;
    const auto length = static_cast<std::size_t>(end - start);
    if ((*end == u' ' || *end == u'\n') && !is_split_word(start, length)) return {PtbAction::kKeep, length};
  } else if (*start == u' ') {
    while (*end == u' ') ++end;
    // A tab or a symbol above ASCII (a no-break space, ...) may continue the spaces.
    if (*end != u'\t' && *end < 0x80) return {PtbAction::kSkip, static_cast<std::size_t>(end - start)};
  }
  return ptb_match_dfa(start, limit);
}

}  // namespace captioner::metrics
