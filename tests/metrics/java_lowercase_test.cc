// Java 17's String.toLowerCase(Locale.ENGLISH), which the reference tokenizer applies
// to every token. Expected strings were printed by the JVM (java 17.0.15).
#include "metrics/java_lowercase.h"

#include <gtest/gtest.h>

namespace captioner::metrics {
namespace {

struct LowerCaseCase {
  std::u16string input;
  std::u16string java;
};

class JavaLowercase : public ::testing::TestWithParam<LowerCaseCase> {};

TEST_P(JavaLowercase, MatchesTheJvm) { EXPECT_TRUE(java_lowercase(GetParam().input) == GetParam().java); }

// A capital sigma is final when a cased letter precedes it and none follows it within
// the same word, "word" as Java's word BreakIterator sees it: letters and digits join,
// one '.', '\'', '-' or '_' between them does not break, two in a row do, soft hyphens
// are invisible, and 'ª' is not cased for this rule.
INSTANTIATE_TEST_SUITE_P(
    Jvm, JavaLowercase,
    ::testing::Values(LowerCaseCase{u"\u039f\u0394\u039f\u03a3", u"\u03bf\u03b4\u03bf\u03c2"},
                      LowerCaseCase{u"\u039f\u0394\u039f\u03a3.com", u"\u03bf\u03b4\u03bf\u03c3.com"},
                      LowerCaseCase{u"\u03a3\u0391\u03a3-\u03a3\u0391\u03a3", u"\u03c3\u03b1\u03c3-\u03c3\u03b1\u03c2"},
                      LowerCaseCase{u"\u0391.\u03a3.", u"\u03b1.\u03c2."},
                      LowerCaseCase{u"\u0391\u03a3_\u0392", u"\u03b1\u03c3_\u03b2"},
                      LowerCaseCase{u"\u0391\u03a31", u"\u03b1\u03c21"},
                      LowerCaseCase{u"\u0391\u03a31\u0391", u"\u03b1\u03c31\u03b1"},
                      LowerCaseCase{u"\u00aa\u03a3", u"\u00aa\u03c3"},
                      LowerCaseCase{u"\u0391\u03a3''\u0391", u"\u03b1\u03c2''\u03b1"},
                      LowerCaseCase{u"\u0391\u03a3\u00ad\u0391", u"\u03b1\u03c3\u00ad\u03b1"},
                      LowerCaseCase{u"\u0130stanbul", u"i\u0307stanbul"},
                      LowerCaseCase{u"ABC xyz", u"abc xyz"}));

}  // namespace
}  // namespace captioner::metrics
