#include "data/batch_loader.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/image_store.h"
#include "tests/data/image_test_util.h"
#include "util/error.h"

using captioner::InputError;
using captioner::data::Batch;
using captioner::data::BatchLoader;
using captioner::data::CaptionExample;
using captioner::data::ImageSource;
using captioner::data::ImageStore;
using captioner::data::images_to_input;
using captioner::data::LoaderOptions;
using captioner::data::LoaderPosition;
using captioner::test::TempDir;

namespace {

constexpr int32_t kLeft = 40, kRight = 41;

class BatchLoaderTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = std::make_unique<TempDir>("loader_images");
    out_ = std::make_unique<TempDir>("loader_store");
    std::vector<ImageSource> sources;
    for (int i = 0; i < 12; ++i) {
      const auto path = images_->path() / ("i" + std::to_string(i) + ".png");  // PNG: exact pixels
      captioner::test::write_bytes(path, captioner::test::encode(captioner::test::test_picture(24, 20, i), ".png"));
      sources.push_back({"k" + std::to_string(i), path});
    }
    captioner::data::ImageStoreOptions options;
    options.size = 8;
    options.threads = 2;
    captioner::data::build_image_store(sources, options, out_->path());
  }
  static void TearDownTestSuite() {
    out_.reset();
    images_.reset();
  }
  static ImageStore store() { return ImageStore::open(out_->path()); }

  // `count` examples over the 12 images with captions of varied lengths (1..19 tokens); every
  // third caption says "left" or "right".
  static std::vector<CaptionExample> examples(std::size_t count) {
    std::vector<CaptionExample> list;
    for (std::size_t i = 0; i < count; ++i) {
      CaptionExample example{i % 12, {}};
      const std::size_t length = 1 + (i * 7) % 19;
      for (std::size_t t = 0; t < length; ++t) example.tokens.push_back(static_cast<int32_t>(4 + (i + t) % 30));
      if (i % 3 == 0) example.tokens[0] = i % 2 == 0 ? kLeft : kRight;
      list.push_back(std::move(example));
    }
    return list;
  }

  static std::vector<Batch> whole_epoch(BatchLoader& loader) {
    std::vector<Batch> batches;
    while (auto batch = loader.next()) batches.push_back(std::move(*batch));
    return batches;
  }

  static void expect_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].example_indices, b[i].example_indices) << "batch " << i;
      EXPECT_EQ(a[i].flipped, b[i].flipped) << "batch " << i;
      EXPECT_TRUE(torch::equal(a[i].images, b[i].images)) << "batch " << i;
      EXPECT_TRUE(torch::equal(a[i].tokens, b[i].tokens)) << "batch " << i;
      EXPECT_TRUE(torch::equal(a[i].lengths, b[i].lengths)) << "batch " << i;
    }
  }

  static std::unique_ptr<TempDir> images_, out_;
};
std::unique_ptr<TempDir> BatchLoaderTest::images_;
std::unique_ptr<TempDir> BatchLoaderTest::out_;

TEST_F(BatchLoaderTest, PadsCaptionsBetweenBosAndEosAndCountsLengths) {
  std::vector<CaptionExample> list = {{0, {}}, {1, {7, 8, 9}}, {2, {5}}, {3, {10, 11, 12, 13, 14}}};
  LoaderOptions options;
  options.batch_size = 3;
  options.shuffle = false;
  BatchLoader loader(store(), list, options);
  EXPECT_EQ(loader.batches_per_epoch(), 2u);
  auto first = loader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->example_indices, (std::vector<std::size_t>{0, 1, 2}));
  const auto expected_tokens = torch::tensor({1, 2, 0, 0, 0, 1, 7, 8, 9, 2, 1, 5, 2, 0, 0}, torch::kLong).view({3, 5});
  EXPECT_TRUE(torch::equal(first->tokens, expected_tokens)) << first->tokens;
  EXPECT_TRUE(torch::equal(first->lengths, torch::tensor({2, 5, 3}, torch::kLong))) << first->lengths;
  EXPECT_EQ(first->images.sizes(), (std::vector<int64_t>{3, 3, 8, 8}));
  EXPECT_EQ(first->images.scalar_type(), torch::kFloat);
  auto second = loader.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->tokens.sizes(), (std::vector<int64_t>{1, 7}));  // a short last batch
  EXPECT_EQ(second->lengths.item<int64_t>(), 7);
  EXPECT_FALSE(loader.next().has_value());
  EXPECT_EQ(loader.position(), (LoaderPosition{1, 0}));

  options.drop_last = true;
  BatchLoader dropping(store(), list, options);
  EXPECT_EQ(dropping.batches_per_epoch(), 1u);
  EXPECT_EQ(whole_epoch(dropping).size(), 1u);
}

