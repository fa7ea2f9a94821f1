// capeval's COCO results reader (metrics/caption_io: read_coco_captions' results file),
// against a fixed annotation file of a few real COCO val2014 captions.

#include <cstddef>
#include <cstdint>

#include "metrics/caption_io.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto annotations = fuzz::write_scratch_file("captions_val2014.json", R"({
  "images": [{"id": 391895, "file_name": "COCO_val2014_000000391895.jpg"},
             {"id": 522418, "file_name": "COCO_val2014_000000522418.jpg"},
             {"id": "184613"}],
  "annotations": [
    {"image_id": 391895, "id": 770337, "caption": "A man with a red helmet on a small moped on a dirt road. "},
    {"image_id": 391895, "id": 771687, "caption": "Man riding a motor bike on a dirt road on the countryside."},
    {"image_id": 522418, "id": 775806, "caption": "A woman wearing a net on her head cutting a cake. "},
    {"image_id": "184613", "id": 1, "caption": "A child holding a flowered umbrella and petting a yak."},
    {"image_id": 318219, "id": 2, "caption": "A young boy standing in front of a computer keyboard."}]})");
  const auto results = fuzz::write_scratch_file("results.json", fuzz::as_text(data, size));
  try {
    const auto loaded = captioner::metrics::read_coco_captions(annotations, results);
    const auto& captions = loaded.captions;
    FUZZ_CHECK(!captions.image_ids.empty());
    FUZZ_CHECK(captions.candidates.size() == captions.image_ids.size());
    FUZZ_CHECK(captions.references.size() == captions.image_ids.size());
    FUZZ_CHECK(captions.image_ids.size() + loaded.images_without_result == 4);
  } catch (const captioner::InputError&) {
  }
  return 0;
}
