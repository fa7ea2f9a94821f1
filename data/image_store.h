#pragma once
// The image store: every image of a data set decoded once, resized and centre-cropped to
// S x S RGB (preprocess_image_file), and kept as one contiguous uint8 array that training
// memory-maps, so no epoch decodes a JPEG.
//
// On disk, in a directory:
//   images.u8    N x S x S x 3 uint8 (NHWC, RGB), the images in the order of images.json's keys.
//   images.json  {"format": "captioner-image-store", "version", "size", "count", "keys",
//                 "skipped": [{key, path, reason}], "options", "sources_fingerprint",
//                 "images_sha256"}.
// While building: images.u8.partial (the images done so far) and images.journal.json (how far
// that is, rewritten atomically after each flushed chunk), so that a killed build continues
// where it stopped and ends with the same bytes as an uninterrupted one.
//
// The sources fingerprint is the SHA-256 of every source's key, absolute path, file size and
// modification time (as make and rsync judge freshness), not of the contents: checking the
// contents would cost as much as the build. A rebuilt or touched image file, a renamed key,
// a reordered list or another size all make the store stale, and the next build redoes it.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "util/progress.h"

namespace captioner::data {

struct ImageSource {
  std::string key;              // unique id of the image (e.g. the COCO image id)
  std::filesystem::path path;   // its file
};

struct SkippedImage {
  std::string key;
  std::string path;
  std::string reason;  // the decoder's "path: problem" message
};

struct ImageStoreOptions {
  int size = 64;                  // side S of the stored S x S images
  int threads = default_threads();  // decoding threads (does not change the result)
  bool strict = false;            // a missing or corrupt image is an InputError instead of a skip
  int flush_every = 1024;         // images between two journal flushes (what a kill can lose; <= 64 MiB)

  static int default_threads();   // every core
};

struct ImageStoreBuildResult {
  std::vector<SkippedImage> skipped;  // in source order
  std::size_t stored = 0;             // images in the store
  bool reused = false;                // the store was current: nothing was done
  std::size_t resumed = 0;            // sources an interrupted build had done (0: started afresh)
  std::string images_sha256;          // SHA-256 of images.u8
};

// Builds (or reuses, or resumes) the store of `sources` in `dir` (created if needed).
// Keys must be unique (InputError otherwise). `progress` counts sources done, if given.
ImageStoreBuildResult build_image_store(const std::vector<ImageSource>& sources, const ImageStoreOptions& options,
                                        const std::filesystem::path& dir, Progress* progress = nullptr);

// A built store, memory-mapped read-only. Copies share the mapping.
class ImageStore {
 public:
  // InputError "file: problem" when images.json or images.u8 is missing, malformed, or the
  // array's size disagrees with images.json (a truncated or foreign file).
  static ImageStore open(const std::filesystem::path& dir);

  std::size_t size() const;      // N, the number of images
  int image_size() const;        // S
  std::size_t image_bytes() const { return static_cast<std::size_t>(image_size()) * image_size() * 3; }
  const std::vector<std::string>& keys() const;
  std::optional<std::size_t> index_of(const std::string& key) const;
  const std::filesystem::path& directory() const;

  // Image i as S x S x 3 RGB bytes (HWC). std::out_of_range past the end.
  const std::uint8_t* image(std::size_t i) const;

  // Every image, N x S x S x 3 uint8, WITHOUT a copy: a view of the mapping that keeps it
  // alive. Writing to it changes only this process's private copy of the touched pages.
  torch::Tensor all_images() const;

  // The images at `indices`, gathered into a new B x S x S x 3 uint8 tensor (one copy each).
  // Images whose `flip` entry is true are mirrored left-right; `flip` empty means none.
  torch::Tensor gather(const std::vector<std::size_t>& indices, const std::vector<bool>& flip = {}) const;

 private:
  struct State;
  explicit ImageStore(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace captioner::data
