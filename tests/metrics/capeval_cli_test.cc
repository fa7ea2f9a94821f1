// The capeval executable end to end: exit codes, the one-line error, the table, and
// the JSON report (which must not appear at all when the input is bad).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

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
  // A folder of its own per test and process: ctest -j and other checkouts running this
  // suite on the same machine must not remove or overwrite each other's files.
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("capeval_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
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

  void TearDown() override { fs::remove_all(dir_); }

  // Exit code 1, one line on stderr starting "capeval: ", nothing on stdout.
  void expect_one_line_error(const CommandResult& run, const std::string& mentions) {
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(run.err.rfind("capeval: ", 0), 0u) << run.err;
    EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;
    EXPECT_NE(run.err.find(mentions), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
  }

  // No report and no temporary file beside it.
  void expect_no_report_files() {
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      EXPECT_EQ(name.find("scores.json"), std::string::npos) << name;
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
    }
  }

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

// Text mode end to end against pycocoevalcap 1.2: its PTBTokenizer on the two reference
// batches and the candidates, then Bleu(4), Rouge() and Cider(), values printed with repr.
// "(fast)" keeps its -lrb- -rrb- tokens, which count as words.
TEST_F(CapevalCli, TextModeReportMatchesPycocoevalcap) {
  const std::string hyp = write("hyp.txt", "A dog runs on the grass.\nTwo cats sleep on a sofa!\nA man rides a red bike (fast).\n");
  write("r1.txt", "A brown dog is running on grass.\nTwo cats sleeping on the couch.\nA man riding a bicycle.\n");
  write("r2.txt", "The dog runs outside.\nCats are asleep on a sofa.\nSomeone on a red bike, going fast.\n");
  const CommandResult run = capeval("--hypotheses " + hyp + " --references " + path("r1.txt") + " " + path("r2.txt") +
                                    " --json " + path("scores.json"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_NE(run.out.find("3 images, 6 references"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("METEOR   unavailable"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("CIDEr    1.822493"), std::string::npos) << run.out;  // 1.822492514672515 to 6 places

  const nlohmann::json report = nlohmann::json::parse(slurp(dir_ / "scores.json"));
  EXPECT_EQ(report["settings"]["mode"], "text");
  EXPECT_EQ(report["counts"]["images"], 3);
  EXPECT_EQ(report["counts"]["references"], 6);
  EXPECT_EQ(report["bleu_statistics"]["testlen"], 21);
  EXPECT_EQ(report["bleu_statistics"]["reflen"], 20);
  EXPECT_EQ(report["bleu_statistics"]["guess"], (std::vector<int>{21, 18, 15, 12}));
  EXPECT_EQ(report["bleu_statistics"]["correct"], (std::vector<int>{17, 7, 2, 0}));
  const std::vector<std::pair<std::string, std::vector<double>>> expected = {
      {"Bleu_1", {0.8095238094852608, 0.8464817246084536, 0.8333333330555557, 0.6666666665925927}},
      {"Bleu_2", {0.5610836076578374, 0.37855813558084267, 0.7071067809390603, 0.49999999994097233}},
      {"Bleu_3", {0.34753453379993965, 3.11846533635971e-06, 0.49999999981388915, 0.3293168779625747}},
      {"Bleu_4", {4.324671885880501e-05, 9.61788928792807e-09, 8.034284186199331e-05, 4.939382736441597e-05}},
      {"ROUGE_L", {0.5994543411972396, 0.6069651741293532, 0.6666666666666666, 0.524731182795699}},
      {"CIDEr", {1.822492514672515, 1.7333416222716909, 2.1703638237536276, 1.5637720979922267}},
  };
  ASSERT_EQ(report["per_image"].size(), 3u);
  for (const auto& [metric, values] : expected) {
    // The JSON numbers round-trip; CIDEr may differ from numpy's log by an ulp (spec section 6).
    const double tolerance = metric == "CIDEr" ? 1e-12 * values[0] : 0.0;
    EXPECT_NEAR(report["corpus"][metric].get<double>(), values[0], tolerance) << metric;
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(report["per_image"][i]["image_id"], static_cast<int>(i + 1));
      EXPECT_NEAR(report["per_image"][i][metric].get<double>(), values[i + 1], tolerance * 2) << metric << " " << i;
    }
  }
  // Inputs: references first, then the hypotheses, whose digest is
  // `printf 'A dog runs on the grass.\nTwo cats ... (fast).\n' | sha256sum`.
  const nlohmann::json& inputs = report["settings"]["inputs"];
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[0]["path"], path("r1.txt"));
  EXPECT_EQ(inputs[2]["path"], hyp);
  EXPECT_EQ(inputs[2]["bytes"], 82);
  EXPECT_EQ(inputs[2]["sha256"], "f8e8e9efc2372692a7a4c606b073a28526a38505fd1ec60923683d0cc12ef76e");
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

// Other bad inputs: one line naming the file, no report, no temporary file, no table.
TEST_F(CapevalCli, BadInputsNameTheFile) {
  write("hyp.txt", "a\nb\n");
  write("ref.txt", "a\n");
  expect_one_line_error(capeval("--hypotheses " + path("hyp.txt") + " --references " + path("ref.txt") + " --json " +
                                path("scores.json")),
                        path("ref.txt") + ": 1 lines, but " + path("hyp.txt") + " has 2");
  write("bad.json", R"([{"image_id": 1, "caption": "x"})");
  expect_one_line_error(capeval("--references " + path("ann.json") + " --results " + path("bad.json") + " --json " +
                                path("scores.json")),
                        path("bad.json") + ": malformed JSON");
  expect_one_line_error(capeval("--references " + path("res.json") + " --results " + path("ann.json") + " --json " +
                                path("scores.json")),
                        path("res.json") + ": is a JSON list; expected a COCO annotation file");
  expect_one_line_error(capeval("--references " + path("ann.json") + " --results " + path("missing.json")),
                        path("missing.json") + ": cannot open");
  expect_one_line_error(capeval("--tokenize " + path("missing.txt")), path("missing.txt") + ": cannot open");
  expect_no_report_files();
}

// A report that cannot be written is an error naming it, after the scoring; nothing is
// left behind. A report from an earlier run is not touched by a failing run.
TEST_F(CapevalCli, ReportWriteErrorsAndEarlierReports) {
  const std::string unwritable = path("no_such_dir/scores.json");
  expect_one_line_error(
      capeval("--references " + path("ann.json") + " --results " + path("res.json") + " --json " + unwritable),
      unwritable + ": cannot write");
  EXPECT_FALSE(fs::exists(dir_ / "no_such_dir"));

  write("scores.json", "earlier report\n");
  write("dup.json", R"([{"image_id": 1, "caption": "a"}, {"image_id": 1, "caption": "b"}])");
  const CommandResult run = capeval("--references " + path("ann.json") + " --results " + path("dup.json") + " --json " +
                                    path("scores.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(slurp(dir_ / "scores.json"), "earlier report\n");
}

TEST_F(CapevalCli, MoreUsageErrors) {
  const std::vector<std::string> usages = {
      "--references " + path("ann.json"),  // neither mode
      "--references " + path("ann.json") + " --results " + path("res.json") + " --hypotheses " + path("res.json"),
      "--references " + path("ann.json") + " " + path("ann.json") + " --results " + path("res.json"),
      "--hypotheses " + path("res.json"), "--json", "--references"};
  for (const std::string& arguments : usages) {
    const CommandResult run = capeval(arguments);
    EXPECT_EQ(run.exit_code, 1) << arguments;
    EXPECT_EQ(run.err.rfind("capeval: ", 0), 0u) << arguments << ": " << run.err;
    EXPECT_EQ(run.err.find('\n'), run.err.size() - 1) << run.err;
  }
  const CommandResult version = capeval("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "capeval 0.1.0 (pycocoevalcap 1.2 parity)\n");
  const CommandResult help = capeval("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--tokenize"), std::string::npos);
}

// --tokenize against the jar's own output for the same file (every line followed by a
// newline): lookahead across lines ("etc." before "The"), brackets, non-ASCII, an emoji
// deleted, an empty line kept.
TEST_F(CapevalCli, TokenizeMoreLines) {
  write("lines.txt",
        "They sat etc.\nThe dogs' bowls (two) cost $5.\n\nCaf\u00e9 \u039f\u0394\u039f\u03a3 \U0001F436 I'm gonna go.\n");
  const CommandResult run = capeval("--tokenize " + path("lines.txt"));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "they sat etc. .\nthe dogs ' bowls -lrb- two -rrb- cost $ 5 .\n\n"
            "caf\u00e9 \u03bf\u03b4\u03bf\u03c2 i 'm gon na go .\n");
}

}  // namespace

namespace {

// The jar lexes a file's final newline like any other: ":)" before it is one smiley
// (jar: "x :-rrb-\n"), at the very end of a file without one it is two tokens ("x : -rrb-").
TEST(CapevalTokenize, FinalNewlineAsTheJarSeesIt) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "with_newline.txt") << "x :)\n";
  std::ofstream(dir + "without_newline.txt") << "x :)";
  const std::string out = dir + "tokenize_out.txt";
  ASSERT_EQ(std::system((std::string(CAPEVAL_PATH) + " --tokenize " + dir + "with_newline.txt > " + out).c_str()), 0);
  EXPECT_EQ(slurp(out), "x :-rrb-\n");
  ASSERT_EQ(std::system((std::string(CAPEVAL_PATH) + " --tokenize " + dir + "without_newline.txt > " + out).c_str()), 0);
  EXPECT_EQ(slurp(out), "x : -rrb-");
}

}  // namespace
