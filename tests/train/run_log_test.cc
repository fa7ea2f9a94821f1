// log.jsonl: the trainer's writer and the reader compare and report share.
#include "train/run_log.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "train/compare.h"
#include "util/error.h"
#include "util/file.h"

namespace fs = std::filesystem;
using captioner::InputError;
using captioner::train::read_run_history;
using captioner::train::RunLog;

namespace {

class RunLogFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("captioner_run_log_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write_log(const std::string& text) {
    captioner::write_file_atomically(dir_ / "log.jsonl", text);
    return dir_ / "log.jsonl";
  }
  fs::path dir_;
};

const std::string kTrainLine = R"({"type":"train","step":2,"epoch":0,"loss":3.5,"learning_rate":0.001})";
const std::string kEvalLine =
    R"({"type":"eval","step":2,"epoch":1,"loss":3.1,"best":true,"scores":{"CIDEr":1.25,"Bleu_4":0.5}})";

TEST_F(RunLogFiles, TheHistoryHoldsTrainingPointsAndEvaluations) {
  const auto history = read_run_history(write_log(kTrainLine + "\n" + kEvalLine + "\n"));
  ASSERT_EQ(history.train.size(), 1u);
  EXPECT_EQ(history.train[0].step, 2);
  EXPECT_DOUBLE_EQ(history.train[0].loss, 3.5);
  ASSERT_NE(history.best(), nullptr);
  EXPECT_DOUBLE_EQ(history.best()->scores.at("CIDEr"), 1.25);
  EXPECT_DOUBLE_EQ(history.best()->scores.at("loss"), 3.1);
  EXPECT_TRUE(read_run_history(dir_ / "missing.jsonl").evaluations.empty());
}

// A kill can cut the last line; the resumed trainer drops it, and so do the readers. A
// damaged line before the last is an error naming the file and the line.
TEST_F(RunLogFiles, ACutLastLineIsLeftOutADamagedEarlierLineIsAnError) {
  const auto cut = read_run_history(write_log(kTrainLine + "\n" + kEvalLine + "\n" + kEvalLine.substr(0, 30)));
  EXPECT_EQ(cut.train.size(), 1u);
  EXPECT_EQ(cut.evaluations.size(), 1u);
  try {
    read_run_history(write_log(kTrainLine + "\n[1, 2]\n" + kEvalLine + "\n"));
    ADD_FAILURE() << "a damaged middle line was accepted";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), (dir_ / "log.jsonl").string() + ": line 2 is not a JSON object");
  }
  EXPECT_THROW(read_run_history(write_log(R"({"type":"eval","step":1,"scores":{"CIDEr":"high"}})" "\n")),
               InputError);

  // The trainer, resuming at step 2, keeps the whole lines up to it.
  write_log(kTrainLine + "\n" + R"({"type":"train","step":3})" + "\n" + kEvalLine.substr(0, 30));
  { RunLog resumed(dir_ / "log.jsonl", 2); }
  EXPECT_EQ(captioner::read_file(dir_ / "log.jsonl"), kTrainLine + "\n");
}

// compare reads the best evaluation through the same reader: metrics only, no loss column.
TEST_F(RunLogFiles, CompareTakesTheBestEvaluationsMetrics) {
  captioner::write_file_atomically(dir_ / "config.ini", "[train]\nepochs = 1\n");
  write_log(kTrainLine + "\n" + kEvalLine + "\n" + kEvalLine.substr(0, 12));
  const auto run = captioner::train::summarize_run(dir_);
  EXPECT_TRUE(run.has_val);
  EXPECT_EQ(run.best_step, 2);
  EXPECT_EQ(run.best_val.size(), 2u);
  EXPECT_EQ(run.best_val.count("loss"), 0u);
}

}  // namespace
