// The capeval executable end to end: exit codes, the one-line error, the table, and
// the JSON report (which must not appear at all when the input is bad).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code;
  std::string out, err;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class CapevalCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / "capeval_cli";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("ann.json", R"({"images": [{"id": 1}, {"id": 2}], "annotations": [
        {"image_id": 1, "caption": "A dog runs on the grass."}, {"image_id": 1, "caption": "A brown dog running."},
        {"image_id": 2, "caption": "A cat sleeps on a sofa."}, {"image_id": 2, "caption": "The cat is asleep."}]})");
    write("res.json", R"([{"image_id": 2, "caption": "a cat on a sofa"}, {"image_id": 1, "caption": "a dog running"}])");
  }

  std::string write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name, std::ios::binary) << contents;
    return (dir_ / name).string();
  }

  CommandResult capeval(const std::string& arguments) {
    const std::string command = std::string(CAPEVAL_PATH) + " " + arguments + " > " + (dir_ / "out").string() +
                                " 2> " + (dir_ / "err").string();
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "out"), slurp(dir_ / "err")};
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(CapevalCli, ScoresAndWritesTheReport) {
  const CommandResult run = capeval("--references " + path("ann.json") + " --results " + path("res.json") + " --json " +
                          path("scores.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* row : {"Bleu_1", "Bleu_4", "METEOR   unavailable", "ROUGE_L", "CIDEr"}) {
    EXPECT_NE(run.out.find(row), std::string::npos) << row << " missing from\n" << run.out;
  }
  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "scores.json"));
  EXPECT_EQ(report["counts"]["images"], 2);
  EXPECT_EQ(report["settings"]["tokenization"], "ptb");
  ASSERT_EQ(report["per_image"].size(), 2u);
  EXPECT_EQ(report["per_image"][0]["image_id"], 1);  // annotation order, not results order
  EXPECT_TRUE(report["per_image"][1].contains("CIDEr"));
  EXPECT_TRUE(report["corpus"].contains("Bleu_4"));
  EXPECT_FALSE(report["corpus"].contains("METEOR"));
  EXPECT_TRUE(report["unavailable"].contains("METEOR"));
  // The digest of the file as written: compare with the system's sha256sum.
  const std::string digest_command = "sha256sum " + path("res.json") + " > " + path("digest");
  ASSERT_EQ(std::system(digest_command.c_str()), 0);
  EXPECT_EQ(report["settings"]["inputs"][1]["sha256"], slurp(dir_ / "digest").substr(0, 64));
}

TEST_F(CapevalCli, BadInputIsOneLineAndNoReport) {
  write("dup.json", R"([{"image_id": 1, "caption": "a"}, {"image_id": 1, "caption": "b"}])");
  const CommandResult run = capeval("--references " + path("ann.json") + " --results " + path("dup.json") + " --json " +
                          path("scores.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "capeval: " + path("dup.json") +
                         ": image 1 has two results (results[0] and results[1]); pycocoevalcap would silently keep one\n");
  EXPECT_FALSE(fs::exists(dir_ / "scores.json"));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(CapevalCli, UsageErrorsExitWithOne) {
  const std::vector<std::string> usages = {
      "--bogus", "--results " + path("res.json"),
      "--references " + path("ann.json") + " --results " + path("res.json") + " --tokenization nltk"};
  for (const std::string& arguments : usages) {
    const CommandResult run = capeval(arguments);
    EXPECT_EQ(run.exit_code, 1) << arguments;
    EXPECT_EQ(run.err.rfind("capeval: ", 0), 0u) << run.err;
    EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;
  }
}

TEST_F(CapevalCli, TokenizeMatchesTheJarsLines) {
  // Lines printed by stanford-corenlp-3.4.1.jar -preserveLines -lowerCase for this file.
  write("lines.txt", "A dog's toy, isn't it?\nThey sat etc.\nAnd left\n");
  const CommandResult run = capeval("--tokenize " + path("lines.txt"));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out, "a dog 's toy , is n't it ?\nthey sat etc. .\nand left\n");
}

}  // namespace
