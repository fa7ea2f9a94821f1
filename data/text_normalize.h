#pragma once
// The one normalisation of caption text, applied to the references when a data set is
// prepared and to the captions the model produces, so that both sides speak the same text.
//
// normalize_caption(text):
//  1. lower-cases every code point as Java's String.toLowerCase(Locale.ENGLISH) does (the
//     lower-casing pycocoevalcap's tokenizer applies: final sigma, dotted capital I);
//  2. drops stray punctuation: sentence marks, quotes, brackets and dashes
//     (. , ; : ! ? " ( ) [ ] { } ` ... and their Unicode and full-width forms) become spaces.
//     Kept, because they are part of a word: an apostrophe or a hyphen between two word
//     characters ("man's", "t-shirt"; typographic forms become ' and -), and . , : between
//     two digits ("2.5", "1,000", "10:30"). Symbols such as & % $ # + / are word characters;
//  3. collapses whitespace (Python's str.isspace() set, control characters, zero-width
//     space and BOM) to single spaces, with none at either end.
// The result is idempotent: normalize_caption(normalize_caption(x)) == normalize_caption(x).
// Text that is only punctuation and space normalises to "" (callers treat it as empty).

#include <cstddef>
#include <string>
#include <string_view>

namespace captioner::data {

// `text` must be valid UTF-8 (the readers check it); std::invalid_argument otherwise.
std::string normalize_caption(std::string_view text);

// Words of normalised text: its single-space-separated runs.
std::size_t count_words(std::string_view normalized);

// The first `max_words` words of normalised text.
std::string first_words(std::string_view normalized, std::size_t max_words);

}  // namespace captioner::data