TEST_F(BatchLoaderTest, ImagesAreTheStorePixelsNormalised) {
  const ImageStore images = store();
  LoaderOptions options;
  options.batch_size = 2;
  options.shuffle = false;
  BatchLoader loader(images, {{5, {4}}, {9, {4}}}, options);
  const Batch batch = *loader.next();
  for (int row = 0; row < 2; ++row) {
    const std::uint8_t* pixels = images.image(row == 0 ? 5 : 9);
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        for (int c = 0; c < 3; ++c) {
          const float expected = (pixels[(y * 8 + x) * 3 + c] / 255.0f - captioner::data::kImageMean[c]) / captioner::data::kImageStd[c];
          ASSERT_NEAR(batch.images[row][c][y][x].item<float>(), expected, 1e-5) << row << " " << c << " " << y << " " << x;
        }
      }
    }
  }
}

TEST_F(BatchLoaderTest, ImagesToInputNormalisesPerChannelInRgbOrder) {
  const torch::Tensor pixel = torch::tensor({255, 0, 128}, torch::kUInt8).view({1, 1, 1, 3});
  const torch::Tensor input = images_to_input(pixel);
  EXPECT_EQ(input.sizes(), (std::vector<int64_t>{1, 3, 1, 1}));
  EXPECT_NEAR(input[0][0][0][0].item<float>(), (1.0f - 0.485f) / 0.229f, 1e-5);
  EXPECT_NEAR(input[0][1][0][0].item<float>(), (0.0f - 0.456f) / 0.224f, 1e-5);
  EXPECT_NEAR(input[0][2][0][0].item<float>(), (128.0f / 255.0f - 0.406f) / 0.225f, 1e-5);
  EXPECT_TRUE(input.is_contiguous());
  EXPECT_THROW(images_to_input(torch::zeros({1, 3, 4, 4}, torch::kUInt8)), std::invalid_argument);
  EXPECT_THROW(images_to_input(torch::zeros({1, 4, 4, 3}, torch::kFloat)), std::invalid_argument);
}

TEST_F(BatchLoaderTest, ShufflingIsSeededAndCoversEveryExampleOncePerEpoch) {
  const auto list = examples(50);
  LoaderOptions options;
  options.batch_size = 8;
  BatchLoader a(store(), list, options), b(store(), list, options);
  options.seed = 2;
  BatchLoader other_seed(store(), list, options);
  const auto epoch0 = a.epoch_plan(0);
  EXPECT_EQ(epoch0, b.epoch_plan(0));
  EXPECT_NE(epoch0, a.epoch_plan(1));
  EXPECT_NE(epoch0, other_seed.epoch_plan(0));
  std::vector<std::size_t> seen;
  for (const auto& batch : epoch0) seen.insert(seen.end(), batch.begin(), batch.end());
  EXPECT_EQ(epoch0.size(), 7u);
  std::sort(seen.begin(), seen.end());
  std::vector<std::size_t> all(50);
  std::iota(all.begin(), all.end(), std::size_t{0});
  EXPECT_EQ(seen, all);

  const auto batches = whole_epoch(a);
  ASSERT_EQ(batches.size(), epoch0.size());
  for (std::size_t i = 0; i < batches.size(); ++i) EXPECT_EQ(batches[i].example_indices, epoch0[i]);

  options.shuffle = false;
  BatchLoader ordered(store(), list, options);
  EXPECT_EQ(ordered.epoch_plan(0).front(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ordered.epoch_plan(3), ordered.epoch_plan(0));
}

TEST_F(BatchLoaderTest, WorkersDoNotChangeTheBatches) {
  const auto list = examples(45);
  LoaderOptions options;
  options.batch_size = 4;
  options.augment = true;
  options.flip_swap_tokens = {{kLeft, kRight}};
  options.workers = 0;
  BatchLoader inline_loader(store(), list, options);
  options.workers = 3;
  options.prefetch = 2;
  BatchLoader threaded(store(), list, options);
  for (int epoch = 0; epoch < 2; ++epoch) expect_same_batches(whole_epoch(inline_loader), whole_epoch(threaded));
}

TEST_F(BatchLoaderTest, BucketingBatchesSimilarLengthsAndKeepsEveryExample) {
  const auto list = examples(400);
  LoaderOptions options;
  options.batch_size = 8;
  auto mean_spread = [&](const std::vector<std::vector<std::size_t>>& plan) {
    double total = 0;
    for (const auto& batch : plan) {
      std::size_t low = 1000, high = 0;
      for (const std::size_t e : batch) {
        low = std::min(low, list[e].tokens.size());
        high = std::max(high, list[e].tokens.size());
      }
      total += static_cast<double>(high - low);
    }
    return total / static_cast<double>(plan.size());
  };
  const auto plain = BatchLoader(store(), list, options).epoch_plan(0);
  options.bucket_by_length = true;
  options.bucket_span = 10;
  BatchLoader bucketed(store(), list, options);
  const auto plan = bucketed.epoch_plan(0);
  EXPECT_GT(mean_spread(plain), 10.0);
  EXPECT_LT(mean_spread(plan), 3.0);
  std::multiset<std::size_t> seen;
  for (const auto& batch : plan) seen.insert(batch.begin(), batch.end());
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), 400u);
  EXPECT_NE(plan, bucketed.epoch_plan(1));
  // The batches are shuffled: not shortest first.
  std::vector<std::size_t> first_lengths;
  for (const auto& batch : plan) first_lengths.push_back(list[batch.front()].tokens.size());
  EXPECT_FALSE(std::is_sorted(first_lengths.begin(), first_lengths.end()));
  // Fewer pad tokens.
  auto padded = [&](BatchLoader& loader) {
    int64_t total = 0;
    for (const Batch& b : whole_epoch(loader)) total += b.tokens.numel();
    return total;
  };
  options.bucket_by_length = false;
  BatchLoader plain_loader(store(), list, options);
  EXPECT_LT(padded(bucketed), padded(plain_loader) * 3 / 4);
}

