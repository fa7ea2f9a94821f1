#include "data/caption_sources.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "util/error.h"

namespace fs = std::filesystem;
using namespace captioner::data;
using nlohmann::json;

namespace {

class CaptionSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("captioner_sources_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "images");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& contents) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }
  fs::path write_json(const std::string& name, const json& value) { return write(name, value.dump()); }

  // A COCO annotation file: images `ids` (file COCO_<tag>_<id>.jpg), two captions each.
  fs::path coco(const std::string& name, const std::string& tag, const std::vector<int>& ids) {
    json root = {{"images", json::array()}, {"annotations", json::array()}};
    int annotation = 0;
    for (const int id : ids) {
      root["images"].push_back({{"id", id}, {"file_name", "COCO_" + tag + "_" + std::to_string(id) + ".jpg"}});
      for (int k = 0; k < 2; ++k) {
        root["annotations"].push_back(
            {{"image_id", id}, {"id", id * 10 + k}, {"caption", "Caption " + std::to_string(k) + " of " + std::to_string(id)}});
        ++annotation;
      }
    }
    return write_json(name, root);
  }

  CaptionSourceOptions options() const {
    CaptionSourceOptions options;
    options.images = dir_ / "images";
    options.val_size = 2;
    options.test_size = 3;
    return options;
  }

  // Runs `read` and returns its InputError's message ("" when it succeeds).
  static std::string error_of(const std::function<void()>& read) {
    try {
      read();
    } catch (const captioner::InputError& error) {
      return error.what();
    }
    return "";
  }

  fs::path dir_;
};

std::map<std::string, Split> splits_of(const CaptionSources& sources) {
  std::map<std::string, Split> out;
  for (const auto& image : sources.images) out[image.key] = image.split;
  return out;
}

std::vector<int> range(int first, int count) {
  std::vector<int> ids;
  for (int i = 0; i < count; ++i) ids.push_back(first + i);
  return ids;
}

TEST_F(CaptionSourcesTest, CocoTrainFileTrainsAndValFileSplitsBySeed) {
  auto opts = options();
  opts.coco = {coco("captions_train2014.json", "train2014", range(1, 4)),
               coco("captions_val2014.json", "val2014", range(100, 10))};
  fs::create_directories(dir_ / "images" / "val2014");  // only val images in the COCO sub-folder
  const CaptionSources sources = read_caption_sources(opts);
  ASSERT_EQ(sources.images.size(), 14u);
  std::map<Split, int> counts;
  for (const auto& image : sources.images) {
    ++counts[image.split];
    EXPECT_EQ(image.captions.size(), 2u);
    if (std::stoi(image.key) < 100) {
      EXPECT_EQ(image.split, Split::train);
      EXPECT_EQ(image.path, dir_ / "images" / ("COCO_train2014_" + image.key + ".jpg"));
      EXPECT_EQ(image.file_name, "train2014/COCO_train2014_" + image.key + ".jpg");
    } else {
      EXPECT_EQ(image.path, dir_ / "images" / "val2014" / ("COCO_val2014_" + image.key + ".jpg"));
    }
  }
  EXPECT_EQ(counts[Split::train], 4 + 5);
  EXPECT_EQ(counts[Split::val], 2);
  EXPECT_EQ(counts[Split::test], 3);
  EXPECT_EQ(sources.images[0].captions[1].raw, "Caption 1 of 1");
  EXPECT_EQ(sources.images[0].captions[1].where, (dir_ / "captions_train2014.json").string() + ": annotations[1]");
  ASSERT_EQ(sources.files.size(), 2u);
  EXPECT_EQ(sources.files[0].role, "coco");
  EXPECT_EQ(sources.files[0].sha256.size(), 64u);

  // The same seed gives the same split; another seed another one.
  EXPECT_EQ(splits_of(read_caption_sources(opts)), splits_of(sources));
  auto reseeded = opts;
  bool differs = false;
  for (std::uint64_t seed = 2; seed < 6 && !differs; ++seed) {
    reseeded.seed = seed;
    differs = splits_of(read_caption_sources(reseeded)) != splits_of(sources);
  }
  EXPECT_TRUE(differs);
}

TEST_F(CaptionSourcesTest, CocoValPoolTooSmallForTheSplitSizes) {
  auto opts = options();
  opts.coco = {coco("captions_val2017.json", "val2017", range(1, 4))};
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }),
            opts.coco[0].string() + ": 4 val images with captions, fewer than val size 2 + test size 3");
}

