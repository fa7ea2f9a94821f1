// The PTB tokenizer against lines printed by the reference itself:
// java -cp stanford-corenlp-3.4.1.jar edu.stanford.nlp.process.PTBTokenizer
//      -preserveLines -lowerCase   (what pycocoevalcap runs)
#include "metrics/ptb_tokenizer.h"

#include <gtest/gtest.h>

#include "metrics/tokenizer.h"

namespace captioner::metrics {
namespace {

// Each case is tokenized alone, as the last caption of a batch: the jar then sees the
// end of its input right after it (pycocoevalcap writes no final newline).
struct JarCase {
  const char* caption;
  const char* jar_output;
};

class PtbTokenizerJarCases : public ::testing::TestWithParam<JarCase> {};

TEST_P(PtbTokenizerJarCases, MatchesTheJar) {
  const JarCase& c = GetParam();
  EXPECT_EQ(ptb_tokenize_lines({c.caption}), std::vector<std::string>{c.jar_output});
}

INSTANTIATE_TEST_SUITE_P(
    Jar, PtbTokenizerJarCases,
    ::testing::Values(
        JarCase{"I can't believe it's not butter! He'd've done it, y'all.",
                "i ca n't believe it 's not butter ! he 'd 've done it , y' all ."},
        JarCase{"'Twas the night; cannot stop, gonna go.", "'t was the night ; can not stop , gon na go ."},
        JarCase{"a well-known 3-year-old dog -- running---fast", "a well-known 3-year-old dog -- running -- fast"},
        JarCase{"\"Hello,\" she said. \u201cCurly\u201d \u2018single\u2019",
                "`` hello , '' she said . `` curly '' ` single '"},
        JarCase{"He paid $5.50 for 1/2 a pizza (and \u00bd a pie) at 3:30 p.m.",
                "he paid $ 5.50 for 1/2 a pizza -lrb- and 1/2 a pie -rrb- at 3:30 p.m."},
        // The smiley rule needs one more character after ":)"; at the end of input the
        // jar splits it (before a newline it gives ":-rrb-", see below).
        JarCase{"See www.example.com or mail me@example.com :)", "see www.example.com or mail me@example.com : -rrb-"},
        JarCase{"Mr. Smith went to the U.S. The end.", "mr. smith went to the u.s. . the end ."},
        // Java lower-cases U+0130 to "i" + U+0307 and a word-final sigma to U+03C2; the
        // emoji's surrogates are untokenizable and dropped.
        JarCase{"Caf\u00e9 \u0130stanbul \u039f\u0394\u039f\u03a3 \u65e5\u672c\u8a9e \U0001F436 dog",
                "caf\u00e9 i\u0307stanbul \u03bf\u03b4\u03bf\u03c2 \u65e5\u672c\u8a9e dog"}));

// The reference tokenizes all captions as one text joined by newlines, and its lexer
// looks past the newline: "etc." before a capitalised caption ends a sentence too.
TEST(PtbTokenizer, LooksAcrossCaptionBoundaries) {
  EXPECT_EQ(ptb_tokenize_lines({"They sat etc.", "And then left"}),
            (std::vector<std::string>{"they sat etc. .", "and then left"}));
  EXPECT_EQ(ptb_tokenize_lines({"They sat etc.", "and then left"}),
            (std::vector<std::string>{"they sat etc.", "and then left"}));
  EXPECT_EQ(ptb_tokenize_lines({"They sat etc."}), (std::vector<std::string>{"they sat etc. ."}));
  EXPECT_EQ(ptb_tokenize_lines({"mail me :)", "x"}), (std::vector<std::string>{"mail me :-rrb-", "x"}));
}

// Deliberately unlike the reference: there a '\r' or U+2028 inside a caption starts a
// new output line and shifts every later caption onto the wrong image.
TEST(PtbTokenizer, LineSeparatorsInsideACaptionAreSpaces) {
  EXPECT_EQ(ptb_tokenize_lines({"a dog\rrunning", "a cat\u2028sleeping", "end"}),
            (std::vector<std::string>{"a dog running", "a cat sleeping", "end"}));
}

TEST(PtbTokenizer, EmptyCaptionGivesAnEmptyLine) {
  EXPECT_EQ(ptb_tokenize_lines({"a", "", "b"}), (std::vector<std::string>{"a", "", "b"}));
}

// pycocoevalcap's punctuation list is upper case for the bracket tokens while the
// tokenizer lower-cases, so "-lrb-" survives; the other 13 tokens go.
TEST(PunctuationRemoval, RemovesPycocoevalcapsList) {
  EXPECT_EQ(remove_punctuation_tokens("`` hello , '' she said . -lrb- a -rrb- ... -- ; : ! ? ` '"),
            "hello she said -lrb- a -rrb-");
  EXPECT_EQ(remove_punctuation_tokens("..."), "");
  EXPECT_EQ(remove_punctuation_tokens("a dog  "), "a dog");
}

TEST(PtbTokenizer, TokenizeRemovesPunctuation) {
  EXPECT_EQ(PtbTokenizer().tokenize({"A dog, running.", "..."}), (std::vector<std::string>{"a dog running", ""}));
}

TEST(PretokenizedTokenizer, SplitsLowerCasesAndDropsPunctuation) {
  EXPECT_EQ(make_tokenizer(TokenizationMode::kPretokenized)->tokenize({"A  Dog ,\trunning ."}),
            (std::vector<std::string>{"a dog running"}));
}

TEST(TokenizationMode, ParsesNames) {
  EXPECT_EQ(parse_tokenization_mode("ptb"), TokenizationMode::kPtb);
  EXPECT_EQ(parse_tokenization_mode("pretokenized"), TokenizationMode::kPretokenized);
  EXPECT_THROW(parse_tokenization_mode("PTB"), std::invalid_argument);
}

}  // namespace
}  // namespace captioner::metrics
