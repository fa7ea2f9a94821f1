// prepare's COCO annotation reader (data/caption_sources, --coco), with a Karpathy split
// file when the input has a second part: annotations <RS> dataset_coco.json.

#include <cstddef>
#include <cstdint>
#include <set>

#include "data/caption_sources.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace data = captioner::data;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data_bytes, std::size_t size) {
  const auto parts = fuzz::split_parts(fuzz::as_text(data_bytes, size), 2);
  data::CaptionSourceOptions options;
  options.images = fuzz::scratch_dir();
  options.coco = {fuzz::write_scratch_file("captions_val2014.json", parts[0])};
  if (!parts[1].empty()) options.karpathy = fuzz::write_scratch_file("dataset_coco.json", parts[1]);
  options.val_size = 1;
  options.test_size = 1;
  try {
    const auto sources = data::read_caption_sources(options);
    std::set<std::string> keys;
    for (const auto& image : sources.images) FUZZ_CHECK(keys.insert(image.key).second);
  } catch (const captioner::InputError&) {
  }
  return 0;
}
