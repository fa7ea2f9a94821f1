#include "data/prepare.h"

#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/image_decode.h"
#include "data/image_store.h"
#include "data/prepared_dataset.h"
#include "data/sentencepiece.h"
#include "data/text_normalize.h"
#include "tests/data/prepare_fixtures.h"
#include "util/error.h"
#include "tests/support/sentencepiece_skip.h"

namespace fs = std::filesystem;
using namespace captioner::data;
using captioner::test::read_text;
using nlohmann::json;

namespace {

const std::vector<std::string> kColours = {"Red", "green", "BLUE", "yellow", "purple", "orange", "white"};
const std::vector<std::string> kShapes = {"circle", "square", "triangle", "star", "diamond"};

// Three captions of image `i`, with the case and punctuation real captions have.
std::vector<std::string> captions_of(int i) {
  const std::string& a = kColours[i % kColours.size()];
  const std::string& b = kColours[(i / 2 + 3) % kColours.size()];
  const std::string& s = kShapes[i % kShapes.size()];
  const std::string& t = kShapes[(i / 3 + 1) % kShapes.size()];
  return {"A " + a + " " + s + " left of a " + b + " " + t + ".", "There's a " + s + ", it is " + a + "!",
          "  The " + b + " " + t + " is right of the " + s + " . "};
}

json karpathy_entry(int id, const std::string& split, const std::vector<std::string>& captions) {
  json entry = {{"filepath", "images"}, {"filename", std::to_string(id) + ".jpg"}, {"cocoid", id}, {"split", split},
                {"sentences", json::array()}};
  for (const auto& caption : captions) entry["sentences"].push_back({{"raw", caption}, {"tokens", json::array()}});
  return entry;
}

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = captioner::test::fresh_temp_dir();
    make_dataset(24, 4, 4);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Images 1..train+val+test (JPEG, 32x24) and a Karpathy split file naming them.
  void make_dataset(int train, int val, int test) {
    entries_ = json::array();
    for (int id = 1; id <= train + val + test; ++id) {
      captioner::test::write_jpeg(dir_ / "images" / (std::to_string(id) + ".jpg"), id);
      const std::string split = id <= train ? (id % 5 == 0 ? "restval" : "train") : id <= train + val ? "val" : "test";
      entries_.push_back(karpathy_entry(id, split, captions_of(id)));
    }
    write_split_file();
  }
  void write_split_file() { captioner::test::write_text(dir_ / "dataset.json", json({{"images", entries_}}).dump()); }

  PrepareOptions options() const {
    PrepareOptions options;
    options.sources.karpathy = dir_ / "dataset.json";
    options.sources.images = dir_ / "images";
    options.out = dir_ / "out";
    options.image_size = 16;
    options.tokenizer.vocab_size = 40;
    options.tokenizer.adjust_vocab_size = true;
    options.threads = 2;
    return options;
  }

  PrepareSummary prepare(const PrepareOptions& options) {
    log_.str("");
    return prepare_dataset(options, &log_);
  }

