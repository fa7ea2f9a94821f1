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

// More single-caption cases, each printed by the jar for a file holding exactly that caption
// (no final newline): contractions and assimilations, hyphens and dashes, quotes,
// abbreviations (a sentence-final "etc." and "U.S." before a capital get a separate "."),
// numbers and currency (the euro becomes "$", the cent sign "cents"), URLs and e-mail
// addresses (one token each), brackets, letters outside ASCII (Java's lower-casing: U+1E9E
// gives U+00DF, a word-final capital sigma U+03C2), untokenizable supplementary characters (emoji,
// Deseret) deleted, and no-break space, soft hyphen and zero-width space.
INSTANTIATE_TEST_SUITE_P(
    JarMore, PtbTokenizerJarCases,
    ::testing::Values(
        JarCase{"I won't go, I'm sure y'all know.",
                "i wo n't go , i 'm sure y' all know ."},
        JarCase{"Don't, won't, can't, shan't, CAN'T",
                "do n't , wo n't , ca n't , sha n't , ca n't"},
        JarCase{"We're gonna wanna do it 'cause we'd've gotta lemme gimme",
                "we 're gon na wan na do it 'cause we 'd 've got ta lem me gim me"},
        JarCase{"'Twas 'tis o'clock rock'n'roll the '90s",
                "'t was 't is o'clock rock 'n' roll the '90s"},
        JarCase{"Cannot CANNOT GONNA",
                "can not can not gon na"},
        JarCase{"A - B state-of-the-art 1990-2000 well--known",
                "a - b state-of-the-art 1990-2000 well -- known"},
        JarCase{"a \u2014 b x \u2013 y --- z",
                "a -- b x -- y -- z"},
        JarCase{"He said 'hi' to me",
                "he said ` hi ' to me"},
        JarCase{"\u201cNested \u2018quotes\u2019\u201d",
                "`` nested ` quotes '''"},
        JarCase{"a ``tex'' quote &quot;ent&quot;",
                "a `` tex '' quote `` ent ''"},
        JarCase{"Dogs, cats, etc.",
                "dogs , cats , etc. ."},
        JarCase{"Dogs, cats, etc. are here",
                "dogs , cats , etc. are here"},
        JarCase{"He lives in the U.S. He works.",
                "he lives in the u.s. . he works ."},
        JarCase{"He lives in the U.S. he works.",
                "he lives in the u.s. he works ."},
        JarCase{"Mr. Smith and Mrs. Jones met Dr. Who at 5 p.m. today.",
                "mr. smith and mrs. jones met dr. who at 5 p.m. today ."},
        JarCase{"Co. Ltd. Inc.",
                "co. ltd. . inc. ."},
        JarCase{"version 2.0. Go home...now",
                "version 2.0 . go home ... now"},
        JarCase{"3.14159 1,000,000 -5 10% 2x4 50-50 #1 7:30",
                "3.14159 1,000,000 -5 10 % 2x4 50-50 # 1 7:30"},
        JarCase{"$10 \u20ac20 \u00a5300 \u00a35 5\u00a2 \u00bc 3/4",
                "$ 10 $ 20 \u00a5 300 # 5 5 cents 1/4 3/4"},
        JarCase{"http://www.example.com/path?q=1&r=2 https://x.org/a_b",
                "http://www.example.com/path?q=1&r=2 https://x.org/a_b"},
        JarCase{"www.google.com user.name@mail.example.org <http://x.com>",
                "www.google.com user.name@mail.example.org < http://x.com >"},
        JarCase{"(a) [b] {c} :-) ;) x",
                "-lrb- a -rrb- -lsb- b -rsb- -lcb- c -rcb- :--rrb- ;-rrb- x"},
        JarCase{"\u00d1and\u00fa \u00dcber \u00c9COLE stra\u00dfe \u1e9e",
                "\u00f1and\u00fa \u00fcber \u00e9cole stra\u00dfe \u00df"},
        JarCase{"\u0130 \u0130stanbul I \u0131",
                "i\u0307 i\u0307stanbul i \u0131"},
        JarCase{"\u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3. \u03a3\u03a3 \u03a3",
                "\u03bf\u03b4\u03bf\u03c2 \u03bf\u03b4\u03bf\u03c2 . \u03c3\u03c2 \u03c3"},
        JarCase{"\u6771\u4eac\u30bf\u30ef\u30fc \ud55c\uad6d\uc5b4 \u0645\u0631\u062d\u0628\u0627",
                "\u6771\u4eac\u30bf\u30ef\u30fc \ud55c\uad6d\uc5b4 \u0645\u0631\u062d\u0628\u0627"},
        JarCase{"\U0001f436\U0001f431 dog \U0001f600cat \U00010400",
                "dog cat"},
        JarCase{"a\u00a0b c\u00adtd z\u200bw",
                "a b ctd z w"},
        JarCase{"a/b and/or **bold** 2*3 wait\u2026 ok",
                "a/b and/or ** bold ** 2 * 3 wait ... ok"},
        JarCase{"<b>bold</b> a<b",
                "<b> bold </b> a < b"},
        JarCase{"a...b .. ....",
                "a. . . b . . ..."},
        JarCase{"'s 'em 'll",
                "'s 'em ` ll"}));

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

