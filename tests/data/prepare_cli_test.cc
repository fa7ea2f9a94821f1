// The `captioner prepare` command: options, --config, messages and exit codes.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/data/prepare_fixtures.h"
#include "tests/support/sentencepiece_skip.h"

namespace fs = std::filesystem;
using captioner::test::quoted;
using captioner::test::run_command;
using nlohmann::json;

namespace {

class PrepareCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = captioner::test::fresh_temp_dir();
    json images = json::array();
    for (int id = 1; id <= 12; ++id) {
      captioner::test::write_jpeg(dir_ / "images" / (std::to_string(id) + ".jpg"), id);
      images.push_back({{"filename", std::to_string(id) + ".jpg"}, {"cocoid", id},
                        {"split", id <= 8 ? "train" : id <= 10 ? "val" : "test"},
                        {"sentences", {{{"raw", "A dog number " + std::to_string(id) + " runs on the grass ."}},
                                       {{"raw", "The cat sleeps on a red sofa number " + std::to_string(id) + "."}}}}});
    }
    captioner::test::write_text(dir_ / "dataset.json", json({{"images", images}}).dump());
  }
  void TearDown() override { fs::remove_all(dir_); }

  captioner::test::CommandResult prepare(const std::string& arguments) {
    return run_command(std::string(CAPTIONER_PATH) + " prepare --karpathy " + quoted((dir_ / "dataset.json").string()) +
                       " --images " + quoted((dir_ / "images").string()) + " " + arguments);
  }

  fs::path dir_;
};

TEST_F(PrepareCommand, HelpListsTheOptions) {
  const auto run = run_command(std::string(CAPTIONER_PATH) + " prepare --help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* option : {"--coco", "--karpathy", "--flickr8k-splits", "--image-size", "--text.max-words",
                             "--text.overlong", "--tokenizer.model-type", "--tokenizer.vocab-size",
                             "--tokenizer.adjust-vocab-size", "--split.val-size", "--split.seed", "--strict",
                             "--threads", "--config"}) {
    EXPECT_NE(run.output.find(option), std::string::npos) << option;
  }
}

TEST_F(PrepareCommand, PreparesFromAConfigFileAndTheCommandLineOverridesIt) {
  SKIP_UNDER_ASAN();
  captioner::test::write_text(dir_ / "prepare.ini",
                              "image-size = 8\n[text]\nmax-words = 3\noverlong = drop\n"
                              "[tokenizer]\nmodel-type = word\nvocab-size = 500\nadjust-vocab-size = true\n");
  const auto run = prepare("--config " + quoted((dir_ / "prepare.ini").string()) + " --text.max-words 8 --out " +
                           quoted((dir_ / "out").string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("prepare: prepared "), std::string::npos) << run.output;
  const json manifest = json::parse(captioner::test::read_text(dir_ / "out" / "manifest.json"));
  EXPECT_EQ(manifest["options"]["image_size"], 8);
  EXPECT_EQ(manifest["options"]["max_words"], 8);
  EXPECT_EQ(manifest["options"]["overlong"], "drop");
  EXPECT_EQ(manifest["options"]["tokenizer"]["model_type"], "word");
  EXPECT_LT(manifest["tokenizer"]["vocab_size"].get<int>(), 500);  // adjusted to the corpus
  // "the cat sleeps on a red sofa number N" has 9 words.
  EXPECT_EQ(manifest["skipped"]["counts"]["longer than 8 words"], 12);
}

TEST_F(PrepareCommand, RerunSaysItIsUpToDate) {
  SKIP_UNDER_ASAN();
  const std::string arguments = "--tokenizer.vocab-size 30 --tokenizer.adjust-vocab-size --out " + quoted((dir_ / "out").string());
  ASSERT_EQ(prepare(arguments).exit_code, 0);
  const auto again = prepare(arguments);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.output.find("prepare: " + (dir_ / "out").string() + " is up to date: nothing to do"), std::string::npos)
      << again.output;
}

TEST_F(PrepareCommand, BadInputIsOneLineAndExitCodeOne) {
  auto expect_error = [&](const std::string& arguments, const std::string& message) {
    const auto run = prepare(arguments);
    EXPECT_EQ(run.exit_code, 1) << arguments;
    EXPECT_EQ(run.output, "captioner prepare: " + message + "\n") << arguments;
  };
  expect_error("", "--out is required (see --help)");
  expect_error("--out " + quoted((dir_ / "out").string()) + " --text.overlong cut",
               "what to do with overlong captions must be clip or drop, not 'cut'");
  expect_error("--out " + quoted((dir_ / "out").string()) + " --threads 0", "--threads must be at least 1, not 0");
  captioner::test::write_text(dir_ / "bad.ini", "[tokenizer]\nvocab = 30\n");
  expect_error("--out " + quoted((dir_ / "out").string()) + " --config " + quoted((dir_ / "bad.ini").string()),
               (dir_ / "bad.ini").string() + ": unknown key 'vocab' in [tokenizer]");
  captioner::test::write_text(dir_ / "dataset.json", "{\"images\": [}");
  expect_error("--out " + quoted((dir_ / "out").string()),
               (dir_ / "dataset.json").string() +
                   ": malformed JSON: parse error at line 1, column 13: syntax error while parsing value - unexpected '}'; "
                   "expected '[', '{', or a literal");
  EXPECT_FALSE(fs::exists(dir_ / "out" / "manifest.json"));
}

}  // namespace
