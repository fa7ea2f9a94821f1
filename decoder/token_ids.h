#pragma once
// The special token ids, fixed for the whole project (data/sentencepiece.h gives its
// tokenizer exactly these). The decoder sees ids only, never text.

namespace captioner::decoder {

inline constexpr int kPadId = 0;  // fills a caption after eos: never predicted, never in the loss
inline constexpr int kBosId = 1;  // the first input of every caption
inline constexpr int kEosId = 2;  // ends a caption
inline constexpr int kUnkId = 3;  // a piece outside the vocabulary
inline constexpr int kSpecialIdCount = 4;

}  // namespace captioner::decoder
