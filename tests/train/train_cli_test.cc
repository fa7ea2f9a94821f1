// captioner train and caption end to end on a tiny synthetic data set: resume after a
// kill gives the same weights as an uninterrupted run; bad configs are clear errors.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tests/support/command.h"
#include "tests/support/tiny_experiment.h"
#include "train/caption_model.h"
#include "train/checkpoint.h"

namespace fs = std::filesystem;
using captioner::test::quoted;
using captioner::test::run_command;

namespace {

const std::string kCaptioner = CAPTIONER_PATH;
const std::string kSpec = captioner::test::kTinyEncoderSpec;

// One tiny data set for the whole suite (tests/support/tiny_experiment.h): 60 images of 32x32.
class TrainCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::path(::testing::TempDir()) / ("captioner_train_cli_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    const auto tiny = captioner::test::make_tiny_experiment(kCaptioner, root_);
    ASSERT_EQ(tiny.error, "");
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static std::string train(const std::string& extra) {
    return kCaptioner + " train --threads 1 --config " + quoted((root_ / "tiny.ini").string()) + " " + extra;
  }

  static captioner::train::CaptionModel load_weights(const fs::path& checkpoint) {
    captioner::train::ModelOptions options;
    options.encoder.spec = kSpec;
    options.encoder.image_size = 32;
    options.decoder.embedding_size = 16;
    options.decoder.hidden_size = 32;
    options.bow_loss = 0.5;  // the checkpoint has the bag-of-words layer
    const auto state = captioner::train::read_checkpoint_state(checkpoint);
    std::ifstream vocab(root_ / "prep/spm.vocab");
    int vocab_size = 0;
    for (std::string line; std::getline(vocab, line);) ++vocab_size;
    captioner::train::CaptionModel model(options, vocab_size);
    captioner::train::load_checkpoint(checkpoint, *model, nullptr, false);
    return model;
  }

  static nlohmann::json sidecar(const fs::path& checkpoint) {
    std::ifstream in(checkpoint.string() + ".json");
    return in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  }

  static fs::path root_;
};
fs::path TrainCli::root_;

TEST_F(TrainCli, ResumeAfterAKillGivesTheSameWeightsAsAnUninterruptedRun) {
  const auto straight = run_command(train("--run.name straight"));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  // The same run, killed (SIGKILL) once a mid-training checkpoint exists, then rerun.
  const fs::path last = root_ / "runs/killed/checkpoints/last.pt";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // exec: the child process is captioner itself, so the kill reaches it.
    execl("/bin/sh", "sh", "-c", ("exec " + train("--run.name killed") + " >/dev/null 2>&1").c_str(), nullptr);
    _exit(127);
  }
  bool killed_midway = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto state = sidecar(last);
    if (state.is_object() && state.value("step", 0) >= 6) {
      killed_midway = !state.value("finished", true);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(killed_midway) << "the run ended before it could be interrupted";

  const auto resumed = run_command(train("--run.name killed"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;

  auto a = load_weights(root_ / "runs/straight/checkpoints/last.pt");
  auto b = load_weights(last);
  const auto pa = a->named_parameters(), pb = b->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  EXPECT_TRUE(pa.contains("bag_of_words.weight")) << "the config's bow-loss adds the bag-of-words layer";
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  EXPECT_EQ(sidecar(root_ / "runs/straight/checkpoints/last.pt")["step"],
            sidecar(last)["step"]);
  // The log reads as if the run had never stopped: the same steps, once each.
  auto steps = [](const fs::path& log) {
    std::vector<std::pair<std::string, int>> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      const auto entry = nlohmann::json::parse(line);
      out.emplace_back(entry["type"].get<std::string>(), entry["step"].get<int>());
    }
    return out;
  };
  EXPECT_EQ(steps(root_ / "runs/straight/log.jsonl"), steps(root_ / "runs/killed/log.jsonl"));

  // A finished run says so and does nothing.
  const auto again = run_command(train("--run.name straight"));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.output.find("is complete"), std::string::npos) << again.output;

  // It captions the test split and scores it with capeval's table.
  const auto caption = run_command(kCaptioner + " caption --threads 1 --run " +
                                   quoted((root_ / "runs/straight").string()) + " --split test --score");
  ASSERT_EQ(caption.exit_code, 0) << caption.output;
  EXPECT_NE(caption.output.find("CIDEr"), std::string::npos);
  std::ifstream results(root_ / "runs/straight/results_test.json");
  const auto parsed = nlohmann::json::parse(results);
  EXPECT_EQ(parsed.size(), 10u);
  EXPECT_TRUE(fs::exists(root_ / "runs/straight/scores_test.json"));
  EXPECT_TRUE(fs::exists(root_ / "runs/straight/results_test.settings.json"));
}

// A checkpoint written before the run's first evaluation (eval-every longer than an epoch)
// holds no best score yet (null in JSON); the resumed run reads it as none, and a run whose
// last step falls between evaluations ends with one, so that best.pt exists.
TEST_F(TrainCli, ARunKilledBeforeItsFirstEvaluationResumesAndEndsEvaluated) {
  const std::string run = train("--run.name unevaluated --train.eval-every 1000");
  const fs::path last = root_ / "runs/unevaluated/checkpoints/last.pt";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + run + " >/dev/null 2>&1").c_str(), nullptr);
    _exit(127);
  }
  bool killed_midway = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto state = sidecar(last);  // written at the end of each epoch
    if (state.is_object()) {
      killed_midway = !state.value("finished", true);
      EXPECT_TRUE(state["best_score"].is_null()) << state.dump();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(killed_midway) << "the run ended before it could be interrupted";

  const auto resumed = run_command(run);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  const auto final_state = sidecar(last);
  EXPECT_TRUE(final_state["best_score"].is_number()) << final_state.dump();
  EXPECT_EQ(final_state["best_step"], final_state["step"]);
  EXPECT_TRUE(fs::exists(root_ / "runs/unevaluated/checkpoints/best.pt"));
  std::vector<int> evaluated_steps;
  std::ifstream log(root_ / "runs/unevaluated/log.jsonl");
  for (std::string line; std::getline(log, line);) {
    const auto entry = nlohmann::json::parse(line);
    if (entry["type"] == "eval") evaluated_steps.push_back(entry["step"].get<int>());
  }
  EXPECT_EQ(evaluated_steps, std::vector<int>{final_state["step"].get<int>()});
}

