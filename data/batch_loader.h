#pragma once
// Batches of (image, caption) examples for training, read from the memory-mapped image store
// by worker threads ahead of the trainer.
//
// What an epoch contains is a pure function of (examples, options, epoch): the order (seeded
// shuffle, optional length bucketing) and the augmentation of every example. So training
// resumes exactly by seek()ing to a saved position, and two loaders with the same seed give
// the same batches, whatever the number of workers.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "data/image_store.h"

namespace captioner::data {

// THE normalisation of images for the model, shared by training and inference: uint8
// N x H x W x 3 RGB (any device) -> float N x 3 x H x W, (x / 255 - mean) / std per channel,
// in channels-last memory format.
torch::Tensor images_to_input(const torch::Tensor& images_nhwc_uint8);
// The per-channel mean and standard deviation it uses (ImageNet's, in RGB order).
inline constexpr float kImageMean[3] = {0.485f, 0.456f, 0.406f};
inline constexpr float kImageStd[3] = {0.229f, 0.224f, 0.225f};

struct CaptionExample {
  std::size_t image_index = 0;   // into the ImageStore
  std::vector<int32_t> tokens;   // caption token ids WITHOUT bos/eos
};

struct Batch {
  torch::Tensor images;    // float N x 3 x S x S, normalised (images_to_input)
  torch::Tensor tokens;    // int64 N x T: bos, tokens, eos, then pad (T = longest + 2)
  torch::Tensor lengths;   // int64 N, counting bos and eos
  std::vector<std::size_t> example_indices;  // which examples, in row order
  std::vector<bool> flipped;                 // rows whose image was mirrored (and caption swapped)
};

struct LoaderOptions {
  int batch_size = 32;
  bool shuffle = true;         // a new seeded order every epoch; false: the examples' order
  uint64_t seed = 1;           // same seed, same batches
  int workers = 2;             // threads assembling batches ahead; 0: assembled in next()
  int prefetch = 4;            // batches assembled ahead of the consumer, at most
  bool drop_last = false;      // drop the epoch's last batch when it is short
  bool bucket_by_length = false;  // batch captions of similar length (less padding)
  int bucket_span = 50;        // bucketing sorts windows of bucket_span batches' worth of examples
  bool augment = false;        // random horizontal flips, only together with flip_swap_tokens
  // Token pairs a mirror image swaps (e.g. ▁left <-> ▁right). A flip happens (with
  // probability 1/2) only when pairs are given, so captions stay true.
  std::vector<std::pair<int32_t, int32_t>> flip_swap_tokens;
  int32_t pad_id = 0, bos_id = 1, eos_id = 2;  // data/sentencepiece.h's fixed ids
  // Data-parallel training: every batch of the epoch's plan (the same on every process) is
  // cut into shard_count contiguous slices, the first (size % shard_count) one row longer,
  // and this loader delivers slice shard_index (possibly empty for a short last batch).
  int shard_count = 1;
  int shard_index = 0;
};

// Where the loader stands: the batch the next call to next() returns.
struct LoaderPosition {
  uint64_t epoch = 0;
  std::size_t batch = 0;
  bool operator==(const LoaderPosition& other) const { return epoch == other.epoch && batch == other.batch; }
};

class BatchLoader {
 public:
  // InputError if an example's image index is outside the store or options are invalid.
  BatchLoader(ImageStore store, std::vector<CaptionExample> examples, LoaderOptions options);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  std::size_t batches_per_epoch() const;
  std::size_t size() const { return examples_.size(); }

  // The next batch of the current epoch; std::nullopt once the epoch is over, after which
  // the position is (epoch + 1, 0). Rethrows a worker's exception.
  std::optional<Batch> next();

  LoaderPosition position() const;
  // The next call to next() returns batch `position.batch` of epoch `position.epoch`.
  void seek(LoaderPosition position);

  // The example indices of every batch of `epoch`, in order (what next() will deliver).
  std::vector<std::vector<std::size_t>> epoch_plan(uint64_t epoch) const;
  // Whether example `example` is mirrored in `epoch`.
  bool flipped(uint64_t epoch, std::size_t example) const;

  // Assembles one batch of the given examples as epoch `epoch` would (no prefetching).
  Batch make_batch(const std::vector<std::size_t>& example_indices, uint64_t epoch) const;

 private:
  void start_epoch_locked();
  void worker_loop();

  ImageStore store_;
  std::vector<CaptionExample> examples_;
  LoaderOptions options_;
  std::map<int32_t, int32_t> swaps_;  // both directions of flip_swap_tokens

  mutable std::mutex mutex_;
  std::condition_variable work_ready_, batch_ready_;
  LoaderPosition position_;
  std::shared_ptr<const std::vector<std::vector<std::size_t>>> plan_;  // of position_.epoch, once started
  uint64_t generation_ = 0;  // bumped by seek: batches of an older generation are dropped
  std::size_t next_to_make_ = 0;
  struct Slot {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };
  std::map<std::size_t, Slot> ready_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace captioner::data
