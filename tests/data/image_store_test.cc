#include "data/image_store.h"

#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <functional>
#include <cstring>
#include <streambuf>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "data/image_decode.h"
#include "tests/data/image_test_util.h"
#include "util/error.h"
#include "util/file.h"
#include "util/progress.h"
#include "util/sha256.h"

namespace fs = std::filesystem;
using captioner::InputError;
using captioner::Progress;
using captioner::data::build_image_store;
using captioner::data::ImageSource;
using captioner::data::ImageStore;
using captioner::data::ImageStoreBuildResult;
using captioner::data::ImageStoreOptions;
using captioner::test::encode;
using captioner::test::encode_jpeg;
using captioner::test::read_bytes;
using captioner::test::TempDir;
using captioner::test::test_picture;
using captioner::test::write_bytes;

namespace {

// `count` JPEGs (and every 5th a PNG) of varied sizes in `dir`, as store sources.
std::vector<ImageSource> make_sources(const fs::path& dir, int count) {
  std::vector<ImageSource> sources;
  for (int i = 0; i < count; ++i) {
    const cv::Mat picture = test_picture(40 + (i * 7) % 50, 30 + (i * 11) % 40, i);
    const bool png = i % 5 == 4;
    const fs::path path = dir / ("img" + std::to_string(i) + (png ? ".png" : ".jpg"));
    write_bytes(path, png ? encode(picture, ".png") : encode_jpeg(picture));
    sources.push_back({"key" + std::to_string(i), path});
  }
  return sources;
}

ImageStoreOptions small_options(int size = 16) {
  ImageStoreOptions options;
  options.size = size;
  options.threads = 2;
  options.flush_every = 8;
  return options;
}

std::string file_sha256(const fs::path& path) { return captioner::sha256_hex(captioner::read_file(path)); }

nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(captioner::read_file(path)); }

void expect_input_error(const std::function<void()>& action, const std::string& message) {
  try {
    action();
    ADD_FAILURE() << "no InputError; expected: " << message;
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), message);
  }
}

// A stream that kills this process with SIGKILL when the n-th line is written to it: given
// to a Progress that prints a line per image, it stops a build at a chosen image, mid-chunk,
// the way a kill -9 or a power cut would, with the other decoding threads where they are.
class KillAtLine : public std::streambuf {
 public:
  explicit KillAtLine(int line) : remaining_(line) {}

 protected:
  int overflow(int c) override {
    if (c == '\n' && --remaining_ == 0) std::raise(SIGKILL);
    return c;
  }

 private:
  int remaining_;
};

TEST(ImageStore, BuildsTheStoreOfPreprocessedImages) {
  TempDir images("store_images"), out("store_out");
  const auto sources = make_sources(images.path(), 23);
  Progress progress("images", sources.size(), nullptr, 1e9);
  const ImageStoreBuildResult result = build_image_store(sources, small_options(), out.path(), &progress);
  EXPECT_FALSE(result.reused);
  EXPECT_EQ(result.resumed, 0u);
  EXPECT_EQ(result.stored, 23u);
  EXPECT_TRUE(result.skipped.empty());
  EXPECT_EQ(progress.done(), 23u);
  EXPECT_EQ(fs::file_size(out / "images.u8"), 23u * 16 * 16 * 3);
  EXPECT_EQ(result.images_sha256, file_sha256(out / "images.u8"));
  EXPECT_FALSE(fs::exists(out / "images.u8.partial"));
  EXPECT_FALSE(fs::exists(out / "images.journal.json"));

  const auto description = read_json(out / "images.json");
  EXPECT_EQ(description["format"], "captioner-image-store");
  EXPECT_EQ(description["size"], 16);
  EXPECT_EQ(description["count"], 23);
  EXPECT_EQ(description["images_sha256"], result.images_sha256);
  EXPECT_EQ(description["sources_fingerprint"].get<std::string>().size(), 64u);

  const ImageStore store = ImageStore::open(out.path());
  ASSERT_EQ(store.size(), 23u);
  EXPECT_EQ(store.image_size(), 16);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    EXPECT_EQ(store.keys()[i], sources[i].key);
    EXPECT_EQ(store.index_of(sources[i].key), i);
    const cv::Mat expected = captioner::data::preprocess_image_file(sources[i].path, 16);
    ASSERT_EQ(std::memcmp(store.image(i), expected.data, store.image_bytes()), 0) << "image " << i;
  }
  EXPECT_FALSE(store.index_of("nope").has_value());
  EXPECT_THROW(store.image(23), std::out_of_range);
}

