#pragma once
// The built-in benchmark (`captioner synth`): a seeded data set of synthetic scenes, 1 to 3
// coloured shapes on varied backgrounds, each with 5 reference captions and a held-out sixth
// (the "human agreement" oracle), written like COCO so that `prepare` treats it like COCO:
//   images/<id>.jpg            real JPEGs
//   captions_{train,val,test}.json   COCO annotation format, the 5 references
//   dataset_shapes.json        Karpathy split format, the 5 references
//   oracle_{val,test}.json     COCO results format, the sixth caption
//   scenes.json                what each image shows (shapes, colours, sizes, positions)
//   synth.json                 options, counts, the grammar's vocabulary
// Every file is written atomically; the same options give byte-identical files whatever the
// number of threads (each image is seeded from (seed, index)).

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "data/synth_scene.h"

namespace captioner::data {

struct SynthOptions {
  std::filesystem::path out;  // output directory (required); created if missing
  int count = 12000;          // images in all; the training split gets what val and test leave
  int val_count = 1000;       // images in the validation split
  int test_count = 1000;      // images in the test split
  int image_size = 64;        // side of the square images in pixels, kMinSynthImageSize..kMaxSynthImageSize
  std::uint64_t seed = 1;     // the same seed gives the same data set, byte for byte
  int max_objects = 3;        // objects per image at most, 1..3
  double noise = 6.0;         // standard deviation of the pixel noise, in 0..255 units, 0..64
  int jpeg_quality = 90;      // JPEG quality, 1..100
  int threads = 1;            // worker threads (the command's default: every core)
};

inline constexpr int kSynthReferences = 5;  // reference captions per image; a sixth is held out
inline constexpr int kMinSynthImageSize = 32;
inline constexpr int kMaxSynthImageSize = 1024;

// One image of the data set, before rendering.
struct SynthImage {
  int index;                          // 0-based position in the data set
  int id;                             // COCO image id: index + 1
  std::string split;                  // "test" for the first test_count, then "val", then "train"
  std::string file_name;              // "000001.jpg", under images/
  Scene scene;
  std::vector<std::string> captions;  // kSynthReferences references, then the held-out one
};

// InputError naming the option for any option out of range, or splits that leave no
// training image.
void validate_synth_options(const SynthOptions& options);

// The scene and captions of image `index` (deterministic in options.seed and index).
SynthImage synth_image(const SynthOptions& options, int index);

// The image's pixels, 8-bit BGR, image_size x image_size.
cv::Mat render_synth_image(const SynthOptions& options, const SynthImage& image);

struct SynthSummary {
  int train = 0, val = 0, test = 0;
  double seconds = 0;  // wall time of the whole generation
};

// Writes the whole data set into options.out (see the top of this file). Refuses a
// non-empty directory that is not an earlier synth output (no synth.json), so that a typo
// cannot overwrite someone's files; an earlier output is replaced, stale images included.
// Progress goes to `progress` (stderr when null). InputError for bad options or a
// directory that cannot be written.
SynthSummary generate_synth(const SynthOptions& options, std::ostream* progress = nullptr);

}  // namespace captioner::data
