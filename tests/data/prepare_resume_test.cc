// `captioner prepare` killed midway (SIGKILL, no chance to clean up) and rerun ends with
// the same bytes, file for file, as a run that was never interrupted.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/data/prepare_fixtures.h"
#include "tests/support/sentencepiece_skip.h"

extern char** environ;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Enough images that the store flushes a few chunks (1,024 images each) before it ends.
constexpr int kImages = 5000;

std::vector<std::string> prepare_arguments(const fs::path& dir, const fs::path& out) {
  return {CAPTIONER_PATH, "prepare", "--karpathy", (dir / "dataset.json").string(), "--images", (dir / "images").string(),
          "--out", out.string(), "--image-size", "16", "--tokenizer.vocab-size", "24", "--threads", "1"};
}

std::string command_line(const std::vector<std::string>& arguments) {
  std::string line;
  for (const auto& argument : arguments) line += captioner::test::quoted(argument) + " ";
  return line;
}

TEST(PrepareResume, KilledMidwayThenRerunEndsByteIdenticalToAnUninterruptedRun) {
  SKIP_UNDER_ASAN();
  const fs::path dir = captioner::test::fresh_temp_dir();
  json images = json::array();
  const char* colours[] = {"red", "green", "blue", "yellow", "white"};
  const char* shapes[] = {"circle", "square", "star", "cross"};
  for (int id = 1; id <= kImages; ++id) {
    captioner::test::write_jpeg(dir / "images" / (std::to_string(id) + ".jpg"), id, 40, 30);
    json sentences = json::array();
    for (int k = 0; k < 2; ++k) {
      sentences.push_back({{"raw", std::string("A ") + colours[(id + k) % 5] + " " + shapes[(id / 5 + k) % 4] +
                                       " next to a " + colours[(id / 3) % 5] + " one."}});
    }
    images.push_back({{"filename", std::to_string(id) + ".jpg"}, {"cocoid", id},
                      {"split", id % 10 == 0 ? "val" : id % 10 == 1 ? "test" : "train"}, {"sentences", sentences}});
  }
  captioner::test::write_text(dir / "dataset.json", json({{"images", images}}).dump());

  const auto whole = captioner::test::run_command(command_line(prepare_arguments(dir, dir / "whole")));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  // The interrupted run: killed as soon as the image store has flushed its first chunk.
  const fs::path out = dir / "interrupted";
  const auto arguments = prepare_arguments(dir, out);
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, (dir / "killed.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, CAPTIONER_PATH, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  bool killed = false;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(out / "images.journal.json")) {
      killed = kill(pid, SIGKILL) == 0;
      break;
    }
    if (waitpid(pid, &status, WNOHANG) == pid) break;  // ended on its own: too fast to interrupt
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!killed) kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ASSERT_TRUE(killed && WIFSIGNALED(status)) << "prepare was not interrupted midway: "
                                             << captioner::test::read_text(dir / "killed.log");
  EXPECT_FALSE(fs::exists(out / "manifest.json"));
  EXPECT_TRUE(fs::exists(out / "images.u8.partial"));

  const auto rerun = captioner::test::run_command(command_line(arguments));
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("continued an interrupted build"), std::string::npos) << rerun.output;

  const auto expected = captioner::test::files_of(dir / "whole");
  const auto resumed = captioner::test::files_of(out);
  std::vector<std::string> expected_names, resumed_names;
  for (const auto& entry : expected) expected_names.push_back(entry.first);
  for (const auto& entry : resumed) resumed_names.push_back(entry.first);
  EXPECT_EQ(expected_names, (std::vector<std::string>{"captions.jsonl", "images.json", "images.u8", "manifest.json",
                                                      "references_test.json", "references_val.json", "spm.model",
                                                      "spm.vocab"}));
  ASSERT_EQ(resumed_names, expected_names);  // nothing left over from the interruption
  for (const auto& [name, bytes] : expected) {
    ASSERT_TRUE(resumed.count(name)) << name;
    EXPECT_TRUE(resumed.at(name) == bytes) << name << " differs after the interrupted run";
  }
  fs::remove_all(dir);
}

}  // namespace
