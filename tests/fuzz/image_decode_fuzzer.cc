// Image decoding and THE preprocessing (data/image_decode, data/image_preprocess): the
// bytes as an image file, decoded at full size and preprocessed to 32 x 32 (which lets a
// JPEG decode at a reduced scale). scripts/fuzz.sh caps inputs at 64 KiB (-max_len); a
// small file that claims a huge image must be refused, not decoded into gigabytes.

#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>

#include "data/image_decode.h"
#include "tests/fuzz/fuzz_support.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;
namespace data = captioner::data;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);  // its warnings on every corrupt input
  cv::setNumThreads(0);  // small images: a thread pool only costs time (and makes runs differ)
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data_bytes, std::size_t size) {
  const auto path = fuzz::write_scratch_file("image", fuzz::as_text(data_bytes, size));
  try {
    const cv::Mat image = data::decode_image_file(path);
    FUZZ_CHECK(image.type() == CV_8UC3 && !image.empty());
  } catch (const captioner::InputError&) {
  }
  try {
    const cv::Mat rgb = data::preprocess_image_file(path, 32);
    FUZZ_CHECK(rgb.type() == CV_8UC3 && rgb.rows == 32 && rgb.cols == 32 && rgb.isContinuous());
  } catch (const captioner::InputError&) {
  }
  return 0;
}
