// prepare's reader of Flickr8k's own text format (data/caption_sources): the input is
// Flickr8k.token.txt <RS> Flickr_8k.trainImages.txt <RS> ...devImages.txt <RS> ...testImages.txt.

#include <cstddef>
#include <cstdint>
#include <set>

#include "data/caption_sources.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace data = captioner::data;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data_bytes, std::size_t size) {
  const auto parts = fuzz::split_parts(fuzz::as_text(data_bytes, size), 4);
  data::CaptionSourceOptions options;
  options.images = fuzz::scratch_dir();
  options.flickr8k = fuzz::write_scratch_file("Flickr8k.token.txt", parts[0]);
  fuzz::write_scratch_file("splits/Flickr_8k.trainImages.txt", parts[1]);
  fuzz::write_scratch_file("splits/Flickr_8k.devImages.txt", parts[2]);
  options.flickr8k_splits = fuzz::write_scratch_file("splits/Flickr_8k.testImages.txt", parts[3]).parent_path();
  try {
    const auto sources = data::read_caption_sources(options);
    std::set<std::string> files;
    for (const auto& image : sources.images) {
      FUZZ_CHECK(files.insert(image.file_name).second);
      FUZZ_CHECK(!image.captions.empty());
    }
  } catch (const captioner::InputError&) {
  }
  return 0;
}