TEST_F(TrainCli, BadConfigurationsAreOneLineErrors) {
  struct Case {
    std::string arguments, expected;
  };
  const std::vector<Case> cases = {
      {"--train.epoch 3", "unrecognised option '--train.epoch'"},
      {"--train.epochs many", "the argument ('many') for option '--train.epochs' is invalid"},
      {"--train.optimizer adagrad", "train.optimizer: 'adagrad' is not adam or sgd"},
      {"--data.dir /nonexistent/prep", "/nonexistent/prep"},
      {"--encoder.image-size 64", "encoder.image-size 64 differs from the dataset's images (32 pixels"},
      {"--encoder.spec 'conv5x8 relu pool2 pool2 pool2 pool2 fc8'", "pool"},
      {"--decoder.init sideways", "sideways"},
      {"--train.bow-loss -1", "train.bow-loss must be at least 0"},
  };
  for (const auto& c : cases) {
    const auto result = run_command(train("--run.name bad " + c.arguments));
    EXPECT_EQ(result.exit_code, 1) << c.arguments << "\n" << result.output;
    EXPECT_NE(result.output.find(c.expected), std::string::npos) << c.arguments << "\n" << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << c.arguments << "\n" << result.output;
  }
  const fs::path bad_ini = root_ / "bad.ini";
  std::ofstream(bad_ini) << "[train]\nepohcs = 3\n";
  const auto unknown = run_command(train("--run.name bad --config " + quoted(bad_ini.string())));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find(bad_ini.string() + ": unknown key 'epohcs' in [train]"), std::string::npos)
      << unknown.output;
}

