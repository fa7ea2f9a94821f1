// METEOR's matching stages, alignment search, statistics and scores on hand-worked
// examples. The expected statistics are the SCORE lines and the expected scores the
// EVAL lines of the METEOR 1.5 jar (java -jar meteor-1.5.jar - - -stdio -l en -norm, its
// full data) on the same sentences; the fixture data (tests/fixtures/meteor) gives these
// sentences the same candidate matches.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "metrics/meteor.h"
#include "util/file.h"

namespace captioner::metrics {
namespace {

std::string fixture(const std::string& name) { return read_file(std::string(TEST_FIXTURES_DIR) + "/meteor/" + name); }

const MeteorData& fixture_data() {
  static const MeteorData data = [] {
    MeteorData loaded;
    loaded.prefixes = NonbreakingPrefixes::parse(fixture("nonbreaking/english.prefixes"));
    std::istringstream words(fixture("function/english.words"));
    for (std::string word; std::getline(words, word);) loaded.function_words.insert(word);
    loaded.synonyms = SynonymDictionary::parse(fixture("synonym/english.exceptions"), fixture("synonym/english.synsets"));
    loaded.paraphrases = ParaphraseTable::from_text(fixture("paraphrase-en.txt"), "paraphrase-en.txt");
    return loaded;
  }();
  return data;
}

std::string statistics(const std::string& candidate, const std::vector<std::string>& references) {
  return MeteorScorer(fixture_data()).statistics(candidate, references).to_string();
}

// Jar SCORE lines: tstLen refLen tstFunc refFunc, (tstContent refContent tstFunction
// refFunction) for exact, stem, synonym, paraphrase, then chunks tstMatches refMatches.
constexpr const char* kExactStats = "6.0 5.0 3.0 2.0 3.0 3.0 2.0 2.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 3.0 5.0 5.0";
constexpr const char* kNothingStats = "2.0 2.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0";
constexpr const char* kSynonymStats = "5.0 5.0 3.0 3.0 1.0 1.0 3.0 3.0 0.0 0.0 0.0 0.0 1.0 1.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 5.0 5.0";
constexpr const char* kSwappedStats = "6.0 6.0 3.0 3.0 3.0 3.0 3.0 3.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 2.0 6.0 6.0";
constexpr const char* kPerfectStats = "6.0 6.0 3.0 3.0 3.0 3.0 3.0 3.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 6.0 6.0";
constexpr const char* kParaphraseStats = "5.0 4.0 3.0 2.0 2.0 2.0 1.0 1.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 2.0 1.0 1.0 5.0 4.0";
constexpr const char* kDisjointStats = "3.0 3.0 1.0 1.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0";
constexpr const char* kStemSynonymStats = "5.0 5.0 2.0 2.0 1.0 1.0 2.0 2.0 1.0 1.0 0.0 0.0 1.0 1.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 5.0 5.0";

TEST(MeteorStages, ExactMatchesWithChunks) {
  // "a" has no partner; "the" and "grass" sit elsewhere in the reference: three chunks.
  EXPECT_EQ(statistics("a dog runs on the grass", {"the dog runs on grass"}), kExactStats);
}

TEST(MeteorStages, SynonymMatch) {
  // couch ~ sofa share a synset; the only candidate at its position, so fixed at once.
  EXPECT_EQ(statistics("a cat on a couch", {"a cat on a sofa"}), kSynonymStats);
}

TEST(MeteorStages, StemAndSynonymMatches) {
  // riding ~ rides by stem (and by synonym through the base form "ride"), bicycle ~ bike
  // by synonym. The second reference scores lower and is not kept.
  EXPECT_EQ(statistics("a man riding a bicycle", {"a man rides a bike", "a woman walks a dog"}), kStemSynonymStats);
}

TEST(MeteorStages, ParaphraseMatchOfUnequalLength) {
  // "has been" ~ "was": two test words, one reference word, all matched in one chunk.
  EXPECT_EQ(statistics("the man has been happy", {"the man was happy"}), kParaphraseStats);
}

TEST(MeteorStages, WeakOneWordMatchesLoseToTheEmptyAlignment) {
  // The jar's search counts weighted matches in ints: a one-word match of weight 0.5
  // adds nothing, and the empty alignment, with no chunk, ranks first. So "dogs
  // running" matches nothing in "dog runs" although both words share stems and synsets.
  EXPECT_EQ(statistics("dogs running", {"dog runs"}), kNothingStats);
}

TEST(MeteorStages, SentencesOfOver64Words) {
  // Over 64 test words the synonym matcher compares synset lists pair by pair instead
  // of using the sentence's synset table: the same matches.
  std::string long_caption = "a cat on a couch";
  for (int i = 1; i <= 66; ++i) long_caption += " w" + std::to_string(i);
  EXPECT_EQ(statistics(long_caption, {"a cat on a sofa"}),
            "71.0 5.0 3.0 3.0 1.0 1.0 3.0 3.0 0.0 0.0 0.0 0.0 1.0 1.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 5.0 5.0");
  EXPECT_EQ(statistics("a cat on a sofa", {long_caption}),
            "5.0 71.0 3.0 3.0 1.0 1.0 3.0 3.0 0.0 0.0 0.0 0.0 1.0 1.0 0.0 0.0 0.0 0.0 0.0 0.0 1.0 5.0 5.0");
}

TEST(MeteorStages, NoMatches) { EXPECT_EQ(statistics("the blue house", {"a red car"}), kDisjointStats); }

TEST(MeteorFragmentation, ChunksCountReorderedPhrases) {
  EXPECT_EQ(statistics("the cat sat on the mat", {"on the mat the cat sat"}), kSwappedStats);
  EXPECT_EQ(statistics("the cat sat on the mat", {"the cat sat on the mat"}), kPerfectStats);
}

MeteorStats parse(const std::string& line) {
  std::vector<double> v;
  std::size_t start = 0;
  while (start < line.size()) {
    std::size_t end = line.find(' ', start);
    if (end == std::string::npos) end = line.size();
    v.push_back(std::stod(line.substr(start, end - start)));
    start = end + 1;
  }
  EXPECT_EQ(v.size(), 23u);
  MeteorStats stats;
  stats.test_length = v[0];
  stats.reference_length = v[1];
  stats.test_function_words = v[2];
  stats.reference_function_words = v[3];
  for (int i = 0; i < kMeteorModules; ++i) {
    stats.test_content[i] = v[4 + 4 * i];
    stats.reference_content[i] = v[5 + 4 * i];
    stats.test_function[i] = v[6 + 4 * i];
    stats.reference_function[i] = v[7 + 4 * i];
  }
  stats.chunks = v[20];
  stats.test_word_matches = v[21];
  stats.reference_word_matches = v[22];
  EXPECT_EQ(stats.to_string(), line);
  return stats;
}

TEST(MeteorScore, ComputeMetricsAsTheJar) {
  // The jar's EVAL output for each statistics line alone.
  EXPECT_EQ(meteor_score(parse(kExactStats)), 0.4521066386051062);
  EXPECT_EQ(meteor_score(parse(kNothingStats)), 0.0);
  EXPECT_EQ(meteor_score(parse(kSynonymStats)), 0.9333333333333333);
  EXPECT_EQ(meteor_score(parse(kSwappedStats)), 0.5183550629438616);
  EXPECT_EQ(meteor_score(parse(kPerfectStats)), 1.0);  // no fragmentation penalty at all
  EXPECT_EQ(meteor_score(parse(kParaphraseStats)), 0.9439563768554983);
  EXPECT_EQ(meteor_score(parse(kDisjointStats)), 0.0);
  EXPECT_EQ(meteor_score(parse(kStemSynonymStats)), 0.8363636363636364);
}

TEST(MeteorScore, CorpusFromSummedStatisticsWithoutPerfectSegmentsChunks) {
  MeteorStats swapped_and_perfect;
  swapped_and_perfect.add(parse(kSwappedStats));
  swapped_and_perfect.add(parse(kPerfectStats));
  EXPECT_EQ(swapped_and_perfect.chunks, 2.0);  // the perfect segment's chunk is not added
  EXPECT_EQ(meteor_score(swapped_and_perfect), 0.5807037287370524);
  MeteorStats swapped_twice;
  swapped_twice.add(parse(kSwappedStats));
  swapped_twice.add(parse(kSwappedStats));
  EXPECT_EQ(swapped_twice.chunks, 4.0);
  EXPECT_EQ(meteor_score(swapped_twice), 0.5183550629438616);
}

TEST(MeteorScorer, ScoresACorpusAsPycocoevalcap) {
  TokenizedCorpus corpus;
  corpus.candidates = {"a dog runs on the grass", "dogs running", "a cat on a couch", "the cat sat on the mat",
                       "the cat sat on the mat", "the man has been happy", "the blue house", "a man riding a bicycle"};
  corpus.references = {{"the dog runs on grass"},   {"dog runs"},          {"a cat on a sofa"},
                       {"on the mat the cat sat"},  {"the cat sat on the mat"}, {"the man was happy"},
                       {"a red car"},               {"a man rides a bike", "a woman walks a dog"}};
  const MetricScore score = MeteorScorer(fixture_data()).score(corpus);
  EXPECT_EQ(score.name, "METEOR");
  // The jar's EVAL of the eight SCORE lines: per image, then the corpus (not their mean).
  const std::vector<double> expected = {0.4521066386051062, 0.0, 0.9333333333333333, 0.5183550629438616,
                                        1.0, 0.9439563768554983, 0.0, 0.8363636363636364};
  EXPECT_EQ(score.per_image, expected);
  EXPECT_EQ(score.corpus, 0.46208161887690674);
}

TEST(MeteorScorer, ScoreLineQuirks) {
  // pycocoevalcap removes "|||" from the hypothesis; in a reference it splits it in two.
  EXPECT_EQ(statistics("a cat ||| on a couch", {"a cat on a sofa"}), kSynonymStats);
  EXPECT_EQ(statistics("a cat on a couch", {"a red car ||| a cat on a sofa"}), kSynonymStats);
}

}  // namespace
}  // namespace captioner::metrics
