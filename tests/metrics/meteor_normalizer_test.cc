// METEOR's -norm step: every expected line is what the METEOR 1.5 jar's
// Normalizer.normalizeLine(line, English, keep punctuation).toLowerCase() printed.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "metrics/meteor_normalizer.h"
#include "util/error.h"
#include "util/file.h"

namespace captioner::metrics {
namespace {

NonbreakingPrefixes fixture_prefixes() {
  return NonbreakingPrefixes::parse(read_file(std::string(TEST_FIXTURES_DIR) + "/meteor/nonbreaking/english.prefixes"));
}

TEST(MeteorNormalizer, MatchesTheJarOnHardCases) {
  const NonbreakingPrefixes prefixes = fixture_prefixes();
  const std::vector<std::pair<std::string, std::string>> cases = {
      // Listed prefixes keep their dot, dotted abbreviations lose theirs, quotes and runs of dots split off.
      {"Mr. Smith's dog, a U.S.-based \"terrier\"...",
       "mr. smith 's dog , a us based \" terrier \" ..."},
      {"it's 5 o'clock -- isn't it?", "it 's 5 o 'clock - isn 't it ?"},
      {"the 1990's were great... really", "the 1990 's were great ... really"},
      {"e.g. this vs. that", "eg this vs. that"},
      // Commas inside numbers stay.
      {"costs $1,000.50 today, 3,4 or a,b", "costs $ 1,000.50 today , 3,4 or a , b"},
      {"rock'n'roll 'n' roll", "rock 'n'roll ' n ' roll"},
      {"\xe2\x80\x98quoted\xe2\x80\x99 \xe2\x80\x9c" "double\xe2\x80\x9d \xe2\x80\x93 dash",
       "' quoted ' \" double \" - dash"},
      {"the end.", "the end ."},
      // A numeric-only prefix keeps its dot before a number; any word keeps it before a lower-case word.
      {"No. 5 and No. five", "no. 5 and no. five"},
      {"a  b\tc d", "a b c d"},
      {"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80!",
       "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 , \xd0\xbc\xd0\xb8\xd1\x80 !"},
      {"a man..in a hat.. . on the beach.", "a man .. in a hat .. . on the beach ."},
      {"A.B. is at 3 p.m. Here", "ab is at 3 pm here"},
      {"x''y ''z''", "x \" y \" z \""},
      {"well-known e-mail 3-4 a-", "well known e mail 3 4 a-"},
      {"can't won't shouldn't", "can 't won 't shouldn 't"},
      // Unicode spaces become spaces; Java's lower-casing of U+0130; non-Latin symbols split off.
      {"a\xc2\xa0" "b\xe2\x80\x89" "c", "a b c"},
      {"\xc4\xb0STANBUL ok", "i\xcc\x87stanbul ok"},
      {"\xe6\x97\xa5\xe6\x9c\xac dog\xf0\x9f\x98\x80s", "\xe6\x97\xa5 \xe6\x9c\xac dog \xf0\x9f\x98\x80 s"},
      {"Caf\xc3\xa9 na\xc3\xafve", "caf\xc3\xa9 na\xc3\xafve"},
      // The fast path: letters, digits and spaces.
      {"  A Dog  runs 2 ", "a dog runs 2"},
      {"", ""},
  };
  for (const auto& [line, expected] : cases) EXPECT_EQ(meteor_normalize(line, prefixes), expected) << line;
}

TEST(MeteorNormalizer, ParsesPrefixKinds) {
  const NonbreakingPrefixes prefixes = fixture_prefixes();
  ASSERT_NE(prefixes.find(U"Mr"), nullptr);
  EXPECT_EQ(*prefixes.find(U"Mr"), NonbreakingPrefixes::Kind::kAny);
  ASSERT_NE(prefixes.find(U"No"), nullptr);
  EXPECT_EQ(*prefixes.find(U"No"), NonbreakingPrefixes::Kind::kNumericOnly);
  EXPECT_EQ(prefixes.find(U"#"), nullptr);  // comment lines are skipped
  EXPECT_EQ(prefixes.find(U"Prefixes"), nullptr);
}

// Found by the meteor_normalizer fuzzer: english.prefixes is read without a UTF-8 check, and
// a prefix ending inside a multi-byte sequence was decoded past the end of the text.
TEST(MeteorNormalizer, PrefixesFileOfInvalidUtf8IsAnError) {
  const std::pair<std::string, std::string> cases[] = {
      {"Mr\n\xff\xff\n", "english.prefixes: line 2: invalid UTF-8"},
      {"# comment\nDr\nNo\xE2\x80", "english.prefixes: line 3: invalid UTF-8"},
      {"Mr\r\n\xC3 #NUMERIC_ONLY#\n", "english.prefixes: line 2: invalid UTF-8"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      NonbreakingPrefixes::parse(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const InputError& error) {
      EXPECT_EQ(std::string(error.what()), expected);
    }
  }
}

}  // namespace
}  // namespace captioner::metrics