TEST_F(BatchLoaderTest, NoFlipWithoutSwapPairs) {
  const auto list = examples(60);
  LoaderOptions options;
  options.augment = true;
  options.batch_size = 60;
  BatchLoader loader(store(), list, options);
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (const Batch& batch : whole_epoch(loader)) {
      EXPECT_EQ(std::count(batch.flipped.begin(), batch.flipped.end(), true), 0);
    }
  }
}

TEST_F(BatchLoaderTest, AFlippedImageComesWithItsLeftAndRightSwapped) {
  const ImageStore images = store();
  const auto list = examples(60);
  LoaderOptions options;
  options.augment = true;
  options.flip_swap_tokens = {{kLeft, kRight}};
  options.batch_size = 60;
  options.shuffle = false;
  BatchLoader loader(images, list, options);
  const Batch batch = *loader.next();
  const auto flips = std::count(batch.flipped.begin(), batch.flipped.end(), true);
  EXPECT_GT(flips, 15);
  EXPECT_LT(flips, 45);
  const torch::Tensor all = images_to_input(images.all_images());
  int swapped = 0;
  for (std::size_t row = 0; row < 60; ++row) {
    const CaptionExample& example = list[row];
    const bool flipped = batch.flipped[row];
    EXPECT_EQ(flipped, loader.flipped(0, row));
    const torch::Tensor expected_image = flipped ? all[example.image_index].flip({2}) : all[example.image_index];
    ASSERT_TRUE(torch::equal(batch.images[row], expected_image)) << "row " << row;
    for (std::size_t t = 0; t < example.tokens.size(); ++t) {
      int32_t expected = example.tokens[t];
      if (flipped && expected == kLeft) expected = kRight, ++swapped;
      else if (flipped && expected == kRight) expected = kLeft, ++swapped;
      ASSERT_EQ(batch.tokens[row][t + 1].item<int64_t>(), expected) << "row " << row << " token " << t;
    }
  }
  EXPECT_GT(swapped, 0);
  // The flips change with the epoch.
  std::vector<bool> epoch1;
  for (std::size_t e = 0; e < 60; ++e) epoch1.push_back(loader.flipped(1, e));
  EXPECT_NE(epoch1, batch.flipped);
}

TEST_F(BatchLoaderTest, ResumingAtASavedPositionGivesTheSameBatches) {
  const auto list = examples(70);
  LoaderOptions options;
  options.batch_size = 8;
  options.augment = true;
  options.bucket_by_length = true;
  options.bucket_span = 3;
  options.flip_swap_tokens = {{kLeft, kRight}};
  BatchLoader original(store(), list, options);
  whole_epoch(original);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(original.next().has_value());
  const LoaderPosition saved = original.position();
  EXPECT_EQ(saved, (LoaderPosition{1, 3}));
  std::vector<Batch> rest = whole_epoch(original);
  std::vector<Batch> next_epoch = whole_epoch(original);

  options.workers = 1;
  BatchLoader resumed(store(), list, options);
  resumed.seek(saved);
  EXPECT_EQ(resumed.position(), saved);
  expect_same_batches(whole_epoch(resumed), rest);
  expect_same_batches(whole_epoch(resumed), next_epoch);

  // Seeking mid-way through a prefetching loader drops what it had made ahead.
  BatchLoader again(store(), list, options);
  ASSERT_TRUE(again.next().has_value());
  again.seek(saved);
  expect_same_batches(whole_epoch(again), rest);
}

TEST_F(BatchLoaderTest, InconsistentInputsAreErrors) {
  LoaderOptions options;
  EXPECT_THROW(BatchLoader(store(), {{12, {4}}}, options), InputError);
  try {
    BatchLoader loader(store(), {{0, {4}}, {99, {4}}}, options);
    ADD_FAILURE();
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("caption example 1 refers to image 99"), std::string::npos) << error.what();
  }
  options.flip_swap_tokens = {{kLeft, kRight}, {kLeft, 50}};
  EXPECT_THROW(BatchLoader(store(), {{0, {4}}}, options), InputError);
  options.flip_swap_tokens = {};
  options.batch_size = 0;
  EXPECT_THROW(BatchLoader(store(), {{0, {4}}}, options), InputError);
  options.batch_size = 2;
  BatchLoader loader(store(), examples(10), options);
  EXPECT_THROW(loader.seek({0, 6}), InputError);
  loader.seek({0, 5});  // the end of the epoch
  EXPECT_FALSE(loader.next().has_value());
  EXPECT_EQ(loader.position(), (LoaderPosition{1, 0}));
}

}  // namespace
