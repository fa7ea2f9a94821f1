#pragma once
// The PTB lexer's interface: ptb_lexer.re (compiled by re2c) decides which rule
// matches at a position, ptb_lexer_fast_path.cc takes the common cases off its hands;
// ptb_tokenizer.cc turns the rule's action into token text.

#include <cstddef>
#include <string>
#include <string_view>

namespace captioner::metrics {

// What the reference lexer does with a match (its rule actions, with the options
// pycocoevalcap uses). Names say what happens to the matched text.
enum class PtbAction {
  kEnd,                     // end of input
  kKeep,                    // the text is the token
  kRemoveSoftHyphens,       // drop U+00AD (a token of only soft hyphens becomes "-")
  kSplitAfter3,             // "cannot" -> "can" + rest lexed again ("gonna" -> "gon" ...)
  kSplitAfter2,             // "'twas" -> "'t" + rest lexed again
  kSpacesToNbsp,            // spaces inside the token become U+00A0
  kDash,                    // "--"
  kAmpersand,               // "&amp;" (any case) -> "&"
  kOpeningQuote,            // quote normalised as an opening one (` and ``)
  kClosingQuote,            // quote normalised as a closing one (' and '')
  kFraction,                // vulgar fractions: U+00BD -> "1/2", ...
  kCurrency,                // cent, pound and euro signs
  kAcronymBeforeSentence,   // "U.S." before "The": token "U.S." then "." again
  kKeepAndRepeatPeriod,     // "etc." at a sentence end: token "etc." then "." again
  kPhone,                   // spaces -> U+00A0, parentheses escaped
  kLessThan,                // "<" or "&lt;" -> "<"
  kGreaterThan,             // ">" or "&gt;" -> ">"
  kParenthesesEscaped,      // smileys: ( -> -LRB-, ) -> -RRB-
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kLeftParenthesis,
  kRightParenthesis,
  kHyphens,                 // "---" and "----" -> "--", others kept
  kEllipsis,                // "..."
  kSkip,                    // whitespace and invisible characters: no token
  kNewline,                 // end of a line (one caption)
  kUntokenizable,           // any other character: deleted
};

struct PtbMatch {
  PtbAction action;
  std::size_t length;  // code units matched, not counting trailing context
};

// The lexer's input symbols for UTF-16 code units (ASCII units are themselves; see
// ptb_lexer.re for why the others are compacted).
std::u16string ptb_symbols(std::u16string_view units);

// Matches one rule at `start`, a buffer of ptb_symbols() holding a 0 at `limit`.
PtbMatch ptb_match(const char16_t* start, const char16_t* limit);

// The same decision, always taken by the DFA. The DFA is one huge function that the
// build compiles without optimisation (see metrics/CMakeLists.txt), so ptb_match
// decides the commonest inputs itself (a plain ASCII word before a space or a line end,
// a run of spaces) and calls this for everything else.
PtbMatch ptb_match_dfa(const char16_t* start, const char16_t* limit);

}  // namespace captioner::metrics
