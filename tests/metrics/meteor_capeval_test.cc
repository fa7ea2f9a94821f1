// capeval's METEOR end to end: unavailable without its data (the other metrics still
// computed), a bad --meteor-data refused, and with data (the fixture files) METEOR in the
// table and in the JSON report, per image, with the data files' hashes.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/command.h"
#include "util/file.h"
#include "util/sha256.h"

namespace {

namespace fs = std::filesystem;
using captioner::test::quoted;
using captioner::test::run_command;

class MeteorCapeval : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("meteor_capeval_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "hyps.txt") << "a cat on a couch\nthe man has been happy\n";
    std::ofstream(dir_ / "refs.txt") << "a cat on a sofa\nthe man was happy\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // capeval on the two images, with `environment` and `arguments` added.
  captioner::test::CommandResult capeval(const std::string& environment, const std::string& arguments) {
    return run_command(environment + " " + quoted(CAPEVAL_PATH) + " --hypotheses " + quoted((dir_ / "hyps.txt").string()) +
                       " --references " + quoted((dir_ / "refs.txt").string()) + " --json " +
                       quoted((dir_ / "scores.json").string()) + " " + arguments);
  }

  // The fixture data as a data folder: the paraphrase table gzipped as the real one is.
  fs::path fixture_data_folder() {
    const fs::path fixtures = fs::path(TEST_FIXTURES_DIR) / "meteor";
    const fs::path folder = dir_ / "meteor-data";
    for (const char* file : {"function/english.words", "nonbreaking/english.prefixes", "synonym/english.synsets",
                             "synonym/english.exceptions"}) {
      fs::create_directories((folder / file).parent_path());
      fs::copy_file(fixtures / file, folder / file);
    }
    const std::string table = captioner::read_file(fixtures / "paraphrase-en.txt");
    gzFile gz = gzopen((folder / "paraphrase-en.gz").c_str(), "wb");
    EXPECT_NE(gz, nullptr);
    gzwrite(gz, table.data(), static_cast<unsigned>(table.size()));
    gzclose(gz);
    return folder;
  }

  nlohmann::json report() { return nlohmann::json::parse(captioner::read_file(dir_ / "scores.json")); }

  fs::path dir_;
};

TEST_F(MeteorCapeval, WithoutDataMeteorIsUnavailableAndTheRestScored) {
  const auto run = capeval("CAPEVAL_METEOR_DATA=" + quoted((dir_ / "nowhere").string()), "");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("METEOR   unavailable (no METEOR data in " + (dir_ / "nowhere").string() +
                            " (CAPEVAL_METEOR_DATA); get it with scripts/get-meteor-data.sh"),
            std::string::npos)
      << run.output;
  const nlohmann::json scores = report();
  EXPECT_FALSE(scores["corpus"].contains("METEOR"));
  EXPECT_TRUE(scores["corpus"].contains("CIDEr"));
  EXPECT_TRUE(scores["unavailable"].contains("METEOR"));
  EXPECT_FALSE(scores.contains("meteor_data"));
}

TEST_F(MeteorCapeval, MissingDataFolderGivenByFlagIsAnError) {
  const auto run = capeval("", "--meteor-data " + quoted((dir_ / "nowhere").string()));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("capeval: " + (dir_ / "nowhere").string() + ": not a METEOR data folder"),
            std::string::npos)
      << run.output;
  EXPECT_FALSE(fs::exists(dir_ / "scores.json"));
}

TEST_F(MeteorCapeval, WithDataMeteorIsScoredPerImageWithTheDataHashes) {
  const fs::path data = fixture_data_folder();
  const auto run = capeval("", "--meteor-data " + quoted(data.string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("  METEOR   0.938"), std::string::npos) << run.output;
  const nlohmann::json scores = report();
  // The jar's EVAL on these two images' statistics (see meteor_scorer_test.cc).
  EXPECT_EQ(scores["per_image"][0]["METEOR"].get<double>(), 0.9333333333333333);
  EXPECT_EQ(scores["per_image"][1]["METEOR"].get<double>(), 0.9439563768554983);
  EXPECT_TRUE(scores["unavailable"].empty());
  ASSERT_EQ(scores["meteor_data"]["files"].size(), 5u);
  for (const auto& file : scores["meteor_data"]["files"]) {
    const std::string path = file["path"];
    EXPECT_EQ(file["sha256"], captioner::sha256_hex(captioner::read_file(data / path))) << path;
  }
  EXPECT_TRUE(fs::exists(data / "paraphrase-en.gz.cache"));
  // The first run built the paraphrase cache; the environment variable finds the same
  // folder, and that run maps the cache instead.
  const std::size_t table = run.output.find("capeval 0.1.0");
  ASSERT_NE(table, std::string::npos);
  EXPECT_NE(run.output.substr(0, table).find("building the METEOR paraphrase cache"), std::string::npos);
  const auto by_environment = capeval("CAPEVAL_METEOR_DATA=" + quoted(data.string()), "");
  EXPECT_EQ(by_environment.output, run.output.substr(table));
}

TEST_F(MeteorCapeval, PrintsAnImagesAlignment) {
  const fs::path data = fixture_data_folder();
  const auto run = capeval("", "--meteor-data " + quoted(data.string()) + " --meteor-alignment 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // The jar's -writeAlignments lines: reference "was" (2:1) is test "has been" (2:2), module 3.
  EXPECT_NE(run.output.find("the man has been happy\nthe man was happy\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("2:1\t\t\t2:2\t\t\t3\t\t1.0\n"), std::string::npos) << run.output;
}

}  // namespace
