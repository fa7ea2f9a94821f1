#pragma once
// The PTB lexer's interface: ptb_lexer.re (compiled by re2c) decides which rule
// matches at a position; ptb_tokenizer.cc turns the rule's action into token text.

#include <cstddef>

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

// The lexer's input symbol for a UTF-16 code unit (ASCII units are themselves; see
// ptb_lexer.re for why the others are compacted).
char16_t ptb_symbol(char16_t unit);

// Matches one rule at `start`, a buffer of ptb_symbol()s holding a 0 at `limit`.
PtbMatch ptb_match(const char16_t* start, const char16_t* limit);

}  // namespace captioner::metrics