TEST_F(TrainCli, CaptioningWithAnotherDatasetsTokenizerIsAVocabularyMismatch) {
  const auto trained = run_command(train("--run.name vocab --train.epochs 1"));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const auto other = run_command(kCaptioner + " prepare --karpathy " + quoted((root_ / "shapes/dataset_shapes.json").string()) +
                                 " --images " + quoted((root_ / "shapes/images").string()) + " --out " +
                                 quoted((root_ / "prep-char").string()) +
                                 " --image-size 32 --tokenizer.model-type char --tokenizer.adjust-vocab-size");
  ASSERT_EQ(other.exit_code, 0) << other.output;
  const auto result = run_command(kCaptioner + " caption --run " + quoted((root_ / "runs/vocab").string()) +
                                  " --split test --data " + quoted((root_ / "prep-char").string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("vocabulary mismatch"), std::string::npos) << result.output;
  const auto missing = run_command(kCaptioner + " caption --run " + quoted((root_ / "runs/nothing").string()) + " --split test");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("config.ini"), std::string::npos) << missing.output;
}

TEST_F(TrainCli, CompareTabulatesBestValidationAndTestScoresWithTheDifferingSettings) {
  ASSERT_EQ(run_command(train("--run.name small --train.epochs 1")).exit_code, 0);
  ASSERT_EQ(run_command(train("--run.name wide --train.epochs 1 --decoder.hidden-size 48")).exit_code, 0);
  const auto scored = run_command(kCaptioner + " caption --threads 1 --run " + quoted((root_ / "runs/wide").string()) +
                                  " --split test --score");
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  const fs::path out = root_ / "table";
  const auto result = run_command(kCaptioner + " compare --runs " + quoted((root_ / "runs/small").string()) + " " +
                                  quoted((root_ / "runs/wide").string()) + " --out " + quoted(out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;

  // The best evaluation logged by the run, and the score file caption --score wrote.
  double best_val = -1;
  std::ifstream log(root_ / "runs/wide/log.jsonl");
  for (std::string line; std::getline(log, line);) {
    const auto entry = nlohmann::json::parse(line);
    if (entry.value("type", "") == "eval" && entry.value("best", false)) best_val = entry["scores"]["CIDEr"].get<double>();
  }
  std::ifstream scores(root_ / "runs/wide/scores_test.json");
  const double test = nlohmann::json::parse(scores)["corpus"]["CIDEr"].get<double>();
  const auto cell = [](double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    return std::string(text);
  };

  std::ifstream csv_file(out.string() + ".csv");
  std::vector<std::vector<std::string>> csv;
  for (std::string line; std::getline(csv_file, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string c; std::getline(row, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    csv.push_back(cells);
  }
  ASSERT_EQ(csv.size(), 3u);
  const auto column = [&](const std::string& name) {
    const auto at = std::find(csv[0].begin(), csv[0].end(), name);
    return at == csv[0].end() ? -1 : static_cast<int>(at - csv[0].begin());
  };
  // Only the setting that differs is a column (not the run's name or directory).
  EXPECT_GE(column("decoder.hidden-size"), 0);
  EXPECT_EQ(column("decoder.embedding-size"), -1);
  EXPECT_EQ(column("run.name"), -1);
  ASSERT_GE(column("val CIDEr"), 0);
  ASSERT_GE(column("test CIDEr"), 0);
  EXPECT_EQ(csv[1][0], "small");
  EXPECT_EQ(csv[1][column("decoder.hidden-size")], "32");
  EXPECT_EQ(csv[1][column("test CIDEr")], "");  // never scored on test
  EXPECT_EQ(csv[2][0], "wide");
  EXPECT_EQ(csv[2][column("decoder.hidden-size")], "48");
  EXPECT_EQ(csv[2][column("val CIDEr")], cell(best_val));
  EXPECT_EQ(csv[2][column("test CIDEr")], cell(test));
  std::ifstream markdown(out.string() + ".md");
  std::string first;
  std::getline(markdown, first);
  EXPECT_EQ(first.rfind("| run | decoder.hidden-size |", 0), 0u) << first;

  const auto not_a_run = run_command(kCaptioner + " compare --runs " + quoted(root_.string()) + " --out " +
                                     quoted((root_ / "none").string()));
  EXPECT_EQ(not_a_run.exit_code, 1) << not_a_run.output;
  EXPECT_NE(not_a_run.output.find("none of the --runs directories is a run"), std::string::npos) << not_a_run.output;
  EXPECT_FALSE(fs::exists(root_ / "none.md"));
}

}  // namespace