  std::vector<json> caption_lines() const {
    std::vector<json> lines;
    std::istringstream in(read_text(dir_ / "out" / "captions.jsonl"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
  json manifest() const { return json::parse(read_text(dir_ / "out" / "manifest.json")); }

  static std::string error_of(const std::function<void()>& run) {
    try {
      run();
    } catch (const captioner::InputError& error) {
      return error.what();
    }
    return "";
  }

  fs::path dir_;
  json entries_;
  std::ostringstream log_;
};

TEST_F(PrepareTest, WritesEveryOutputOfAPreparedDirectory) {
  SKIP_UNDER_ASAN();
  const auto summary = prepare(options());
  EXPECT_FALSE(summary.up_to_date);
  EXPECT_EQ(summary.images[0], 24u);
  EXPECT_EQ(summary.images[1], 4u);
  EXPECT_EQ(summary.images[2], 4u);
  EXPECT_EQ(summary.captions[0], 72u);
  EXPECT_EQ(summary.skipped_images + summary.skipped_captions, 0u);
  for (const char* name : {"manifest.json", "spm.model", "spm.vocab", "captions.jsonl", "references_val.json",
                           "references_test.json", "images.u8", "images.json"}) {
    EXPECT_TRUE(fs::is_regular_file(dir_ / "out" / name)) << name;
  }

  // captions.jsonl: train, then val, then test; normalised text whose tokens decode back to it.
  const SentencePieceTokenizer tokenizer(dir_ / "out" / "spm.model");
  const auto lines = caption_lines();
  ASSERT_EQ(lines.size(), 96u);
  EXPECT_EQ(lines[0], json({{"image", "1"}, {"split", "train"}, {"raw", "A green square left of a yellow square."},
                            {"text", "a green square left of a yellow square"}, {"tokens", lines[0]["tokens"]}}));
  EXPECT_EQ(lines[1]["text"], "there's a square it is green");
  EXPECT_EQ(lines[72]["split"], "val");
  EXPECT_EQ(lines[95]["split"], "test");
  for (const auto& line : lines) {
    EXPECT_EQ(line["text"], normalize_caption(line["raw"].get<std::string>()));
    EXPECT_EQ(tokenizer.decode(line["tokens"].get<std::vector<std::int32_t>>()), line["text"]);
  }

  // The references: COCO annotation format, raw captions, integer ids.
  const json references = json::parse(read_text(dir_ / "out" / "references_val.json"));
  ASSERT_EQ(references["images"].size(), 4u);
  EXPECT_EQ(references["images"][0], json({{"id", 25}, {"file_name", "images/25.jpg"}}));
  ASSERT_EQ(references["annotations"].size(), 12u);
  EXPECT_EQ(references["annotations"][0], json({{"image_id", 25}, {"id", 1}, {"caption", captions_of(25)[0]}}));

  // The manifest.
  const json m = manifest();
  EXPECT_EQ(m["format"], "captioner-prepared");
  EXPECT_EQ(m["version"], kPreparedVersion);
  EXPECT_EQ(m["splits"]["val"], json({{"images", 4}, {"captions", 12}, {"references", 12}}));
  EXPECT_EQ(m["inputs"]["files"][0]["path"], (dir_ / "dataset.json").string());
  EXPECT_EQ(m["inputs"]["files"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(m["tokenizer"]["vocab_size"], tokenizer.vocab_size());
  EXPECT_EQ(m["tokenizer"]["special_ids"], json({{"pad", 0}, {"bos", 1}, {"eos", 2}, {"unk", 3}}));
  EXPECT_EQ(m["tokenizer"]["train_captions"], 72);
  EXPECT_EQ(m["options"]["image_size"], 16);
  std::size_t histogram_total = 0;
  for (const auto& count : m["words"]["length_histogram_before_clipping"]) histogram_total += count.get<std::size_t>();
  EXPECT_EQ(histogram_total, 96u);

  // The store holds each image as THE preprocessing makes it.
  const ImageStore store = ImageStore::open(dir_ / "out");
  ASSERT_EQ(store.size(), 32u);
  const cv::Mat expected = preprocess_image_file(dir_ / "images" / "7.jpg", 16);
  const auto index = store.index_of("7");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(0, std::memcmp(store.image(*index), expected.data, 16 * 16 * 3));
}

TEST_F(PrepareTest, RerunWithTheSameInputsDoesNoWork) {
  SKIP_UNDER_ASAN();
  prepare(options());
  const auto before = captioner::test::files_of(dir_ / "out");
  std::map<std::string, fs::file_time_type> times;
  for (const auto& [name, bytes] : before) times[name] = fs::last_write_time(dir_ / "out" / name);
  const auto summary = prepare(options());
  EXPECT_TRUE(summary.up_to_date);
  EXPECT_NE(log_.str().find("is up to date: nothing to do"), std::string::npos) << log_.str();
  EXPECT_EQ(captioner::test::files_of(dir_ / "out"), before);
  for (const auto& [name, time] : times) EXPECT_EQ(fs::last_write_time(dir_ / "out" / name), time) << name;
}

TEST_F(PrepareTest, VocabularyChangeRetrainsTheTokenizerButKeepsTheImageStore) {
  SKIP_UNDER_ASAN();
  prepare(options());
  const auto images_time = fs::last_write_time(dir_ / "out" / "images.u8");
  const std::string model = read_text(dir_ / "out" / "spm.model");
  auto changed = options();
  changed.tokenizer.vocab_size = 30;
  changed.tokenizer.adjust_vocab_size = false;
  const auto summary = prepare(changed);
  EXPECT_FALSE(summary.up_to_date);
  EXPECT_EQ(summary.vocab_size, 30);
  EXPECT_NE(log_.str().find("image store: up to date"), std::string::npos) << log_.str();
  EXPECT_EQ(fs::last_write_time(dir_ / "out" / "images.u8"), images_time);
  EXPECT_NE(read_text(dir_ / "out" / "spm.model"), model);
  EXPECT_EQ(manifest()["tokenizer"]["vocab_size"], 30);
  for (const auto& line : caption_lines()) {
    for (const auto& id : line["tokens"]) EXPECT_LT(id.get<int>(), 30);
  }
}

TEST_F(PrepareTest, ImageSizeChangeRebuildsTheStoreButKeepsTheTokenizerAndCaptions) {
  SKIP_UNDER_ASAN();
  prepare(options());
  const auto model_time = fs::last_write_time(dir_ / "out" / "spm.model");
  const auto captions_time = fs::last_write_time(dir_ / "out" / "captions.jsonl");
  auto changed = options();
  changed.image_size = 8;
  EXPECT_FALSE(prepare(changed).up_to_date);
  EXPECT_NE(log_.str().find("tokenizer: up to date"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("captions: up to date"), std::string::npos) << log_.str();
  EXPECT_EQ(fs::last_write_time(dir_ / "out" / "spm.model"), model_time);
  EXPECT_EQ(fs::last_write_time(dir_ / "out" / "captions.jsonl"), captions_time);
  EXPECT_EQ(fs::file_size(dir_ / "out" / "images.u8"), 32u * 8 * 8 * 3);
  EXPECT_EQ(manifest()["options"]["image_size"], 8);
}

TEST_F(PrepareTest, MissingAndCorruptImagesAreSkippedListedAndLeftOutOfEveryOutput) {
  SKIP_UNDER_ASAN();
  fs::remove(dir_ / "images" / "2.jpg");
  captioner::test::write_text(dir_ / "images" / "26.jpg", "\xff\xd8\xff\xe0 not really a JPEG");
  const auto summary = prepare(options());
  EXPECT_EQ(summary.skipped_images, 2u);
  EXPECT_EQ(summary.images[0], 23u);
  EXPECT_EQ(summary.images[1], 3u);
  const json m = manifest();
  ASSERT_EQ(m["skipped"]["images"].size(), 2u);
  EXPECT_EQ(m["skipped"]["images"][0]["key"], "2");
  EXPECT_EQ(m["skipped"]["images"][0]["file"], (dir_ / "images" / "2.jpg").string());
  EXPECT_NE(m["skipped"]["images"][0]["reason"].get<std::string>().find("cannot open"), std::string::npos);
  EXPECT_EQ(m["skipped"]["images"][1]["key"], "26");
  EXPECT_FALSE(m["skipped"]["images"][1]["reason"].get<std::string>().empty());
  EXPECT_EQ(m["skipped"]["counts"]["unreadable images"], 2);
  for (const auto& line : caption_lines()) {
    EXPECT_NE(line["image"], "2");
    EXPECT_NE(line["image"], "26");
  }
  const json references = json::parse(read_text(dir_ / "out" / "references_val.json"));
  EXPECT_EQ(references["images"].size(), 3u);
  EXPECT_EQ(ImageStore::open(dir_ / "out").size(), 30u);

  auto strict = options();
  strict.strict = true;
  strict.out = dir_ / "strict";
  const std::string message = error_of([&] { prepare(strict); });
  EXPECT_EQ(message.rfind((dir_ / "images" / "2.jpg").string() + ": cannot open", 0), 0u) << message;
}

TEST_F(PrepareTest, EmptyCaptionsAreSkippedAndCountedOrAnErrorWhenStrict) {
  SKIP_UNDER_ASAN();
  entries_[0]["sentences"][1]["raw"] = " ... ";
  for (auto& sentence : entries_[2]["sentences"]) sentence["raw"] = "";  // image 3: nothing left
  write_split_file();
  const auto summary = prepare(options());
  EXPECT_EQ(summary.skipped_captions, 4u);
  EXPECT_EQ(summary.skipped_images, 1u);
  EXPECT_EQ(summary.captions[0], 72u - 4u);
  const json m = manifest();
  EXPECT_EQ(m["skipped"]["counts"]["empty caption"], 4);
  EXPECT_EQ(m["skipped"]["counts"]["images without usable captions"], 1);
  EXPECT_EQ(m["skipped"]["captions"][0],
            json({{"image", "1"}, {"where", (dir_ / "dataset.json").string() + ": images[0].sentences[1]"},
                  {"raw", " ... "}, {"reason", "empty caption"}}));
  EXPECT_EQ(m["skipped"]["images"][0]["key"], "3");

  auto strict = options();
  strict.strict = true;
  EXPECT_EQ(error_of([&] { prepare(strict); }),
            (dir_ / "dataset.json").string() + ": images[0].sentences[1]: empty caption");
}

TEST_F(PrepareTest, OverlongCaptionsAreClippedOrDroppedButStayInTheReferences) {
  SKIP_UNDER_ASAN();
  auto clip = options();
  clip.max_words = 6;
  prepare(clip);
  std::size_t clipped = 0;
  for (const auto& line : caption_lines()) {
    const std::string text = line["text"];
    EXPECT_LE(count_words(text), 6u);
    const std::string full = normalize_caption(line["raw"].get<std::string>());
    if (full != text) {
      ++clipped;
      EXPECT_EQ(text, first_words(full, 6));
    }
  }
  EXPECT_EQ(clipped, 64u);  // the first and third caption of each image have 8 words
  EXPECT_EQ(manifest()["words"]["clipped"], 64);

  auto drop = options();
  drop.max_words = 6;
  drop.overlong = OverlongCaptions::drop;
  const auto summary = prepare(drop);
  EXPECT_EQ(summary.captions[0], 24u);
  EXPECT_EQ(summary.skipped_captions, 64u);
  EXPECT_EQ(manifest()["skipped"]["counts"]["longer than 6 words"], 64);
  const json references = json::parse(read_text(dir_ / "out" / "references_test.json"));
  EXPECT_EQ(references["annotations"].size(), 12u);  // every raw caption is still a reference
}

TEST_F(PrepareTest, BadOptionsAndFoldersAreErrors) {
  auto opts = options();
  opts.image_size = 0;
  EXPECT_EQ(error_of([&] { prepare(opts); }), "image size must be between 1 and 4096, not 0");
  opts = options();
  opts.tokenizer.model_type = "wordpiece";
  EXPECT_EQ(error_of([&] { prepare(opts); }), "tokenizer model type 'wordpiece' is not one of unigram, bpe, word, char");
  EXPECT_THROW(overlong_from_name("cut"), captioner::InputError);
  opts = options();
  opts.out = dir_ / "images";  // a folder of other things
  EXPECT_EQ(error_of([&] { prepare(opts); }),
            (dir_ / "images").string() + ": is a folder that is not empty and not a prepared data set; give a new or empty folder");
}

TEST_F(PrepareTest, NoTrainCaptionsIsAnError) {
  SKIP_UNDER_ASAN();
  for (auto& entry : entries_) {
    if (entry["split"] != "val") entry["split"] = "test";
  }
  write_split_file();
  EXPECT_EQ(error_of([&] { prepare(options()); }), "the train split has no captions: nothing to train the tokenizer on");
}

TEST_F(PrepareTest, CocoFilesWithTheirSeededValTestSplit) {
  SKIP_UNDER_ASAN();
  for (const std::string tag : {"train2014", "val2014"}) {
    json root = {{"images", json::array()}, {"annotations", json::array()}};
    const int first = tag == "train2014" ? 100 : 200;
    for (int id = first; id < first + 12; ++id) {
      const std::string file = "COCO_" + tag + "_" + std::to_string(id) + ".jpg";
      captioner::test::write_jpeg(dir_ / "coco" / tag / file, id);
      root["images"].push_back({{"id", id}, {"file_name", file}});
      for (const auto& caption : captions_of(id)) root["annotations"].push_back({{"image_id", id}, {"caption", caption}});
    }
    captioner::test::write_text(dir_ / ("captions_" + tag + ".json"), root.dump());
  }
  auto opts = options();
  opts.sources = {};
  opts.sources.coco = {dir_ / "captions_train2014.json", dir_ / "captions_val2014.json"};
  opts.sources.images = dir_ / "coco";
  opts.sources.val_size = 3;
  opts.sources.test_size = 4;
  const auto summary = prepare(opts);
  EXPECT_EQ(summary.images[0], 12u + 5u);
  EXPECT_EQ(summary.images[1], 3u);
  EXPECT_EQ(summary.images[2], 4u);
  const json references = json::parse(read_text(dir_ / "out" / "references_test.json"));
  for (const auto& image : references["images"]) {
    EXPECT_TRUE(image["id"].is_number_integer());
    EXPECT_GE(image["id"].get<int>(), 200);
    EXPECT_EQ(image["file_name"], "val2014/COCO_val2014_" + std::to_string(image["id"].get<int>()) + ".jpg");
  }
  EXPECT_EQ(manifest()["inputs"]["files"].size(), 2u);
}

TEST_F(PrepareTest, Flickr8kFilesGiveStringImageIds) {
  SKIP_UNDER_ASAN();
  std::string tokens;
  std::string lists[3];
  for (int i = 0; i < 15; ++i) {
    const std::string file = "flickr_" + std::to_string(i) + ".jpg";
    captioner::test::write_jpeg(dir_ / "flickr" / file, i);
    const auto captions = captions_of(i);
    for (std::size_t k = 0; k < captions.size(); ++k) tokens += file + "#" + std::to_string(k) + "\t" + captions[k] + "\n";
    lists[i < 11 ? 0 : i < 13 ? 1 : 2] += file + "\n";
  }
  captioner::test::write_text(dir_ / "text" / "Flickr8k.token.txt", tokens);
  captioner::test::write_text(dir_ / "text" / "Flickr_8k.trainImages.txt", lists[0]);
  captioner::test::write_text(dir_ / "text" / "Flickr_8k.devImages.txt", lists[1]);
  captioner::test::write_text(dir_ / "text" / "Flickr_8k.testImages.txt", lists[2]);
  auto opts = options();
  opts.sources = {};
  opts.sources.flickr8k = dir_ / "text" / "Flickr8k.token.txt";
  opts.sources.flickr8k_splits = dir_ / "text";
  opts.sources.images = dir_ / "flickr";
  const auto summary = prepare(opts);
  EXPECT_EQ(summary.images[0], 11u);
  EXPECT_EQ(summary.images[2], 2u);
  const json references = json::parse(read_text(dir_ / "out" / "references_val.json"));
  EXPECT_EQ(references["images"][0], json({{"id", "flickr_11"}, {"file_name", "flickr_11.jpg"}}));
  EXPECT_EQ(manifest()["inputs"]["files"].size(), 4u);
}

TEST_F(PrepareTest, CapevalScoresAPreparedSplitDirectly) {
  SKIP_UNDER_ASAN();
  prepare(options());
  // Results that repeat each test image's first reference: every n-gram matches.
  json results = json::array();
  const json references = json::parse(read_text(dir_ / "out" / "references_test.json"));
  for (const auto& image : references["images"]) {
    for (const auto& annotation : references["annotations"]) {
      if (annotation["image_id"] == image["id"]) {
        results.push_back({{"image_id", image["id"]}, {"caption", annotation["caption"]}});
        break;
      }
    }
  }
  captioner::test::write_text(dir_ / "results.json", results.dump());
  const auto run = captioner::test::run_command(
      std::string(CAPEVAL_PATH) + " --references " + captioner::test::quoted((dir_ / "out" / "references_test.json").string()) +
      " --results " + captioner::test::quoted((dir_ / "results.json").string()) + " --json " +
      captioner::test::quoted((dir_ / "scores.json").string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const json scores = json::parse(read_text(dir_ / "scores.json"));
  EXPECT_NEAR(scores["corpus"]["Bleu_4"].get<double>(), 1.0, 1e-9) << scores.dump();
  EXPECT_DOUBLE_EQ(scores["corpus"]["ROUGE_L"].get<double>(), 1.0);
  EXPECT_EQ(scores["counts"]["references"], 12);
}

TEST_F(PrepareTest, PreparedDatasetReadsItBack) {
  SKIP_UNDER_ASAN();
  prepare(options());
  const auto dataset = PreparedDataset::open(dir_ / "out");
  EXPECT_EQ(dataset.image_size(), 16);
  EXPECT_EQ(dataset.vocab_size(), SentencePieceTokenizer(dataset.tokenizer_model()).vocab_size());
  ASSERT_EQ(dataset.images(Split::train).size(), 24u);
  ASSERT_EQ(dataset.images(Split::val).size(), 4u);
  const auto& first = dataset.images(Split::train)[0];
  EXPECT_EQ(first.key, "1");
  EXPECT_EQ(dataset.image_store().keys()[first.store_index], "1");
  ASSERT_EQ(first.captions.size(), 3u);
  const auto lines = caption_lines();
  EXPECT_EQ(first.captions[0].raw, lines[0]["raw"]);
  EXPECT_EQ(first.captions[0].text, lines[0]["text"]);
  EXPECT_EQ(first.captions[0].tokens, lines[0]["tokens"].get<std::vector<std::int32_t>>());
  EXPECT_EQ(dataset.images(Split::test)[3].key, "32");
  EXPECT_EQ(dataset.references(Split::val), dir_ / "out" / "references_val.json");
  EXPECT_EQ(error_of([&] { dataset.references(Split::train); }), "the train split has no references file (only val and test)");
}

TEST_F(PrepareTest, PreparedDatasetRefusesMissingStaleOrForeignFiles) {
  SKIP_UNDER_ASAN();
  prepare(options());
  const fs::path out = dir_ / "out";
  const std::string manifest_text = read_text(out / "manifest.json");
  const std::string captions_text = read_text(out / "captions.jsonl");

  captioner::test::write_text(out / "captions.jsonl", captions_text + captions_text.substr(0, captions_text.find('\n') + 1));
  EXPECT_EQ(error_of([&] { PreparedDataset::open(out); }),
            (out / "captions.jsonl").string() +
                ": is not the file manifest.json describes (an interrupted or mixed prepare? run captioner prepare again)");
  fs::remove(out / "captions.jsonl");
  EXPECT_EQ(error_of([&] { PreparedDataset::open(out); }),
            (out / "captions.jsonl").string() + ": is missing (an interrupted or mixed prepare? run captioner prepare again)");
  captioner::test::write_text(out / "captions.jsonl", captions_text);

  json m = json::parse(manifest_text);
  m["version"] = kPreparedVersion + 1;
  captioner::test::write_text(out / "manifest.json", m.dump());
  EXPECT_EQ(error_of([&] { PreparedDataset::open(out); }),
            (out / "manifest.json").string() + ": is format version " + std::to_string(kPreparedVersion + 1) +
                "; this build reads version " + std::to_string(kPreparedVersion) + " (run captioner prepare again)");
  fs::remove(out / "manifest.json");
  EXPECT_EQ(error_of([&] { PreparedDataset::open(out); }),
            (out / "manifest.json").string() +
                ": is missing: not a prepared data set, or prepare did not finish (run captioner prepare)");
  EXPECT_EQ(error_of([&] { PreparedDataset::open(dir_ / "nowhere"); }),
            (dir_ / "nowhere").string() + ": is not a folder (a prepared data set)");

  // prepare repairs it.
  prepare(options());
  EXPECT_EQ(read_text(out / "manifest.json"), manifest_text);
  EXPECT_NO_THROW(PreparedDataset::open(out));
}

}  // namespace