TEST(ImageStore, SkipsMissingCorruptAndTruncatedImagesWithTheirReasons) {
  TempDir images("store_images"), out("store_out");
  auto sources = make_sources(images.path(), 12);
  write_bytes(images / "corrupt.jpg", {0xFF, 0xD8, 0xFF, 0xD9});
  auto truncated = encode_jpeg(test_picture(50, 40, 99));
  truncated.resize(truncated.size() / 2);
  write_bytes(images / "truncated.jpg", truncated);
  sources.insert(sources.begin() + 3, {"missing", images / "missing.jpg"});
  sources.insert(sources.begin() + 7, {"corrupt", images / "corrupt.jpg"});
  sources.push_back({"truncated", images / "truncated.jpg"});

  const auto result = build_image_store(sources, small_options(), out.path());
  EXPECT_EQ(result.stored, 12u);
  ASSERT_EQ(result.skipped.size(), 3u);
  EXPECT_EQ(result.skipped[0].key, "missing");
  EXPECT_EQ(result.skipped[0].path, (images / "missing.jpg").string());
  EXPECT_EQ(result.skipped[0].reason, "cannot open: No such file or directory");
  EXPECT_EQ(result.skipped[1].key, "corrupt");
  EXPECT_EQ(result.skipped[1].reason, "corrupt JPEG (libjpeg cannot decode it)");
  EXPECT_EQ(result.skipped[2].key, "truncated");
  EXPECT_EQ(result.skipped[2].reason, "truncated JPEG (the file ends before its end-of-image marker)");

  const ImageStore store = ImageStore::open(out.path());
  ASSERT_EQ(store.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(store.keys()[i], "key" + std::to_string(i));
  const auto skipped = read_json(out / "images.json")["skipped"];
  ASSERT_EQ(skipped.size(), 3u);
  EXPECT_EQ(skipped[1]["key"], "corrupt");
  EXPECT_EQ(skipped[1]["reason"], "corrupt JPEG (libjpeg cannot decode it)");
  // Reused as it is, the store reports the same skips.
  const auto again = build_image_store(sources, small_options(), out.path());
  EXPECT_TRUE(again.reused);
  ASSERT_EQ(again.skipped.size(), 3u);
  EXPECT_EQ(again.skipped[2].reason, result.skipped[2].reason);
}

TEST(ImageStore, StrictModeMakesTheFirstBadImageAnError) {
  TempDir images("store_images"), out("store_out");
  auto sources = make_sources(images.path(), 20);
  write_bytes(images / "corrupt.jpg", {0xFF, 0xD8, 0xFF, 0xD9});
  sources.insert(sources.begin() + 13, {"corrupt", images / "corrupt.jpg"});
  sources.insert(sources.begin() + 17, {"missing", images / "missing.jpg"});
  auto options = small_options();
  options.strict = true;
  expect_input_error([&] { build_image_store(sources, options, out.path()); },
                     (images / "corrupt.jpg").string() + ": corrupt JPEG (libjpeg cannot decode it)");
  EXPECT_FALSE(fs::exists(out / "images.json"));
  EXPECT_FALSE(fs::exists(out / "images.u8"));
  // A lenient build of the same sources, then a strict one: still an error.
  options.strict = false;
  EXPECT_EQ(build_image_store(sources, options, out.path()).skipped.size(), 2u);
  options.strict = true;
  expect_input_error([&] { build_image_store(sources, options, out.path()); },
                     (images / "corrupt.jpg").string() + ": corrupt JPEG (libjpeg cannot decode it)");
}

TEST(ImageStore, ACurrentStoreIsReusedAndAStaleOneRebuilt) {
  TempDir images("store_images"), out("store_out");
  auto sources = make_sources(images.path(), 10);
  const auto first = build_image_store(sources, small_options(), out.path());
  struct stat before {};
  ASSERT_EQ(::stat((out / "images.u8").c_str(), &before), 0);

  Progress progress("images", sources.size(), nullptr, 1e9);
  const auto second = build_image_store(sources, small_options(), out.path(), &progress);
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(second.stored, 10u);
  EXPECT_EQ(second.images_sha256, first.images_sha256);
  EXPECT_EQ(progress.done(), 10u);
  struct stat after {};
  ASSERT_EQ(::stat((out / "images.u8").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // not rewritten
  EXPECT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  // Another thread count is the same store.
  auto options = small_options();
  options.threads = 1;
  EXPECT_TRUE(build_image_store(sources, options, out.path()).reused);

  // Another size: rebuilt.
  const auto resized = build_image_store(sources, small_options(12), out.path());
  EXPECT_FALSE(resized.reused);
  EXPECT_EQ(ImageStore::open(out.path()).image_size(), 12);
  // Another order: rebuilt, in the new order.
  std::swap(sources[0], sources[9]);
  EXPECT_FALSE(build_image_store(sources, small_options(12), out.path()).reused);
  EXPECT_EQ(ImageStore::open(out.path()).keys().front(), "key9");
  // A source file replaced by another picture: rebuilt with the new pixels.
  write_bytes(sources[4].path, encode_jpeg(test_picture(60, 60, 1234)));
  EXPECT_FALSE(build_image_store(sources, small_options(12), out.path()).reused);
  const cv::Mat expected = captioner::data::preprocess_image_file(sources[4].path, 12);
  EXPECT_EQ(std::memcmp(ImageStore::open(out.path()).image(4), expected.data, 12 * 12 * 3), 0);
  // A damaged images.u8: rebuilt rather than trusted.
  fs::resize_file(out / "images.u8", 100);
  EXPECT_FALSE(build_image_store(sources, small_options(12), out.path()).reused);
  EXPECT_EQ(fs::file_size(out / "images.u8"), 10u * 12 * 12 * 3);
}

TEST(ImageStore, TheThreadCountDoesNotChangeTheBytes) {
  TempDir images("store_images"), one("store_one"), four("store_four");
  const auto sources = make_sources(images.path(), 30);
  auto options = small_options();
  options.threads = 1;
  options.flush_every = 1000;
  const auto a = build_image_store(sources, options, one.path());
  options.threads = 4;
  options.flush_every = 3;
  const auto b = build_image_store(sources, options, four.path());
  EXPECT_EQ(a.images_sha256, b.images_sha256);
  EXPECT_EQ(read_bytes(one / "images.u8"), read_bytes(four / "images.u8"));
}

// Named *DeathTest so that GoogleTest runs it first, before other tests start threads.
TEST(ImageStoreDeathTest, AKilledBuildResumesAndEndsWithTheSameBytes) {
  TempDir images("store_images"), killed("store_killed"), clean("store_clean");
  auto sources = make_sources(images.path(), 60);
  write_bytes(images / "corrupt.jpg", {0xFF, 0xD8, 0xFF, 0xD9});
  sources.insert(sources.begin() + 5, {"corrupt", images / "corrupt.jpg"});
  const auto options = small_options();  // journal flushed every 8 images

  // Killed at the 37th image done: some chunks are on disk and in the journal, the chunk
  // being decoded is not.
  EXPECT_EXIT(
      {
        KillAtLine killer(37);
        std::ostream log(&killer);
        Progress progress("images", sources.size(), &log, 0.0);
        build_image_store(sources, options, killed.path(), &progress);
        std::_Exit(0);  // the build finished: the kill did not happen
      },
      testing::KilledBySignal(SIGKILL), "");
  ASSERT_TRUE(fs::exists(killed / "images.journal.json"));
  ASSERT_TRUE(fs::exists(killed / "images.u8.partial"));
  EXPECT_FALSE(fs::exists(killed / "images.json"));
  const auto journal = read_json(killed / "images.journal.json");
  EXPECT_GT(journal["done"].get<std::size_t>(), 0u);
  EXPECT_LT(journal["done"].get<std::size_t>(), sources.size());
  EXPECT_EQ(journal["skipped"].size(), 1u);
  // As if the kill came in the middle of writing a chunk: bytes past the journal's count.
  {
    std::ofstream partial(killed / "images.u8.partial", std::ios::binary | std::ios::app);
    partial << std::string(1000, 'x');
  }

  const auto resumed = build_image_store(sources, options, killed.path());
  EXPECT_FALSE(resumed.reused);
  EXPECT_EQ(resumed.resumed, journal["done"].get<std::size_t>());
  EXPECT_EQ(resumed.stored, 60u);
  ASSERT_EQ(resumed.skipped.size(), 1u);
  EXPECT_EQ(resumed.skipped[0].key, "corrupt");
  EXPECT_FALSE(fs::exists(killed / "images.journal.json"));
  EXPECT_FALSE(fs::exists(killed / "images.u8.partial"));

  const auto uninterrupted = build_image_store(sources, options, clean.path());
  EXPECT_EQ(uninterrupted.resumed, 0u);
  EXPECT_EQ(resumed.images_sha256, uninterrupted.images_sha256);
  EXPECT_EQ(read_bytes(killed / "images.u8"), read_bytes(clean / "images.u8"));
  EXPECT_EQ(read_json(killed / "images.json"), read_json(clean / "images.json"));
}

TEST(ImageStore, ADamagedOrForeignJournalStartsAfresh) {
  TempDir images("store_images"), out("store_out"), clean("store_clean");
  const auto sources = make_sources(images.path(), 12);
  const auto reference = build_image_store(sources, small_options(), clean.path());
  fs::create_directories(out.path());
  captioner::write_file_atomically(out / "images.journal.json", "{ not json");
  write_bytes(out / "images.u8.partial", std::vector<std::uint8_t>(5000, 7));
  auto result = build_image_store(sources, small_options(), out.path());
  EXPECT_EQ(result.resumed, 0u);
  EXPECT_EQ(result.images_sha256, reference.images_sha256);

  // A journal of other sources (another fingerprint) is not trusted either.
  fs::remove(out / "images.json");
  captioner::write_file_atomically(
      out / "images.journal.json",
      R"({"format":"captioner-image-store-journal","version":1,"size":16,"sources_fingerprint":"0000","done":8,"stored":8,"skipped":[]})");
  write_bytes(out / "images.u8.partial", std::vector<std::uint8_t>(8 * 16 * 16 * 3, 7));
  result = build_image_store(sources, small_options(), out.path());
  EXPECT_EQ(result.resumed, 0u);
  EXPECT_EQ(result.images_sha256, reference.images_sha256);
}

TEST(ImageStore, DuplicateKeysAndBadOptionsAreErrors) {
  TempDir images("store_images"), out("store_out");
  auto sources = make_sources(images.path(), 3);
  sources.push_back({"key1", images / "other.jpg"});
  expect_input_error([&] { build_image_store(sources, small_options(), out.path()); },
                     "image store: the key 'key1' names two images (" + (images / "img1.jpg").string() + " and " +
                         (images / "other.jpg").string() + ")");
  sources.pop_back();
  auto options = small_options(0);
  expect_input_error([&] { build_image_store(sources, options, out.path()); }, "image store: the image size must be at least 1, not 0");
  options = small_options();
  options.threads = 0;
  expect_input_error([&] { build_image_store(sources, options, out.path()); }, "image store: threads must be at least 1, not 0");
}

TEST(ImageStore, AnEmptySourceListMakesAnEmptyStore) {
  TempDir out("store_out");
  const auto result = build_image_store({}, small_options(), out.path());
  EXPECT_EQ(result.stored, 0u);
  const ImageStore store = ImageStore::open(out.path());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.all_images().sizes(), (std::vector<int64_t>{0, 16, 16, 3}));
  EXPECT_TRUE(build_image_store({}, small_options(), out.path()).reused);
}

TEST(ImageStore, OpenReportsMissingMalformedAndTruncatedFiles) {
  TempDir images("store_images"), out("store_out");
  expect_input_error([&] { ImageStore::open(out.path()); },
                     (out / "images.json").string() + ": missing: no image store in this directory (is the build finished?)");
  build_image_store(make_sources(images.path(), 4), small_options(), out.path());
  const std::string description = captioner::read_file(out / "images.json");

  fs::resize_file(out / "images.u8", 4 * 768 - 1);
  expect_input_error([&] { ImageStore::open(out.path()); },
                     (out / "images.u8").string() +
                         ": has 3071 bytes, but images.json describes 4 images of 16x16x3 = 3072 bytes (truncated, or from another build)");
  fs::remove(out / "images.u8");
  expect_input_error([&] { ImageStore::open(out.path()); }, (out / "images.u8").string() + ": cannot open: No such file or directory");

  captioner::write_file_atomically(out / "images.json", "{\"format\": ");
  try {
    ImageStore::open(out.path());
    ADD_FAILURE() << "no error";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()).rfind((out / "images.json").string() + ": malformed JSON: ", 0), 0u) << error.what();
  }
  auto json = nlohmann::json::parse(description);
  json["count"] = 5;
  captioner::write_file_atomically(out / "images.json", json.dump());
  expect_input_error([&] { ImageStore::open(out.path()); }, (out / "images.json").string() + ": count 5 but 4 keys");
  json = nlohmann::json::parse(description);
  json["keys"][2] = "key0";
  captioner::write_file_atomically(out / "images.json", json.dump());
  expect_input_error([&] { ImageStore::open(out.path()); }, (out / "images.json").string() + ": the key 'key0' appears twice");
  json = nlohmann::json::parse(description);
  json["format"] = "something else";
  captioner::write_file_atomically(out / "images.json", json.dump());
  expect_input_error([&] { ImageStore::open(out.path()); }, (out / "images.json").string() + ": not an image store description");
}

