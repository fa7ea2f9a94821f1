#pragma once
// Java's String.toLowerCase(Locale.ENGLISH), which pycocoevalcap's tokenizer applies
// to every token (PTBTokenizer -lowerCase).

#include <string>
#include <string_view>

namespace captioner::metrics {

// Lower-cases UTF-16 text code point by code point with Java 17's mappings,
// including its two context rules for English: U+0130 becomes "i" + U+0307, and a
// capital sigma that ends a word (as Java's word BreakIterator finds words, quirks
// included) becomes the final form U+03C2. Unpaired surrogates are kept as they are.
std::u16string java_lowercase(std::u16string_view text);

}  // namespace captioner::metrics
