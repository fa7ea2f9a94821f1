#include "data/text_normalize.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using captioner::data::count_words;
using captioner::data::first_words;
using captioner::data::normalize_caption;

TEST(TextNormalize, LowerCasesCollapsesSpaceAndDropsSentencePunctuation) {
  EXPECT_EQ(normalize_caption("A man riding a wave on top of a surfboard ."), "a man riding a wave on top of a surfboard");
  EXPECT_EQ(normalize_caption("  Two   dogs\tplay\n in the  SNOW!!  "), "two dogs play in the snow");
  EXPECT_EQ(normalize_caption("A cat (black) sits; \"waiting\"?"), "a cat black sits waiting");
  EXPECT_EQ(normalize_caption("dog.the cat,a bird"), "dog the cat a bird");
}

TEST(TextNormalize, KeepsApostrophesHyphensAndNumbersInsideWords) {
  EXPECT_EQ(normalize_caption("A man's T-shirt"), "a man's t-shirt");
  EXPECT_EQ(normalize_caption("The dogs' toys - 'new' ones"), "the dogs toys new ones");
  EXPECT_EQ(normalize_caption("2.5 miles, 1,000 people at 10:30."), "2.5 miles 1,000 people at 10:30");
  EXPECT_EQ(normalize_caption("rock--n--roll"), "rock n roll");
  EXPECT_EQ(normalize_caption("b&w photo of 50% off #1 sale"), "b&w photo of 50% off #1 sale");
}

TEST(TextNormalize, TypographicFormsBecomeTheirAsciiJoiners) {
  EXPECT_EQ(normalize_caption("A man\u2019s \u201cbig\u201d hat\u2026"), "a man's big hat");
  EXPECT_EQ(normalize_caption("a well\u2010known place \u2014 at night"), "a well-known place at night");
  EXPECT_EQ(normalize_caption("\u00bfQu\u00e9? \u00a1Hola!"), "qu\u00e9 hola");
  EXPECT_EQ(normalize_caption("\u300c\u72ac\u300d\u3002"), "\u72ac");
}

TEST(TextNormalize, LowerCasesBeyondAscii) {
  EXPECT_EQ(normalize_caption("\u00c9COLE \u00c0 PARIS"), "\u00e9cole \u00e0 paris");
  // Greek final sigma, as Java (and so pycocoevalcap's tokenizer) lower-cases it.
  EXPECT_EQ(normalize_caption("\u039f\u0394\u039f\u03a3 \u039a\u0391\u0399"), "\u03bf\u03b4\u03bf\u03c2 \u03ba\u03b1\u03b9");
  // Characters outside the Basic Multilingual Plane pass through whole.
  EXPECT_EQ(normalize_caption("A \U0001F436 Dog"), "a \U0001F436 dog");
}

TEST(TextNormalize, UnicodeSpaceAndControlsSeparateWords) {
  EXPECT_EQ(normalize_caption("a\u00a0red\u3000car\u200bnow\x01here\u2028"), "a red car now here");
  EXPECT_EQ(normalize_caption("\ufeffhello"), "hello");
}

TEST(TextNormalize, OnlyPunctuationIsEmpty) {
  EXPECT_EQ(normalize_caption(""), "");
  EXPECT_EQ(normalize_caption(" . , ! "), "");
  EXPECT_EQ(normalize_caption("\u2026"), "");
}

TEST(TextNormalize, IsIdempotent) {
  const std::vector<std::string> texts = {
      "A man's T-shirt, 2.5 sizes too BIG!", "\u00bfQu\u00e9? \u00a1Hola!", "\u039f\u0394\u039f\u03a3.",
      "rock--n--roll 'n' stuff", "a \u2047 b", "x-'y z'-w", "1.2.3 a.b 1,a"};
  for (const auto& text : texts) {
    const std::string once = normalize_caption(text);
    EXPECT_EQ(normalize_caption(once), once) << text;
  }
}

TEST(TextNormalize, RejectsInvalidUtf8) {
  EXPECT_THROW(normalize_caption("caf\xe9"), std::invalid_argument);
}

TEST(TextNormalize, CountsAndClipsWords) {
  EXPECT_EQ(count_words(""), 0u);
  EXPECT_EQ(count_words("a"), 1u);
  EXPECT_EQ(count_words("a man on a horse"), 5u);
  EXPECT_EQ(first_words("a man on a horse", 3), "a man on");
  EXPECT_EQ(first_words("a man on a horse", 5), "a man on a horse");
  EXPECT_EQ(first_words("a man on a horse", 9), "a man on a horse");
  EXPECT_EQ(first_words("a man", 0), "");
}