TEST(ImageStore, TensorViewsShareTheMappingAndGatherCopiesAndFlips) {
  TempDir images("store_images"), out("store_out");
  build_image_store(make_sources(images.path(), 6), small_options(), out.path());
  torch::Tensor all;
  torch::Tensor expected_third;
  {
    const ImageStore store = ImageStore::open(out.path());
    all = store.all_images();
    EXPECT_EQ(all.sizes(), (std::vector<int64_t>{6, 16, 16, 3}));
    EXPECT_EQ(all.scalar_type(), torch::kUInt8);
    EXPECT_EQ(all.data_ptr<std::uint8_t>(), store.image(0));  // no copy
    expected_third = torch::from_blob(const_cast<std::uint8_t*>(store.image(3)), {16, 16, 3}, torch::kUInt8).clone();

    const torch::Tensor batch = store.gather({3, 0, 3}, {false, false, true});
    EXPECT_EQ(batch.sizes(), (std::vector<int64_t>{3, 16, 16, 3}));
    EXPECT_TRUE(torch::equal(batch[0], all[3]));
    EXPECT_TRUE(torch::equal(batch[1], all[0]));
    EXPECT_TRUE(torch::equal(batch[2], all[3].flip({1})));  // mirrored left-right
    EXPECT_FALSE(torch::equal(batch[2], batch[0]));
    EXPECT_TRUE(torch::equal(store.gather({5}), all.slice(0, 5, 6)));
    EXPECT_THROW(store.gather({6}), std::out_of_range);
  }
  // The store object is gone; the view keeps the mapping alive.
  EXPECT_TRUE(torch::equal(all[3], expected_third));
}

}  // namespace
