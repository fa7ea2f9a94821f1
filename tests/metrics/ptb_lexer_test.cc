// ptb_match's shortcuts (ptb_lexer_fast_path.cc) against the DFA they stand in for:
// wherever a shortcut decides, the DFA must decide the same.
#include "metrics/ptb_lexer.h"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace captioner::metrics {
namespace {

// Every letters-only literal of ptb_lexer.re's rules (abbreviations, split words, file
// extensions, fragments of longer literals).
constexpr const char* kLexerLiterals =
    "a acute adj adm adv al ala alex amp an ant any apo apr ar arl art atty aug ave b bancorp "
    "bat bhd bldg blvd bmp bout br bro c ca cal canada cannot cap capt cau ccord cdq cf cg ch "
    "cla co col colo com conn cont corp cpl cpp ct d da dd dec dept det dll doc docx dr dun e "
    "ea ed edu el elec em en ep ept eq er ere et etc eu eut ev ex exe ext f fc feb fla fr ft "
    "fter g ga gen gonna gotta gov gr grave gt gz h hat he hen here hey hon ht htm html http "
    "jan japan jar java jo jpeg jpg jr jul jun l la lcb le lemme ll lr lrb lt ltd m maj mar "
    "md mdr me mlle mme mo mon mont more mov mr mt n nat natl nb nc nce nd nda ne neb net nev "
    "ng nn no non nor nov ntl nvt o oc oct odq ol ome ometh onally op ore orean org ou ow "
    "owever p pc pdf penn pfc ph php pl plc png pp ppt pre pro prof prop pvt py q qc ql qr "
    "quot r rcb rd re rep rev rrb rt ry t tar tel tenn ter ther thu thur tl trea tue twa txt "
    "u uch uml un upt ur ut v va ve vt w wanna wav wed wm www wyo x xml y z ";

// The same token text: the shortcut answers kKeep where the DFA may pick WORD's action,
// which only removes soft hyphens (there are none in ASCII).
bool keeps_text(PtbAction action) { return action == PtbAction::kKeep || action == PtbAction::kRemoveSoftHyphens; }

bool same_match(const char16_t* at, const char16_t* limit, std::string* difference) {
  const PtbMatch fast = ptb_match(at, limit);
  const PtbMatch dfa = ptb_match_dfa(at, limit);
  if (fast.length == dfa.length &&
      (fast.action == dfa.action || (keeps_text(fast.action) && keeps_text(dfa.action)))) {
    return true;
  }
  *difference = "ptb_match gives action " + std::to_string(static_cast<int>(fast.action)) + " length " +
                std::to_string(fast.length) + ", the DFA action " + std::to_string(static_cast<int>(dfa.action)) +
                " length " + std::to_string(dfa.length);
  return false;
}

// Compares ptb_match with ptb_match_dfa at the start of `text`, or at every position.
void expect_same_matches(const std::u16string& text, bool every_position = true) {
  const std::u16string symbols = ptb_symbols(text + u'\0');
  const char16_t* limit = symbols.data() + symbols.size() - 1;
  for (const char16_t* at = symbols.data(); at < limit; ++at) {
    std::string difference;
    if (!same_match(at, limit, &difference)) {
      ADD_FAILURE() << "at offset " << (at - symbols.data()) << " of \""
                    << std::string(text.begin(), text.end()) << "\" (non-ASCII units shown truncated): "
                    << difference;
      return;
    }
    if (!every_position) return;
  }
}

std::u16string ascii(const std::string& text) { return std::u16string(text.begin(), text.end()); }

std::vector<std::string> casings(const std::string& word) {
  std::string upper = word, title = word;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  return {word, upper, title};
}

// A word is checked as the text "<word> " and "<word>\n" followed by a next word, so
// that every rule with trailing context sees something after it.
void expect_same_for_word(const std::string& word) {
  for (const char* after : {" x", "\nx", " The", "\n. ", " 1"}) expect_same_matches(ascii(word + after), false);
}

TEST(PtbLexerFastPath, AgreesWithTheDfaOnEveryWordOfUpToThreeLetters) {
  std::string letters;
  for (char c = 'a'; c <= 'z'; ++c) letters += {c, static_cast<char>(c - 32)};
  for (const char a : letters) {
    expect_same_for_word(std::string{a});
    for (const char b : letters) {
      expect_same_for_word(std::string{a, b});
      for (const char c : letters) expect_same_matches(ascii(std::string{a, b, c} + " x"), false);
    }
  }
}

TEST(PtbLexerFastPath, AgreesWithTheDfaOnTheLexersOwnWords) {
  std::istringstream literals(kLexerLiterals);
  std::string literal;
  int words = 0;
  while (literals >> literal) {
    for (const std::string& word : casings(literal)) {
      expect_same_for_word(word);
      for (char c = 'a'; c <= 'z'; ++c) {
        expect_same_for_word(word + c);
        expect_same_for_word(c + word);
      }
    }
    ++words;
  }
  EXPECT_EQ(words, 251);
}

TEST(PtbLexerFastPath, SplitWordsStillSplit) {
  for (const char* word : {"cannot", "gonna", "gotta", "lemme", "gimme", "wanna"}) {
    for (const std::string& cased : casings(word)) {
      const std::u16string text = ascii(cased + " x") + u'\0';
      const std::u16string symbols = ptb_symbols(text);
      const PtbMatch match = ptb_match(symbols.data(), symbols.data() + symbols.size() - 1);
      // The whole word matches, and the action gives back all but its first three letters.
      EXPECT_EQ(match.action, PtbAction::kSplitAfter3) << cased;
      EXPECT_EQ(match.length, cased.size()) << cased;
    }
  }
}

TEST(PtbLexerFastPath, AgreesWithTheDfaOnRandomWords) {
  std::mt19937 random(7);
  const std::string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uniform_int_distribution<std::size_t> letter(0, letters.size() - 1);
  std::uniform_int_distribution<std::size_t> length(4, 12);
  for (int i = 0; i < 20000; ++i) {
    std::string word(length(random), ' ');
    for (char& c : word) c = letters[letter(random)];
    expect_same_for_word(word);
  }
}

TEST(PtbLexerFastPath, AgreesWithTheDfaOnSpacesBeforeAnything) {
  for (const char* spaces : {" ", "  ", "   "}) {
    for (char16_t next = 1; next < 0x80; ++next) expect_same_matches(ascii(spaces) + next + u"x");
    for (const char16_t next : {u'\u00A0', u'\u2002', u'\u3000', u'\u200B', u'\u2028', u'\u00E9'}) {
      expect_same_matches(ascii(spaces) + next + u"x");
    }
  }
}

TEST(PtbLexerFastPath, AgreesWithTheDfaOnCaptions) {
  for (const char16_t* caption :
       {u"A man cannot ride a horse. Mr. Smith went to the U.S. The end.\nDogs, cats, etc. are here",
        u"I can't believe it's not butter! He'd've done it, y'all.\n'Twas the night; gonna go.",
        u"a well-known 3-year-old dog -- running---fast at 3:30 p.m. for $5.50 (and \u00bd a pie)",
        u"See www.example.com or mail me@example.com :) \u201cCurly\u201d Caf\u00e9 \u0130stanbul\n",
        u"two  dogs\tplay in the snow \u00a0 near a file.txt and C++ code; No. 5 is U.S. Army's"}) {
    expect_same_matches(caption);
  }
}

}  // namespace
}  // namespace captioner::metrics