TEST_F(CaptionSourcesTest, CocoFileWhoseNameSaysNeitherTrainNorVal) {
  auto opts = options();
  opts.coco = {coco("captions.json", "x", range(1, 6))};
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }),
            opts.coco[0].string() +
                ": cannot tell a train from a val annotation file: its name must say \"train\" or \"val\" "
                "(as captions_train2014.json), or give a Karpathy split file");
}

TEST_F(CaptionSourcesTest, CocoBadInputIsAnErrorNamingTheFileAndPlace) {
  auto opts = options();
  const auto path = (dir_ / "captions_train2014.json").string();
  opts.coco = {path};
  auto expect = [&](const std::string& contents, const std::string& problem) {
    write("captions_train2014.json", contents);
    EXPECT_EQ(error_of([&] { read_caption_sources(opts); }), path + ": " + problem) << contents;
  };
  expect(R"({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [)",
         "malformed JSON: parse error at line 1, column 63: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal");
  expect(R"({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 2, "caption": "x"}]})",
         "annotations[0]: image_id 2 is not in \"images\"");
  expect(R"({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}], "annotations": []})",
         "images[1]: duplicate image id 1 (an earlier entry has it)");
  expect(R"({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1, "id": 5, "caption": "x"},)"
         R"( {"image_id": 1, "id": 5, "caption": "y"}]})",
         "annotations[1]: duplicate annotation id 5 (also annotations[0])");
  expect(R"({"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"image_id": 1, "caption": 7}]})",
         "annotations[0]: \"caption\" is not a string");
  expect(R"({"images": [{"id": "1", "file_name": "a.jpg"}], "annotations": []})", "images[0]: \"id\" is not an integer");
  expect(R"({"images": [{"id": 1}], "annotations": []})", "images[0] has no \"file_name\"");
  expect(R"([{"image_id": 1, "caption": "x"}])",
         "not a COCO caption annotation file (an object with \"images\" and \"annotations\")");
  expect("{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\"}],\n \"annotations\": [{\"image_id\": 1, \"caption\": \"caf\xe9\"}]}",
         "invalid UTF-8 at byte 94 (line 2)");
}

TEST_F(CaptionSourcesTest, SameImageIdInTwoCocoFilesIsAnError) {
  auto opts = options();
  opts.coco = {coco("captions_train2014.json", "train2014", {1, 2}), coco("captions_val2014.json", "val2014", {2, 3})};
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }),
            opts.coco[1].string() + ": images[0]: duplicate image id 2 (also in " + opts.coco[0].string() + ")");
}

TEST_F(CaptionSourcesTest, MissingFilesAndFolders) {
  auto opts = options();
  opts.coco = {dir_ / "captions_train2014.json"};
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }),
            opts.coco[0].string() + ": cannot open: No such file or directory");
  opts.images = dir_ / "no-images";
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }), opts.images.string() + ": not a folder of images");
  EXPECT_EQ(error_of([&] { read_caption_sources(CaptionSourceOptions{}); }),
            "no captions given: COCO annotation files, a Karpathy split file, or Flickr8k's files");
}

TEST_F(CaptionSourcesTest, CocoImagesWithoutCaptionsAreCountedOut) {
  auto opts = options();
  write_json("captions_train2014.json",
             {{"images", {{{"id", 1}, {"file_name", "a.jpg"}}, {{"id", 2}, {"file_name", "b.jpg"}}}},
              {"annotations", {{{"image_id", 2}, {"caption", "a cat"}}}}});
  opts.coco = {dir_ / "captions_train2014.json"};
  const auto sources = read_caption_sources(opts);
  ASSERT_EQ(sources.images.size(), 1u);
  EXPECT_EQ(sources.images[0].key, "2");
  EXPECT_EQ(sources.excluded.at("COCO images without captions"), 1u);
}

