// capeval's COCO annotation reader (metrics/caption_io: read_coco_captions' references
// file), against a fixed results file whose ids the seeds' annotations have.

#include <cstddef>
#include <cstdint>

#include "metrics/caption_io.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto results = fuzz::write_scratch_file(
      "results.json", R"([{"image_id": 391895, "caption": "a man rides a bike"}, {"image_id": "x", "caption": "a dog"}])");
  const auto annotations = fuzz::write_scratch_file("captions_val2014.json", fuzz::as_text(data, size));
  try {
    const auto loaded = captioner::metrics::read_coco_captions(annotations, results);
    const auto& captions = loaded.captions;
    FUZZ_CHECK(captions.candidates.size() == captions.image_ids.size());
    FUZZ_CHECK(captions.references.size() == captions.image_ids.size());
    for (const auto& references : captions.references) FUZZ_CHECK(!references.empty());
  } catch (const captioner::InputError&) {
  }
  return 0;
}
