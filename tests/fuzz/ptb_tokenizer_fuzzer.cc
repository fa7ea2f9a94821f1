// The PTB tokenizer (metrics/ptb_tokenizer) on captions, one a line. Its input is valid
// UTF-8 (every reader checks that first), so other inputs are skipped.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/ptb_tokenizer.h"
#include "metrics/utf8.h"
#include "tests/fuzz/fuzz_support.h"

namespace fuzz = captioner::fuzz;
namespace metrics = captioner::metrics;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  if (metrics::find_invalid_utf8(text) != std::string_view::npos) return 0;
  std::vector<std::string> captions;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    captions.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  const auto lines = metrics::ptb_tokenize_lines(captions);
  FUZZ_CHECK(lines.size() == captions.size());
  for (const auto& line : lines) {
    FUZZ_CHECK(metrics::find_invalid_utf8(line) == std::string_view::npos);
    FUZZ_CHECK(line.find('\n') == std::string::npos);
  }
  FUZZ_CHECK(metrics::PtbTokenizer().tokenize(captions).size() == captions.size());
  return 0;
}
