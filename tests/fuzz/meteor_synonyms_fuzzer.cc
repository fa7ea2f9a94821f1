// METEOR's WordNet synonym reader (metrics/meteor_data: SynonymDictionary::parse of
// english.exceptions and english.synsets), then the synsets of words. The input is
// english.exceptions <RS> english.synsets <RS> words to look up; every word of the two
// files is looked up too.

#include <cstddef>
#include <cstdint>
#include <string>

#include "metrics/meteor_data.h"
#include "metrics/meteor_normalizer.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace metrics = captioner::metrics;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 3);
  metrics::SynonymDictionary dictionary;
  try {
    dictionary = metrics::SynonymDictionary::parse(parts[0], parts[1]);
  } catch (const captioner::InputError&) {
    return 0;
  }
  for (const std::string_view part : parts) {
    for (const std::string_view word : metrics::java_tokenizer_words(part)) {
      const auto synsets = dictionary.synsets_with_base_forms(std::string(word));
      for (std::size_t i = 1; i < synsets.size(); ++i) FUZZ_CHECK(synsets[i - 1] < synsets[i]);
    }
  }
  return 0;
}
