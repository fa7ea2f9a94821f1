#include "data/batch_loader.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "util/error.h"

namespace captioner::data {
namespace {

// splitmix64: a small, well-mixed generator whose sequence is the same on every platform
// (std::shuffle and std::uniform_int_distribution are not).
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Random {
 public:
  Random(uint64_t seed, uint64_t epoch, uint64_t purpose) : state_(mix(mix(mix(seed) ^ epoch) ^ purpose)) {}
  uint64_t next() { return mix(state_++); }
  // Uniform in [0, n), n > 0, without modulo bias.
  uint64_t below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;
    for (;;) {
      const uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  uint64_t state_;
};

enum Purpose : uint64_t { kOrder = 1, kBatchOrder = 2, kFlip = 3 };

}  // namespace

torch::Tensor images_to_input(const torch::Tensor& images) {
  if (images.dim() != 4 || images.size(3) != 3 || images.scalar_type() != torch::kUInt8) {
    throw std::invalid_argument("images_to_input: expects uint8 N x H x W x 3 images");
  }
  const auto options = torch::TensorOptions().dtype(torch::kFloat).device(images.device());
  // (x / 255 - mean) / std as one multiply and one subtract.
  torch::Tensor scale = torch::empty({1, 3, 1, 1}, torch::kFloat);
  torch::Tensor shift = torch::empty({1, 3, 1, 1}, torch::kFloat);
  for (int c = 0; c < 3; ++c) {
    scale[0][c][0][0] = 1.0f / (255.0f * kImageStd[c]);
    shift[0][c][0][0] = kImageMean[c] / kImageStd[c];
  }
  // Kept channels-last in memory (N x 3 x H x W with the store's NHWC strides): no transposing
  // copy, and LibTorch's CPU convolution, pooling and batch norm all run faster on it (max
  // pooling 5x, convolution 1.4x in a profiled training step).
  torch::Tensor input = images.permute({0, 3, 1, 2}).to(options);
  return input.mul_(scale.to(options)).sub_(shift.to(options));
}

BatchLoader::BatchLoader(ImageStore store, std::vector<CaptionExample> examples, LoaderOptions options)
    : store_(std::move(store)), examples_(std::move(examples)), options_(std::move(options)) {
  if (options_.batch_size < 1) throw InputError("loader: batch size must be at least 1, not " + std::to_string(options_.batch_size));
  if (options_.workers < 0) throw InputError("loader: workers must be 0 or more, not " + std::to_string(options_.workers));
  if (options_.prefetch < 1) throw InputError("loader: prefetch must be at least 1, not " + std::to_string(options_.prefetch));
  if (options_.bucket_span < 1) throw InputError("loader: bucket span must be at least 1, not " + std::to_string(options_.bucket_span));
  if (options_.shard_count < 1 || options_.shard_index < 0 || options_.shard_index >= options_.shard_count) {
    throw InputError("loader: shard " + std::to_string(options_.shard_index) + " of " +
                     std::to_string(options_.shard_count) + " does not exist");
  }
  for (std::size_t i = 0; i < examples_.size(); ++i) {
    if (examples_[i].image_index >= store_.size()) {
      throw InputError("loader: caption example " + std::to_string(i) + " refers to image " +
                       std::to_string(examples_[i].image_index) + ", but the image store in " + store_.directory().string() +
                       " has " + std::to_string(store_.size()) + " images");
    }
  }
  for (const auto& [left, right] : options_.flip_swap_tokens) {
    for (const auto& [from, to] : {std::pair{left, right}, std::pair{right, left}}) {
      const auto [it, added] = swaps_.emplace(from, to);
      if (!added && it->second != to) {
        throw InputError("loader: token " + std::to_string(from) + " is in two flip swap pairs (with " +
                         std::to_string(it->second) + " and " + std::to_string(to) + ")");
      }
    }
  }
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

std::size_t BatchLoader::batches_per_epoch() const {
  const std::size_t full = examples_.size() / options_.batch_size;
  return full + (!options_.drop_last && examples_.size() % options_.batch_size != 0 ? 1 : 0);
}

std::vector<std::vector<std::size_t>> BatchLoader::epoch_plan(uint64_t epoch) const {
  std::vector<std::size_t> order(examples_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (options_.shuffle) Random(options_.seed, epoch, kOrder).shuffle(order);
  const std::size_t batch_size = static_cast<std::size_t>(options_.batch_size);
  if (options_.bucket_by_length) {
    // Sort windows of many batches by caption length, so that a batch holds similar lengths
    // while the windows keep the epoch's order random.
    const std::size_t window = batch_size * static_cast<std::size_t>(options_.bucket_span);
    for (std::size_t begin = 0; begin < order.size(); begin += window) {
      const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), begin + window));
      std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(begin), end, [&](std::size_t a, std::size_t b) {
        return examples_[a].tokens.size() < examples_[b].tokens.size();
      });
    }
  }
  std::vector<std::vector<std::size_t>> batches;
  batches.reserve(batches_per_epoch());
  for (std::size_t begin = 0; begin < order.size(); begin += batch_size) {
    const std::size_t end = std::min(order.size(), begin + batch_size);
    if (end - begin < batch_size && options_.drop_last) break;
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  // Otherwise the batches would come shortest first within every window.
  if (options_.bucket_by_length && options_.shuffle) Random(options_.seed, epoch, kBatchOrder).shuffle(batches);
  if (options_.shard_count > 1) {
    const auto shards = static_cast<std::size_t>(options_.shard_count);
    const auto shard = static_cast<std::size_t>(options_.shard_index);
    for (auto& batch : batches) {
      const std::size_t base = batch.size() / shards, longer = batch.size() % shards;
      const std::size_t begin = shard * base + std::min(shard, longer);
      const std::size_t end = begin + base + (shard < longer ? 1 : 0);
      batch = std::vector<std::size_t>(batch.begin() + static_cast<std::ptrdiff_t>(begin),
                                       batch.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }
  return batches;
}

bool BatchLoader::flipped(uint64_t epoch, std::size_t example) const {
  if (!options_.augment || swaps_.empty()) return false;
  return (Random(options_.seed, epoch, kFlip ^ (static_cast<uint64_t>(example) << 8)).next() & 1) != 0;
}

Batch BatchLoader::make_batch(const std::vector<std::size_t>& example_indices, uint64_t epoch) const {
  Batch batch;
  batch.example_indices = example_indices;
  const auto rows = static_cast<int64_t>(example_indices.size());
  std::vector<std::size_t> image_indices;
  image_indices.reserve(example_indices.size());
  std::size_t longest = 0;
  for (const std::size_t e : example_indices) {
    image_indices.push_back(examples_.at(e).image_index);
    batch.flipped.push_back(flipped(epoch, e));
    longest = std::max(longest, examples_[e].tokens.size());
  }
  batch.images = images_to_input(store_.gather(image_indices, batch.flipped));

  const auto columns = static_cast<int64_t>(longest + 2);
  batch.tokens = torch::full({rows, columns}, static_cast<int64_t>(options_.pad_id), torch::kLong);
  batch.lengths = torch::empty({rows}, torch::kLong);
  auto tokens = batch.tokens.accessor<int64_t, 2>();
  auto lengths = batch.lengths.accessor<int64_t, 1>();
  for (int64_t r = 0; r < rows; ++r) {
    const std::vector<int32_t>& caption = examples_[example_indices[r]].tokens;
    tokens[r][0] = options_.bos_id;
    for (std::size_t t = 0; t < caption.size(); ++t) {
      int32_t token = caption[t];
      if (batch.flipped[r]) {
        const auto swap = swaps_.find(token);
        if (swap != swaps_.end()) token = swap->second;
      }
      tokens[r][static_cast<int64_t>(t) + 1] = token;
    }
    tokens[r][static_cast<int64_t>(caption.size()) + 1] = options_.eos_id;
    lengths[r] = static_cast<int64_t>(caption.size()) + 2;
  }
  return batch;
}

LoaderPosition BatchLoader::position() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return position_;
}

void BatchLoader::seek(LoaderPosition position) {
  if (position.batch > batches_per_epoch()) {
    throw InputError("loader: cannot resume at batch " + std::to_string(position.batch) + " of epoch " +
                     std::to_string(position.epoch) + ": an epoch has " + std::to_string(batches_per_epoch()) +
                     " batches (another batch size or data set?)");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++generation_;
  position_ = position;
  plan_.reset();
  ready_.clear();
}

void BatchLoader::start_epoch_locked() {
  plan_ = std::make_shared<const std::vector<std::vector<std::size_t>>>(epoch_plan(position_.epoch));
  next_to_make_ = position_.batch;
  ready_.clear();
  work_ready_.notify_all();
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!plan_) start_epoch_locked();
  if (position_.batch >= plan_->size()) {
    position_ = {position_.epoch + 1, 0};
    plan_.reset();
    ready_.clear();
    ++generation_;
    return std::nullopt;
  }
  if (workers_.empty()) {
    Batch batch = make_batch((*plan_)[position_.batch], position_.epoch);
    ++position_.batch;
    return batch;
  }
  batch_ready_.wait(lock, [&] { return ready_.count(position_.batch) != 0; });
  Slot slot = std::move(ready_.at(position_.batch));
  ready_.erase(position_.batch);
  if (slot.error) {
    // Start this epoch over from here on the next call, instead of waiting for a batch that
    // no worker will make again.
    plan_.reset();
    ++generation_;
    std::rethrow_exception(slot.error);
  }
  ++position_.batch;
  work_ready_.notify_all();
  return std::move(slot.batch);
}

void BatchLoader::worker_loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] {
      return stopping_ || (plan_ && next_to_make_ < plan_->size() &&
                           next_to_make_ < position_.batch + static_cast<std::size_t>(options_.prefetch));
    });
    if (stopping_) return;
    const std::size_t index = next_to_make_++;
    const auto plan = plan_;
    const uint64_t generation = generation_;
    const uint64_t epoch = position_.epoch;
    lock.unlock();
    Slot slot;
    try {
      slot.batch = make_batch((*plan)[index], epoch);
    } catch (...) {
      slot.error = std::current_exception();
    }
    lock.lock();
    if (generation == generation_) {
      ready_[index] = std::move(slot);
      batch_ready_.notify_all();
    }
  }
}

}  // namespace captioner::data