json karpathy_entry(const std::string& file_name, const std::string& split, const std::vector<std::string>& raws,
                    std::optional<int> cocoid = std::nullopt, const std::string& filepath = "") {
  json entry = {{"filename", file_name}, {"split", split}, {"sentences", json::array()}, {"imgid", 0}};
  for (const auto& raw : raws) entry["sentences"].push_back({{"raw", raw}, {"tokens", {"x", "y"}}});
  if (cocoid) entry["cocoid"] = *cocoid;
  if (!filepath.empty()) entry["filepath"] = filepath;
  return entry;
}

TEST_F(CaptionSourcesTest, KarpathyFileAloneGivesCaptionsAndSplits) {
  auto opts = options();
  fs::create_directories(dir_ / "images" / "val2014");
  opts.karpathy = write_json(
      "dataset_coco.json",
      {{"images",
        {karpathy_entry("COCO_val2014_5.jpg", "test", {"A dog.", "Two dogs."}, 5, "val2014"),
         karpathy_entry("COCO_val2014_6.jpg", "restval", {"A cat."}, 6, "val2014"),
         karpathy_entry("COCO_train2014_7.jpg", "train", {"A cow."}, 7, "train2014"),
         karpathy_entry("COCO_val2014_8.jpg", "val", {"A bird."}, 8, "val2014")}},
       {"dataset", "coco"}});
  const auto sources = read_caption_sources(opts);
  ASSERT_EQ(sources.images.size(), 4u);
  EXPECT_EQ(sources.images[0].key, "5");
  EXPECT_EQ(sources.images[0].split, Split::test);
  EXPECT_EQ(sources.images[0].captions[1].raw, "Two dogs.");
  EXPECT_EQ(sources.images[0].captions[1].where, opts.karpathy.string() + ": images[0].sentences[1]");
  EXPECT_EQ(sources.images[0].path, dir_ / "images" / "val2014" / "COCO_val2014_5.jpg");
  EXPECT_EQ(sources.images[1].split, Split::train);  // restval trains
  EXPECT_EQ(sources.images[2].path, dir_ / "images" / "COCO_train2014_7.jpg");  // no train2014/ folder: flat
  EXPECT_EQ(sources.images[2].file_name, "train2014/COCO_train2014_7.jpg");
  EXPECT_EQ(sources.images[3].split, Split::val);
  EXPECT_EQ(sources.files.at(0).role, "karpathy");
}

TEST_F(CaptionSourcesTest, KarpathyFlickrFileIsKeyedByFileName) {
  auto opts = options();
  opts.karpathy = write_json("dataset_flickr8k.json",
                             {{"images",
                               {karpathy_entry("1000268201_693b08cb0e.jpg", "train", {"A child ."}),
                                karpathy_entry("1001773457_577c3a7d70.jpg", "test", {"Dogs ."})}}});
  const auto sources = read_caption_sources(opts);
  ASSERT_EQ(sources.images.size(), 2u);
  EXPECT_EQ(sources.images[0].key, "1000268201_693b08cb0e");
  EXPECT_EQ(sources.images[0].path, dir_ / "images" / "1000268201_693b08cb0e.jpg");
  EXPECT_EQ(sources.images[1].split, Split::test);
}

TEST_F(CaptionSourcesTest, KarpathyBadInput) {
  auto opts = options();
  const std::string path = (dir_ / "dataset.json").string();
  opts.karpathy = path;
  auto expect = [&](const std::vector<json>& images, const std::string& problem) {
    write_json("dataset.json", {{"images", images}});
    EXPECT_EQ(error_of([&] { read_caption_sources(opts); }), path + ": " + problem);
  };
  expect({karpathy_entry("a.jpg", "holdout", {"x"})}, "images[0]: unknown split \"holdout\" (train, restval, val or test)");
  expect({karpathy_entry("a.jpg", "train", {"x"}, 3), karpathy_entry("b.jpg", "train", {"y"}, 3)},
         "images[1]: duplicate image 3 (also images[0])");
  expect({karpathy_entry("a.jpg", "train", {"x"}), karpathy_entry("a.png", "train", {"y"})},
         "images[1]: duplicate image a (also images[0])");
  json no_raw = karpathy_entry("a.jpg", "train", {"x"});
  no_raw["sentences"][0].erase("raw");
  expect({no_raw}, "images[0].sentences[0] has no \"raw\"");
}

