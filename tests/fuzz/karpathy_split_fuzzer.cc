// prepare's Karpathy split reader alone (data/caption_sources, --karpathy: captions from
// its "sentences", splits from its "split").

#include <cstddef>
#include <cstdint>
#include <set>

#include "data/caption_sources.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace data = captioner::data;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data_bytes, std::size_t size) {
  data::CaptionSourceOptions options;
  options.images = fuzz::scratch_dir();
  options.karpathy = fuzz::write_scratch_file("dataset_flickr8k.json", fuzz::as_text(data_bytes, size));
  try {
    const auto sources = data::read_caption_sources(options);
    std::set<std::string> keys, files;
    for (const auto& image : sources.images) {
      FUZZ_CHECK(keys.insert(image.key).second);
      FUZZ_CHECK(files.insert(image.file_name).second);
    }
  } catch (const captioner::InputError&) {
  }
  return 0;
}
