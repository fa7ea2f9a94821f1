// METEOR's WordNet synonym files (SynonymDictionary::parse): what is read and what is refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/meteor_data.h"
#include "util/error.h"

namespace captioner::metrics {
namespace {

TEST(MeteorSynonyms, SynsetsOfAWordAndOfItsBaseForm) {
  const SynonymDictionary dictionary = SynonymDictionary::parse("run\nran running\n", "dog\n7\nrun\n2147483647 12\n");
  EXPECT_EQ(dictionary.synsets_with_base_forms("ran"), (std::vector<std::int32_t>{12, 2147483647}));
  EXPECT_EQ(dictionary.synsets_with_base_forms("dogs"), (std::vector<std::int32_t>{7}));
  EXPECT_TRUE(dictionary.synsets_with_base_forms("cat").empty());
}

// Found by the meteor_synonyms fuzzer: a synset number beyond int32 overflowed when a word
// was looked up (undefined behaviour; a wrong synset at best).
TEST(MeteorSynonyms, SynsetNumberBeyondInt32IsAnError) {
  for (const std::string number : {"2147483648", "10042949672963", "99999999999999999999999"}) {
    try {
      SynonymDictionary::parse("", "dog\n7 " + number + "\n");
      ADD_FAILURE() << "no error for " << number;
    } catch (const InputError& error) {
      EXPECT_EQ(std::string(error.what()), "english.synsets: line 2: synset number " + number +
                                               " is larger than 2147483647");
    }
  }
}

}  // namespace
}  // namespace captioner::metrics