TEST_F(CaptionSourcesTest, CocoCaptionsWithKarpathySplits) {
  auto opts = options();
  opts.coco = {coco("captions_train2014.json", "train2014", {1, 2}), coco("captions_val2014.json", "val2014", {3, 4, 5})};
  opts.karpathy = write_json("dataset_coco.json",
                             {{"images",
                               {karpathy_entry("COCO_val2014_3.jpg", "test", {"ignored"}, 3, "val2014"),
                                karpathy_entry("COCO_val2014_4.jpg", "restval", {"ignored"}, 4, "val2014"),
                                karpathy_entry("COCO_train2014_1.jpg", "val", {"ignored"}, 1, "train2014"),
                                karpathy_entry("COCO_val2014_9.jpg", "val", {"ignored"}, 9, "val2014")}}});
  const auto sources = read_caption_sources(opts);
  const auto splits = splits_of(sources);
  EXPECT_EQ(splits, (std::map<std::string, Split>{{"1", Split::val}, {"3", Split::test}, {"4", Split::train}}));
  EXPECT_EQ(sources.images[0].captions[0].raw, "Caption 0 of 1");  // captions from COCO, not Karpathy
  EXPECT_EQ(sources.excluded.at("COCO images not in the Karpathy split file"), 2u);
  EXPECT_EQ(sources.excluded.at("Karpathy split entries not in the COCO annotation files"), 1u);

  write_json("dataset_coco.json", {{"images", {karpathy_entry("a.jpg", "train", {"x"})}}});
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }),
            opts.karpathy.string() +
                ": images[0] has no \"cocoid\": only a Karpathy file with COCO ids (dataset_coco.json) splits COCO "
                "annotation files");
}

class Flickr8kTest : public CaptionSourcesTest {
 protected:
  void SetUp() override {
    CaptionSourcesTest::SetUp();
    write("text/Flickr_8k.trainImages.txt", "a.jpg\nb.jpg\n");
    write("text/Flickr_8k.devImages.txt", "c.jpg\n");
    write("text/Flickr_8k.testImages.txt", "d.jpg\n\n");
  }
  CaptionSourceOptions flickr(const std::string& tokens) {
    auto opts = options();
    opts.flickr8k = write("text/Flickr8k.token.txt", tokens);
    opts.flickr8k_splits = dir_ / "text";
    return opts;
  }
  static std::string tokens() {
    return "a.jpg#0\tA dog runs .\na.jpg#1\tA dog .\nb.jpg#0\tA cat .\r\nc.jpg#0\tA cow .\n"
           "d.jpg.1#0\tA bird .\nd.jpg#1\tTwo birds .\ne.jpg#0\tUnlisted .\n";
  }
};

TEST_F(Flickr8kTest, ReadsCaptionsAndSplitLists) {
  const auto opts = flickr(tokens());
  const auto sources = read_caption_sources(opts);
  ASSERT_EQ(sources.images.size(), 4u);
  EXPECT_EQ(splits_of(sources), (std::map<std::string, Split>{
                                    {"a", Split::train}, {"b", Split::train}, {"c", Split::val}, {"d", Split::test}}));
  EXPECT_EQ(sources.images[0].captions.size(), 2u);
  EXPECT_EQ(sources.images[1].captions[0].raw, "A cat .");  // CRLF line end dropped
  EXPECT_EQ(sources.images[0].path, dir_ / "images" / "a.jpg");
  EXPECT_EQ(sources.images[0].captions[1].where, opts.flickr8k.string() + ": line 2");
  // The quirk: "d.jpg.1#0" is d.jpg's caption #0.
  ASSERT_EQ(sources.images[3].captions.size(), 2u);
  EXPECT_EQ(sources.images[3].captions[0].raw, "A bird .");
  ASSERT_EQ(sources.repairs.size(), 1u);
  EXPECT_EQ(sources.repairs[0], opts.flickr8k.string() +
                                    ": line 5: \"d.jpg.1\" read as \"d.jpg\" (a numbered copy of the name; the real "
                                    "file files one caption so)");
  EXPECT_EQ(sources.excluded.at("Flickr8k images in no split list"), 1u);
  EXPECT_EQ(sources.files.size(), 4u);
}