// More batches printed by the jar for the captions joined by '\n' (as pycocoevalcap writes
// them): "U.S." before a capitalised caption also gets a sentence-final ".", "Mr." never
// does; a smiley is one token when another character follows it, even a newline.
TEST(PtbTokenizer, LookaheadAcrossCaptionsMoreCases) {
  EXPECT_EQ(ptb_tokenize_lines({"They sat etc.", "The dogs' bowls"}),
            (std::vector<std::string>{"they sat etc. .", "the dogs ' bowls"}));
  EXPECT_EQ(ptb_tokenize_lines({"Visit the U.S.", "The end"}), (std::vector<std::string>{"visit the u.s. .", "the end"}));
  EXPECT_EQ(ptb_tokenize_lines({"Visit the U.S.", "the end"}), (std::vector<std::string>{"visit the u.s.", "the end"}));
  EXPECT_EQ(ptb_tokenize_lines({"Hello Mr.", "Smith"}), (std::vector<std::string>{"hello mr.", "smith"}));
  EXPECT_EQ(ptb_tokenize_lines({"it cannot", "be"}), (std::vector<std::string>{"it can not", "be"}));
  EXPECT_EQ(ptb_tokenize_lines({"the dogs'", "bowl"}), (std::vector<std::string>{"the dogs '", "bowl"}));
  EXPECT_EQ(ptb_tokenize_lines({"   ", "x  "}), (std::vector<std::string>{"", "x"}));
  EXPECT_EQ(ptb_tokenize_lines({"smile :-)", "next"}), (std::vector<std::string>{"smile :--rrb-", "next"}));
  EXPECT_EQ(ptb_tokenize_lines({"smile :-)"}), (std::vector<std::string>{"smile : - -rrb-"}));
  // An empty last caption still puts a newline after the smiley: the jar prints
  // "smile :-rrb-\n" for "smile :)\n".
  EXPECT_EQ(ptb_tokenize_lines({"smile :)", ""}), (std::vector<std::string>{"smile :-rrb-", ""}));
}

// What pycocoevalcap's PTBTokenizer().tokenize returned for these nine captions (one per
// image, in one batch): jar lines with the 17 punctuation tokens dropped. "?!" is one
// token and not in the list; U+0085 gives a "..." token in the jar (it is NOT a line break
// there) which the list removes, so our treating it as a space gives the same words.
TEST(PtbTokenizer, TokenizeMatchesPycocoevalcapsWrapper) {
  EXPECT_EQ(PtbTokenizer().tokenize({"A man (in red) walks.", "They sat etc.", "The dogs' bowls; a cat: two...",
                                     "\"Quoted\" -- text!", "?!", "A\u0085B", "Mr. Smith's U.S. trip, etc.",
                                     "I can't go", "{x} [y]"}),
            (std::vector<std::string>{"a man -lrb- in red -rrb- walks", "they sat etc.", "the dogs bowls a cat two",
                                      "quoted text", "?!", "a b", "mr. smith 's u.s. trip etc.", "i ca n't go",
                                      "-lcb- x -rcb- -lsb- y -rsb-"}));
}

// Deliberately unlike the reference: there a '\r' or U+2028 inside a caption starts a
// new output line and shifts every later caption onto the wrong image.
// (The jar prints "a dog\nrunning\na cat\nsleeping\nend" for the first batch: five lines
// for three captions. \v, \f and U+2029 split lines in the jar too; a '\n' inside a caption
// is a space, as pycocoevalcap's replace('\n', ' ') makes it.)
TEST(PtbTokenizer, LineSeparatorsInsideACaptionAreSpaces) {
  EXPECT_EQ(ptb_tokenize_lines({"a dog\rrunning", "a cat\u2028sleeping", "end"}),
            (std::vector<std::string>{"a dog running", "a cat sleeping", "end"}));
  EXPECT_EQ(ptb_tokenize_lines({"a\r\nb", "x\vy\fz", "p\u2029q"}), (std::vector<std::string>{"a b", "x y z", "p q"}));
  EXPECT_EQ(PtbTokenizer().tokenize({"A dog.\rA cat.", "end"}), (std::vector<std::string>{"a dog a cat", "end"}));
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

// Each of the 17 tokens of pycocoevalcap's PUNCTUATIONS alone is removed; the lower-case
// bracket tokens the jar prints, and near misses, are kept. Like Python's
// ' '.join(w for w in line.rstrip().split(' ') if w not in PUNCTUATIONS), an inner
// double space survives as an empty token.
TEST(PunctuationRemoval, TheSeventeenTokensExactly) {
  for (const char* token : {"''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-", ".", "?", "!", ",", ":", "-",
                            "--", "...", ";"}) {
    EXPECT_EQ(remove_punctuation_tokens(std::string("a ") + token + " b"), "a b") << token;
  }
  for (const char* token : {"-lrb-", "-rrb-", "-lcb-", "-rcb-", "-lsb-", "-rsb-", "-LSB-", "?!", "..", "....", "---",
                            "'s", "n't", "#", "$", "&", "*", "/"}) {
    EXPECT_EQ(remove_punctuation_tokens(std::string("a ") + token + " b"), std::string("a ") + token + " b") << token;
  }
  EXPECT_EQ(remove_punctuation_tokens("a  b"), "a  b");
  EXPECT_EQ(remove_punctuation_tokens(". , ;"), "");
  EXPECT_EQ(remove_punctuation_tokens(""), "");
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

namespace captioner::metrics {
namespace {

// U+0085 (NEXT LINE) is no line end for the jar: its ellipsis rule matches first
// (jar: "a\u0085b" -> "a ... b").
TEST(PtbTokenizer, NextLineCharacterIsAnEllipsis) {
  EXPECT_EQ(ptb_tokenize_lines({"a\u0085b", "c"}), (std::vector<std::string>{"a ... b", "c"}));
}

}  // namespace
}  // namespace captioner::metrics
