// The encoder spec language (encoder/spec) and the shape planner behind it (encoder/plan):
// parse, plan, print the table, and plan the encoder at a larger size, as `captioner
// inspect` and captioning larger images do. The input is "<image size>:<spec>" or a spec
// alone (image size 32).

#include <charconv>
#include <cstddef>
#include <cstdint>

#include "encoder/plan.h"
#include "encoder/spec.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace encoder = captioner::encoder;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view spec = fuzz::as_text(data, size);
  std::int64_t image_size = 32;
  if (const std::size_t colon = spec.find(':'); colon != std::string_view::npos && colon <= 8) {
    const auto [end, error] = std::from_chars(spec.data(), spec.data() + colon, image_size);
    if (error != std::errc() || end != spec.data() + colon) return 0;
    spec.remove_prefix(colon + 1);
  }
  try {
    const auto layers = encoder::parse_spec(spec);
    const auto plan = encoder::plan_encoder(layers, image_size);
    FUZZ_CHECK(plan.layers.size() == layers.size());
    FUZZ_CHECK(plan.output().height == 1 && plan.output().width == 1);
    FUZZ_CHECK(!encoder::format_plan(plan).empty());
    const auto larger = encoder::plan_encoder_at(plan, image_size * 2, image_size * 3);
    FUZZ_CHECK(larger.layers.size() == layers.size());
    encoder::format_plan(larger);
  } catch (const captioner::InputError&) {
  }
  return 0;
}