// Found by fuzzing Flickr8k.token.txt: the numbered-copy rule was a std::regex, and
// libstdc++'s regex recurses once per character: a 100,000-character file name overflowed
// the stack (captioner prepare died of SIGSEGV).
TEST_F(Flickr8kTest, AVeryLongFileNameIsReadNotACrash) {
  const std::string name(100000, 'a');
  write("text/Flickr_8k.trainImages.txt", "a.jpg\n" + name + ".JPG\n");
  write("text/Flickr_8k.devImages.txt", "");
  write("text/Flickr_8k.testImages.txt", "");
  const auto opts = flickr("a.jpg#0\tA dog .\n" + name + ".JPG.3#0\tA long name .\n" + name + ".JPG#1\tAgain .\n");
  const auto sources = read_caption_sources(opts);
  ASSERT_EQ(sources.images.size(), 2u);
  EXPECT_EQ(sources.images[1].file_name, name + ".JPG");
  EXPECT_EQ(sources.images[1].captions.size(), 2u);
  EXPECT_EQ(sources.repairs.size(), 1u);
}

TEST_F(Flickr8kTest, BadInput) {
  const std::string token_path = (dir_ / "text" / "Flickr8k.token.txt").string();
  auto expect = [&](const std::string& text, const std::string& message) {
    const auto opts = flickr(text);
    EXPECT_EQ(error_of([&] { read_caption_sources(opts); }), message) << text;
  };
  expect(tokens() + "f.jpg A fish .\n", token_path + ": line 8: expected \"<image file>#<n><TAB><caption>\"");
  expect(tokens() + "f.jpg#x\tA fish .\n", token_path + ": line 8: expected \"<image file>#<n><TAB><caption>\"");
  expect(tokens() + "a.jpg#1\tAgain .\n", token_path + ": line 8: duplicate caption a.jpg#1 (also line 2)");
  expect("a.jpg#0\tA caf\xe9 .\n", token_path + ": invalid UTF-8 at byte 13 (line 1)");
  const std::string train_list = (dir_ / "text" / "Flickr_8k.trainImages.txt").string();
  expect("a.jpg#0\tx\nc.jpg#0\ty\nd.jpg#0\tz\n", train_list + ": line 2: b.jpg has no captions in " + token_path);
  write("text/Flickr_8k.testImages.txt", "d.jpg\na.jpg\n");
  expect(tokens(), (dir_ / "text" / "Flickr_8k.testImages.txt").string() + ": line 2: a.jpg is also listed in " + train_list);
  fs::remove(dir_ / "text" / "Flickr_8k.devImages.txt");
  expect(tokens(), (dir_ / "text" / "Flickr_8k.devImages.txt").string() + ": cannot open: No such file or directory");
}

TEST_F(Flickr8kTest, CannotBeMixedWithCoco) {
  auto opts = flickr(tokens());
  opts.coco = {coco("captions_train2014.json", "train2014", {1})};
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }), "give either Flickr8k's own files or COCO/Karpathy files, not both");
  opts.coco.clear();
  opts.flickr8k_splits.clear();
  EXPECT_EQ(error_of([&] { read_caption_sources(opts); }),
            "Flickr8k needs both the caption file (Flickr8k.token.txt) and the folder of its split lists");
}

TEST(CocoImageId, NumbersForCanonicalIntegersStringsOtherwise) {
  EXPECT_EQ(coco_image_id("391895"), json(391895));
  EXPECT_EQ(coco_image_id("0"), json(0));
  EXPECT_EQ(coco_image_id("007"), json("007"));
  EXPECT_EQ(coco_image_id("1000268201_693b08cb0e"), json("1000268201_693b08cb0e"));
  EXPECT_EQ(coco_image_id(""), json(""));
}

}  // namespace
