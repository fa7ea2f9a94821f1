// Data-parallel training on 127.0.0.1: two ranks (scripts/launch-local.sh) keep identical
// parameters after every step, equal to float tolerance to one process trained on the same
// global batch; a rank that dies or hangs makes the other stop with a one-line error.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "tests/support/command.h"

namespace fs = std::filesystem;
using captioner::test::quoted;
using captioner::test::run_command;

namespace {

const std::string kCaptioner = CAPTIONER_PATH;
const fs::path kLauncher = fs::path(TEST_FIXTURES_DIR).parent_path().parent_path() / "scripts/launch-local.sh";

class DistributedTraining : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::path(::testing::TempDir()) / ("captioner_distributed_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    auto synth = run_command(kCaptioner + " synth --out " + quoted((root_ / "shapes").string()) +
                             " --count 60 --val-count 10 --test-count 10 --image-size 32");
    ASSERT_EQ(synth.exit_code, 0) << synth.output;
    auto prepare = run_command(kCaptioner + " prepare --karpathy " + quoted((root_ / "shapes/dataset_shapes.json").string()) +
                               " --images " + quoted((root_ / "shapes/images").string()) + " --out " +
                               quoted((root_ / "prep").string()) +
                               " --image-size 32 --tokenizer.model-type word --tokenizer.adjust-vocab-size");
    ASSERT_EQ(prepare.exit_code, 0) << prepare.output;
    // No dropout and no batch norm: then two ranks on halves of a batch compute what one
    // process computes on all of it. Flips are a function of the example, the same anywhere.
    // The bag-of-words loss checks that both loss terms are weighted right.
    std::ofstream(root_ / "tiny.ini") << "[data]\ndir = " << (root_ / "prep").string()
                                      << "\n[encoder]\nspec = conv3x8p1 relu pool2 conv3x16p1 relu pool2 fc32\n"
                                      << "image-size = 32\n[decoder]\nembedding-size = 16\nhidden-size = 32\ndropout = 0\n"
                                      << "[train]\nepochs = 1\nbatch-size = 16\nwarmup-steps = 2\nlog-every = 1\n"
                                      << "workers = 1\npatience = 0\nbow-loss = 0.5\neval-images = 4\n"
                                      << "[decode]\nstrategy = greedy\nmax-length = 12\n"
                                      << "[run]\ndir = " << (root_ / "runs").string() << "\n";
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  static std::string train(const std::string& extra) {
    return kCaptioner + " train --threads 1 --config " + quoted((root_ / "tiny.ini").string()) + " " + extra;
  }

  // The parameter trace of one rank: step -> sha256 of the parameters.
  static std::map<int, std::string> hashes(const fs::path& file) {
    std::map<int, std::string> out;
    std::ifstream in(file);
    int step;
    std::string hash;
    while (in >> step >> hash) out[step] = hash;
    return out;
  }

  static torch::Tensor parameters(const fs::path& trace, int rank, int step) {
    torch::Tensor flat;
    torch::load(flat, (trace / ("rank" + std::to_string(rank) + "-step" + std::to_string(step) + ".pt")).string());
    return flat;
  }

  static std::vector<double> losses(const fs::path& log) {
    std::vector<double> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      const auto entry = nlohmann::json::parse(line);
      if (entry["type"] == "train") out.push_back(entry["loss"].get<double>());
    }
    return out;
  }

  static pid_t spawn(const std::string& command_line) {
    const pid_t child = fork();
    if (child == 0) {
      // env: so that the command line may start with variable assignments.
      execl("/bin/sh", "sh", "-c", ("exec env " + command_line).c_str(), nullptr);
      _exit(127);
    }
    return child;
  }

  // The exit code of `child` if it exits within `limit`, else -2 (and it is killed).
  static int exit_code_within(pid_t child, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(child, &status, WNOHANG) == child) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    return -2;
  }

  static std::string read_text(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static int free_port() {
    const auto found = run_command(
        "python3 -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'");
    return std::stoi(found.output);
  }

  static fs::path root_;
};
fs::path DistributedTraining::root_;

