// prepare on the REAL caption files in ../shared/data (label "shared"): the official COCO
// annotation format (4,800 val2014 images) and Flickr8k's own text files, with small JPEGs
// generated under the file names those files name. Fails loudly when the data is missing.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/image_store.h"
#include "data/prepare.h"
#include "data/prepared_dataset.h"
#include "tests/data/prepare_fixtures.h"
#include "util/error.h"
#include "util/sha256.h"
#include "tests/support/sentencepiece_skip.h"

namespace fs = std::filesystem;
using namespace captioner::data;
using captioner::test::read_text;
using captioner::test::write_text;
using nlohmann::json;

namespace {

const fs::path kShared = CAPTIONER_SHARED_DATA;
const fs::path kCoco = kShared / "coco-val2014-subset" / "captions_val2014_subset.json";
const fs::path kFlickrText = kShared / "flickr8k-text";

std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const captioner::InputError& error) {
    return error.what();
  }
  return "";
}

std::size_t line_count(const fs::path& path) {
  const std::string text = read_text(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

PrepareOptions small_options(const fs::path& out) {
  PrepareOptions options;
  options.out = out;
  options.image_size = 16;
  options.tokenizer.vocab_size = 500;
  options.threads = 2;
  return options;
}

// ---------------------------------------------------------------------------------------
// COCO: captions_val2014_subset.json, images under <dir>/coco/val2014/.

class SharedCoco : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_regular_file(kCoco)) return;
    // Per process: ctest -j runs this suite's tests side by side.
    dir_ = fs::temp_directory_path() / ("captioner_SharedCoco-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    annotations_ = json::parse(read_text(kCoco));
    int seed = 0;
    for (const auto& image : annotations_["images"]) {
      captioner::test::write_jpeg(dir_ / "coco" / "val2014" / image["file_name"].get<std::string>(), ++seed);
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override { ASSERT_TRUE(fs::is_regular_file(kCoco)) << kCoco << " is missing: the shared data is required"; }

  // A copy of the real file cut to its first `images` images (and their captions).
  static fs::path subset_file(const std::string& name, std::size_t images, const std::function<void(json&)>& edit = {}) {
    json root = annotations_;
    root["images"] = json(std::vector<json>(annotations_["images"].begin(), annotations_["images"].begin() + images));
    std::set<std::int64_t> ids;
    for (const auto& image : root["images"]) ids.insert(image["id"].get<std::int64_t>());
    json kept = json::array();
    for (const auto& annotation : annotations_["annotations"]) {
      if (ids.count(annotation["image_id"].get<std::int64_t>())) kept.push_back(annotation);
    }
    root["annotations"] = kept;
    if (edit) edit(root);
    const fs::path path = dir_ / name;
    write_text(path, root.dump());
    return path;
  }

  static PrepareOptions coco_options(const std::vector<fs::path>& files, const std::string& out) {
    PrepareOptions options = small_options(dir_ / out);
    options.sources.coco = files;
    options.sources.images = dir_ / "coco";
    options.sources.val_size = 500;
    options.sources.test_size = 500;
    return options;
  }

  static inline fs::path dir_;
  static inline json annotations_;
};

TEST_F(SharedCoco, PreparesTheRealAnnotationFile) {
  SKIP_UNDER_ASAN();
  const auto options = coco_options({kCoco}, "full");
  const auto summary = prepare_dataset(options, nullptr);
  EXPECT_EQ(summary.images[0] + summary.images[1] + summary.images[2], 4800u);
  EXPECT_EQ(summary.images[1], 500u);
  EXPECT_EQ(summary.images[2], 500u);
  EXPECT_EQ(summary.captions[0] + summary.captions[1] + summary.captions[2], 24019u);
  EXPECT_EQ(summary.skipped_images + summary.skipped_captions, 0u);
  EXPECT_EQ(summary.vocab_size, 500);
  EXPECT_EQ(line_count(options.out / "captions.jsonl"), 24019u);

  const json manifest = json::parse(read_text(options.out / "manifest.json"));
  EXPECT_EQ(manifest["inputs"]["files"][0]["sha256"], captioner::sha256_hex(read_text(kCoco)));
  EXPECT_EQ(manifest["inputs"]["files"][0]["bytes"], fs::file_size(kCoco));

  // The references are the official captions of exactly the split's images.
  std::map<std::int64_t, std::vector<std::string>> official;
  for (const auto& annotation : annotations_["annotations"]) {
    official[annotation["image_id"].get<std::int64_t>()].push_back(annotation["caption"]);
  }
  const json references = json::parse(read_text(options.out / "references_test.json"));
  ASSERT_EQ(references["images"].size(), 500u);
  std::map<std::int64_t, std::vector<std::string>> written;
  for (const auto& annotation : references["annotations"]) {
    written[annotation["image_id"].get<std::int64_t>()].push_back(annotation["caption"]);
  }
  for (const auto& [id, captions] : written) EXPECT_EQ(captions, official.at(id)) << id;

  // Read back as training will.
  const auto dataset = PreparedDataset::open(options.out);
  EXPECT_EQ(dataset.images(Split::train).size(), 3800u);
  EXPECT_EQ(dataset.image_store().size(), 4800u);
}

TEST_F(SharedCoco, ValSplitIsSeeded) {
  SKIP_UNDER_ASAN();
  const fs::path file = subset_file("captions_val2014_600.json", 600);
  auto first = coco_options({file}, "seed1");
  first.sources.val_size = 100;
  first.sources.test_size = 100;
  prepare_dataset(first, nullptr);
  auto again = first;
  again.out = dir_ / "seed1-again";
  prepare_dataset(again, nullptr);
  EXPECT_EQ(read_text(first.out / "references_val.json"), read_text(again.out / "references_val.json"));
  auto other = first;
  other.out = dir_ / "seed2";
  other.sources.seed = 2;
  prepare_dataset(other, nullptr);
  EXPECT_NE(read_text(first.out / "references_val.json"), read_text(other.out / "references_val.json"));
}

TEST_F(SharedCoco, KarpathySplitFileGivesTheSameDataSetAsCocoPlusKarpathy) {
  SKIP_UNDER_ASAN();
  const fs::path coco = subset_file("captions_val2014_400.json", 400);
  const json root = json::parse(read_text(coco));
  // A dataset_coco.json for these images, in the file's order, with its raw captions.
  std::map<std::int64_t, json> sentences;
  for (const auto& annotation : root["annotations"]) {
    sentences[annotation["image_id"].get<std::int64_t>()].push_back({{"raw", annotation["caption"]}, {"tokens", {"x"}}});
  }
  json images = json::array();
  std::size_t i = 0;
  for (const auto& image : root["images"]) {
    const auto id = image["id"].get<std::int64_t>();
    images.push_back({{"filepath", "val2014"}, {"filename", image["file_name"]}, {"cocoid", id}, {"imgid", i},
                      {"split", i % 10 == 0 ? "val" : i % 10 == 1 ? "test" : i % 10 == 2 ? "restval" : "train"},
                      {"sentences", sentences[id]}});
    ++i;
  }
  write_text(dir_ / "dataset_coco.json", json({{"images", images}, {"dataset", "coco"}}).dump());

  auto with_coco = coco_options({coco}, "coco+karpathy");
  with_coco.sources.karpathy = dir_ / "dataset_coco.json";
  const auto summary = prepare_dataset(with_coco, nullptr);
  EXPECT_EQ(summary.images[1], 40u);
  EXPECT_EQ(summary.images[2], 40u);
  PrepareOptions alone = small_options(dir_ / "karpathy");
  alone.sources.karpathy = dir_ / "dataset_coco.json";
  alone.sources.images = dir_ / "coco";
  prepare_dataset(alone, nullptr);
  for (const char* name : {"captions.jsonl", "references_val.json", "references_test.json", "spm.model", "images.u8"}) {
    EXPECT_TRUE(read_text(with_coco.out / name) == read_text(alone.out / name)) << name;
  }
}

TEST_F(SharedCoco, BrokenAnnotationFilesAreErrorsNamingFileAndPlace) {
  const fs::path path = dir_ / "captions_val2014_broken.json";
  auto expect = [&](const std::string& contents, const std::string& problem) {
    write_text(path, contents);
    const auto options = coco_options({path}, "broken");
    EXPECT_EQ(error_of([&] { prepare_dataset(options, nullptr); }), path.string() + ": " + problem);
  };
  const std::string real = read_text(kCoco);
  // Malformed JSON: the real file cut short.
  expect(real.substr(0, 1000), "malformed JSON: parse error at line 1, column 1001: syntax error while parsing value - "
                               "invalid string: missing closing quote; last read: '\"2013-1'");
  // Not UTF-8: one caption byte replaced by a Latin-1 byte.
  std::string latin1 = real;
  const std::size_t at = latin1.find("\"caption\": \"") + 14;
  latin1[at] = '\xe9';
  expect(latin1, "invalid UTF-8 at byte " + std::to_string(at) + " (line 1)");

  json root = annotations_;
  root["annotations"].push_back({{"image_id", 1}, {"id", 1}, {"caption", "a stray caption"}});
  expect(root.dump(), "annotations[24019]: image_id 1 is not in \"images\"");
  root = annotations_;
  root["images"].push_back(root["images"][7]);
  expect(root.dump(), "images[4800]: duplicate image id " + std::to_string(root["images"][7]["id"].get<int>()) +
                          " (an earlier entry has it)");
  root = annotations_;
  root["annotations"].push_back(root["annotations"][3]);
  expect(root.dump(), "annotations[24019]: duplicate annotation id " +
                          std::to_string(root["annotations"][3]["id"].get<int>()) + " (also annotations[3])");
  fs::remove(path);
  const auto options = coco_options({path}, "broken");
  EXPECT_EQ(error_of([&] { prepare_dataset(options, nullptr); }), path.string() + ": cannot open: No such file or directory");
}

TEST_F(SharedCoco, MissingCorruptImagesAndEmptyCaptionsAreSkippedAndListed) {
  SKIP_UNDER_ASAN();
  std::string emptied_where;
  const fs::path file = subset_file("captions_val2014_300.json", 300, [&](json& root) {
    root["annotations"][5]["caption"] = " . ";
    emptied_where = "annotations[5]";
  });
  const json root = json::parse(read_text(file));
  // A copy of the image folder with one image missing and one truncated.
  const fs::path images = dir_ / "damaged";
  fs::remove_all(images);
  fs::create_directories(images / "val2014");
  for (const auto& image : root["images"]) {
    const std::string name = image["file_name"];
    fs::copy_file(dir_ / "coco" / "val2014" / name, images / "val2014" / name);
  }
  const std::string missing = root["images"][10]["file_name"];
  const std::string truncated = root["images"][20]["file_name"];
  fs::remove(images / "val2014" / missing);
  const std::string jpeg = read_text(images / "val2014" / truncated);
  write_text(images / "val2014" / truncated, jpeg.substr(0, jpeg.size() / 2));

  auto options = coco_options({file}, "damaged-out");
  options.sources.images = images;
  options.sources.val_size = 50;
  options.sources.test_size = 50;
  const auto summary = prepare_dataset(options, nullptr);
  EXPECT_EQ(summary.skipped_images, 2u);
  EXPECT_EQ(summary.skipped_captions, 1u);
  EXPECT_EQ(summary.images[0] + summary.images[1] + summary.images[2], 298u);
  const json manifest = json::parse(read_text(options.out / "manifest.json"));
  const json& skipped = manifest["skipped"];
  EXPECT_EQ(skipped["counts"], json({{"empty caption", 1}, {"unreadable images", 2}}));
  EXPECT_EQ(skipped["captions"][0]["where"], file.string() + ": " + emptied_where);
  std::set<std::string> skipped_files;
  for (const auto& image : skipped["images"]) skipped_files.insert(image["file"].get<std::string>());
  EXPECT_EQ(skipped_files, (std::set<std::string>{(images / "val2014" / missing).string(), (images / "val2014" / truncated).string()}));
  EXPECT_EQ(ImageStore::open(options.out).size(), 298u);

  options.strict = true;
  options.out = dir_ / "damaged-strict";
  EXPECT_EQ(error_of([&] { prepare_dataset(options, nullptr); }), file.string() + ": " + emptied_where + ": empty caption");
}

// ---------------------------------------------------------------------------------------
// Flickr8k: Flickr8k.token.txt and the Flickr_8k.*Images.txt lists, images under <dir>/images.

class SharedFlickr8k : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_regular_file(kFlickrText / "Flickr8k.token.txt")) return;
    dir_ = fs::temp_directory_path() / ("captioner_SharedFlickr8k-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    int seed = 0;
    for (const char* list : {"Flickr_8k.trainImages.txt", "Flickr_8k.devImages.txt", "Flickr_8k.testImages.txt"}) {
      std::istringstream in(read_text(kFlickrText / list));
      for (std::string name; std::getline(in, name);) {
        if (!name.empty() && name.back() == '\r') name.pop_back();
        if (!name.empty()) captioner::test::write_jpeg(dir_ / "images" / name, ++seed);
      }
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    ASSERT_TRUE(fs::is_regular_file(kFlickrText / "Flickr8k.token.txt"))
        << kFlickrText << " is missing: the shared data is required";
  }
  static inline fs::path dir_;
};

TEST_F(SharedFlickr8k, PreparesTheRealTextFilesAndTheirKarpathyEquivalent) {
  SKIP_UNDER_ASAN();
  PrepareOptions options = small_options(dir_ / "flickr8k");
  options.sources.flickr8k = kFlickrText / "Flickr8k.token.txt";
  options.sources.flickr8k_splits = kFlickrText;
  options.sources.images = dir_ / "images";
  const auto summary = prepare_dataset(options, nullptr);
  EXPECT_EQ(summary.images[0], 6000u);
  EXPECT_EQ(summary.images[1], 1000u);
  EXPECT_EQ(summary.images[2], 1000u);
  EXPECT_EQ(summary.captions[0], 30000u);
  EXPECT_EQ(summary.captions[1] + summary.captions[2], 10000u);
  EXPECT_EQ(summary.skipped_images + summary.skipped_captions, 0u);
  const json manifest = json::parse(read_text(options.out / "manifest.json"));
  EXPECT_EQ(manifest["inputs"]["files"].size(), 4u);
  // 8,092 images have captions; 92 of them are in no split list. The file's quirk is recorded.
  EXPECT_EQ(manifest["skipped"]["outside_the_splits"], json({{"Flickr8k images in no split list", 92}}));
  EXPECT_EQ(manifest["skipped"]["repairs"],
            json::array({options.sources.flickr8k.string() +
                         ": line 6731: \"2258277193_586949ec62.jpg.1\" read as \"2258277193_586949ec62.jpg\" (a "
                         "numbered copy of the name; the real file files one caption so)"}));
  const json references = json::parse(read_text(options.out / "references_val.json"));
  EXPECT_EQ(references["images"].size(), 1000u);
  EXPECT_TRUE(references["images"][0]["id"].is_string());

  // The same data as a Karpathy file (dataset_flickr8k.json's form) prepares to the same bytes.
  std::map<std::string, std::string> split_of;
  for (const auto& [list, split] : std::vector<std::pair<std::string, std::string>>{
           {"Flickr_8k.trainImages.txt", "train"}, {"Flickr_8k.devImages.txt", "val"}, {"Flickr_8k.testImages.txt", "test"}}) {
    std::istringstream in(read_text(kFlickrText / list));
    for (std::string name; std::getline(in, name);) {
      if (!name.empty()) split_of[name] = split;
    }
  }
  json images = json::array();
  std::map<std::string, std::size_t> index_of;
  std::istringstream tokens(read_text(options.sources.flickr8k));
  for (std::string line; std::getline(tokens, line);) {
    const std::string name = line.substr(0, line.find('#'));
    if (!split_of.count(name)) continue;
    if (!index_of.count(name)) {
      index_of[name] = images.size();
      images.push_back({{"filename", name}, {"split", split_of[name]}, {"sentences", json::array()}});
    }
    images[index_of[name]]["sentences"].push_back({{"raw", line.substr(line.find('\t') + 1)}});
  }
  write_text(dir_ / "dataset_flickr8k.json", json({{"images", images}, {"dataset", "flickr8k"}}).dump());
  PrepareOptions karpathy = small_options(dir_ / "karpathy");
  karpathy.sources.karpathy = dir_ / "dataset_flickr8k.json";
  karpathy.sources.images = dir_ / "images";
  prepare_dataset(karpathy, nullptr);
  for (const char* name : {"captions.jsonl", "references_val.json", "references_test.json", "spm.model", "images.u8"}) {
    EXPECT_TRUE(read_text(options.out / name) == read_text(karpathy.out / name)) << name;
  }
}

TEST_F(SharedFlickr8k, SplitListNamingAnImageWithoutCaptionsIsAnError) {
  const fs::path lists = dir_ / "lists";
  fs::create_directories(lists);
  for (const char* list : {"Flickr_8k.trainImages.txt", "Flickr_8k.devImages.txt", "Flickr_8k.testImages.txt"}) {
    fs::copy_file(kFlickrText / list, lists / list, fs::copy_options::overwrite_existing);
  }
  write_text(lists / "Flickr_8k.devImages.txt", read_text(kFlickrText / "Flickr_8k.devImages.txt") + "no_such_image.jpg\n");
  PrepareOptions options = small_options(dir_ / "bad-lists");
  options.sources.flickr8k = kFlickrText / "Flickr8k.token.txt";
  options.sources.flickr8k_splits = lists;
  options.sources.images = dir_ / "images";
  EXPECT_EQ(error_of([&] { prepare_dataset(options, nullptr); }),
            (lists / "Flickr_8k.devImages.txt").string() + ": line 1001: no_such_image.jpg has no captions in " +
                options.sources.flickr8k.string());
}

}  // namespace
