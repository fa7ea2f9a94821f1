// METEOR's normaliser (metrics/meteor_normalizer): the non-breaking prefixes file, then
// lines normalised with it. The input is english.prefixes <RS> lines to normalise; the
// lines must be valid UTF-8 (capeval checks its files first), other inputs are skipped.

#include <cstddef>
#include <cstdint>

#include "metrics/meteor_normalizer.h"
#include "metrics/utf8.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace metrics = captioner::metrics;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  metrics::NonbreakingPrefixes prefixes;
  try {
    prefixes = metrics::NonbreakingPrefixes::parse(parts[0]);  // the file's bytes, as MeteorData::load reads them
  } catch (const captioner::InputError&) {
    return 0;
  }
  if (metrics::find_invalid_utf8(parts[1]) != std::string_view::npos) return 0;
  std::string_view lines = parts[1];
  for (;;) {
    const std::size_t end = lines.find('\n');
    const std::string normalized = metrics::meteor_normalize(lines.substr(0, end), prefixes);
    FUZZ_CHECK(metrics::find_invalid_utf8(normalized) == std::string_view::npos);
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 1);
  }
  return 0;
}