TEST_F(DistributedTraining, TwoRanksStayIdenticalAndMatchOneProcessOnTheGlobalBatch) {
  const fs::path single_trace = root_ / "trace-single", ddp_trace = root_ / "trace-ddp";
  const auto single = run_command("CAPTIONER_TRACE_PARAMETERS=" + quoted(single_trace.string()) + " " +
                                  train("--run.name single"));
  ASSERT_EQ(single.exit_code, 0) << single.output;
  // A small bucket size: the gradients go in several buckets, started during backward.
  const auto ddp = run_command("CAPTIONER_TRACE_PARAMETERS=" + quoted(ddp_trace.string()) + " " + kLauncher.string() +
                               " 2 -- " + train("--run.name ddp --dist-bucket-kib 8 --dist-timeout 60"));
  ASSERT_EQ(ddp.exit_code, 0) << ddp.output;
  // Gradients reduced in several buckets, most of them started while backward still ran.
  int buckets = 0, overlapped = 0;
  const auto said = ddp.output.find("data-parallel over 2 processes: ");
  ASSERT_NE(said, std::string::npos) << ddp.output;
  ASSERT_EQ(std::sscanf(ddp.output.c_str() + said, "data-parallel over 2 processes: %d gradient buckets, %d of them",
                        &buckets, &overlapped), 2);
  EXPECT_GE(buckets, 3);
  EXPECT_GE(overlapped, buckets - 1);

  const auto single_steps = hashes(single_trace / "rank0.txt");
  const auto rank0 = hashes(ddp_trace / "rank0.txt"), rank1 = hashes(ddp_trace / "rank1.txt");
  ASSERT_GE(single_steps.size(), 5u) << "too few steps to show anything";
  ASSERT_EQ(rank0.size(), single_steps.size()) << "the global batch is train.batch-size: as many steps as one process";
  // Bit for bit the same parameters on both ranks after every step.
  EXPECT_EQ(rank0, rank1);

  const auto first = parameters(single_trace, 0, 1);
  const auto last = parameters(single_trace, 0, static_cast<int>(single_steps.size()));
  const double moved = (last - first).abs().max().item<double>();
  EXPECT_GT(moved, 1e-3) << "training changed the parameters";
  double worst = 0.0;
  for (const auto& [step, hash] : single_steps) {
    const auto expected = parameters(single_trace, 0, step), actual = parameters(ddp_trace, 0, step);
    ASSERT_EQ(expected.sizes(), actual.sizes());
    const double difference = (expected - actual).abs().max().item<double>();
    worst = std::max(worst, difference);
    EXPECT_LT(difference, 1e-4) << "step " << step;
  }
  EXPECT_LT(worst, moved * 1e-2);
  std::ostringstream measured;
  measured << std::scientific << worst << " (largest parameter change " << moved << ")";
  RecordProperty("max_difference_from_one_process", measured.str());

  // The loss logged by rank 0 is the whole batch's, as the one process's.
  const auto single_losses = losses(root_ / "runs/single/log.jsonl");
  const auto ddp_losses = losses(root_ / "runs/ddp/log.jsonl");
  ASSERT_EQ(single_losses.size(), ddp_losses.size());
  for (std::size_t i = 0; i < single_losses.size(); ++i) EXPECT_NEAR(single_losses[i], ddp_losses[i], 1e-4) << i;

  // Rank 0 alone wrote the run (and evaluated it); rank 1 said nothing but the launcher's start.
  EXPECT_TRUE(fs::exists(root_ / "runs/ddp/checkpoints/last.pt"));
  EXPECT_TRUE(fs::exists(root_ / "runs/ddp/checkpoints/best.pt"));
  EXPECT_EQ(ddp.output.find("val @ step"), ddp.output.rfind("val @ step")) << ddp.output;

  // Resuming a finished data-parallel run: every rank loads it and stops.
  const auto again = run_command(kLauncher.string() + " 2 -- " + train("--run.name ddp --dist-timeout 60"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("is complete"), std::string::npos) << again.output;
}

TEST_F(DistributedTraining, AKilledRunResumesOnAllRanksAsIfItHadNeverStopped) {
  const std::string settings = " --train.eval-every 3 --dist-timeout 60";
  const fs::path straight_trace = root_ / "trace-straight", killed_trace = root_ / "trace-killed";
  const auto straight = run_command("CAPTIONER_TRACE_PARAMETERS=" + quoted(straight_trace.string()) + " " +
                                    kLauncher.string() + " 2 -- " + train("--run.name straight" + settings));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  // The launcher, stopped (SIGTERM: it stops its ranks) once a mid-run checkpoint exists.
  const std::string killed_command = "CAPTIONER_TRACE_PARAMETERS=" + quoted(killed_trace.string()) + " " +
                                     kLauncher.string() + " 2 -- " + train("--run.name killed" + settings);
  const pid_t launcher = spawn(killed_command + " >/dev/null 2>&1");
  const fs::path sidecar = root_ / "runs/killed/checkpoints/last.pt.json";
  bool midway = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!midway && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(sidecar);
    const auto state = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
    midway = state.is_object() && state.value("step", 0) >= 6 && !state.value("finished", true);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(launcher, SIGTERM);
  exit_code_within(launcher, std::chrono::seconds(30));
  ASSERT_TRUE(midway) << "no mid-run checkpoint to resume from";

  const auto resumed = run_command(killed_command);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming"), std::string::npos) << resumed.output;
  // Every step's parameters, as the resumed run last wrote them, are the straight run's.
  const auto expected = hashes(straight_trace / "rank0.txt");
  EXPECT_EQ(hashes(killed_trace / "rank0.txt"), expected);
  EXPECT_EQ(hashes(killed_trace / "rank1.txt"), expected);
}

TEST_F(DistributedTraining, ARankThatDiesMakesTheOtherStopWithAClearError) {
  const fs::path trace = root_ / "trace-dies";
  const std::string environment = "CAPTIONER_TRACE_PARAMETERS=" + quoted(trace.string()) +
                                  " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port());
  const std::string command = train("--run.name dies --train.epochs 50 --dist-timeout 120");
  const pid_t rank0 = spawn(environment + " RANK=0 " + command + " >" + quoted((root_ / "dies0.txt").string()) + " 2>&1");
  const pid_t rank1 = spawn(environment + " RANK=1 " + command + " >/dev/null 2>&1");
  // Killed once training is under way.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (hashes(trace / "rank1.txt").size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(rank1, SIGKILL);
  waitpid(rank1, nullptr, 0);
  ASSERT_GE(hashes(trace / "rank1.txt").size(), 3u) << read_text(root_ / "dies0.txt");
  // Noticed at once (the socket breaks), far sooner than --dist-timeout.
  EXPECT_EQ(exit_code_within(rank0, std::chrono::seconds(30)), 1);
  const auto output = read_text(root_ / "dies0.txt");
  EXPECT_NE(output.find("captioner train: distributed training: rank 0 of 2: lost contact with another rank"),
            std::string::npos)
      << output;
}

TEST_F(DistributedTraining, ARankThatHangsMakesTheOtherStopAfterTheTimeout) {
  const fs::path trace = root_ / "trace-hangs";
  const std::string environment = "CAPTIONER_TRACE_PARAMETERS=" + quoted(trace.string()) +
                                  " WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_port());
  const std::string command = train("--run.name hangs --train.epochs 50 --dist-timeout 3");
  const pid_t rank0 = spawn(environment + " RANK=0 " + command + " >" + quoted((root_ / "hangs0.txt").string()) + " 2>&1");
  const pid_t rank1 = spawn(environment + " RANK=1 " + command + " >/dev/null 2>&1");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (hashes(trace / "rank1.txt").size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(rank1, SIGSTOP);  // alive, its sockets open, but silent
  const int code = exit_code_within(rank0, std::chrono::seconds(60));
  kill(rank1, SIGKILL);
  waitpid(rank1, nullptr, 0);
  EXPECT_EQ(code, 1);
  const auto output = read_text(root_ / "hangs0.txt");
  EXPECT_NE(output.find("captioner train: distributed training: rank 0 of 2: no answer from the other ranks in time"),
            std::string::npos)
      << output;
}

TEST_F(DistributedTraining, TheLauncherStopsTheOthersWhenARankFails) {
  // Rank 1 fails at once; rank 0 would wait for it at the rendezvous for 10 minutes.
  const auto start = std::chrono::steady_clock::now();
  const auto result = run_command(kLauncher.string() + " 2 -- sh -c " +
                                  quoted("[ \"$RANK\" = 1 ] && exit 3; exec " +
                                         train("--run.name launcher --dist-timeout 600")));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_NE(result.output.find("rank 1 exited with code 3; stopping the others"), std::string::npos) << result.output;
  EXPECT_LT(seconds, 60.0);
}

TEST_F(DistributedTraining, BadEnvironmentsAndDevicesAreOneLineErrors) {
  auto result = run_command("WORLD_SIZE=2 RANK=0 MASTER_PORT=1234 " + train("--run.name env"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("WORLD_SIZE is set but MASTER_ADDR (rank 0's host) is not"), std::string::npos)
      << result.output;
  result = run_command("WORLD_SIZE=2 RANK=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=1234 " + train("--run.name env"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("RANK=2 is not an integer from 0 to 1"), std::string::npos) << result.output;
  result = run_command("WORLD_SIZE=32 RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=1234 " + train("--run.name env"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("train.batch-size 16 is smaller than WORLD_SIZE 32"), std::string::npos)
      << result.output;
  if (!torch::cuda::is_available()) {
    result = run_command(train("--run.name cuda --device cuda"));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.output.find("--device cuda: this LibTorch has no CUDA"), std::string::npos) << result.output;
  }
}

}  // namespace
