// util/file.h: atomic writes (whole or nothing, no temporary file left, errors naming the
// file), the streaming entry point, stale temporaries, the directory lock.
#include "util/file.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace fs = std::filesystem;
using captioner::ByteSink;
using captioner::InputError;
using captioner::write_file_atomically;

namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("captioner_file_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Names in dir_, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir_)) found.push_back(entry.path().filename().string());
    std::sort(found.begin(), found.end());
    return found;
  }

  fs::path dir_;
};

TEST_F(FileTest, ReplacesTheFileAndLeavesNoTemporary) {
  const fs::path file = dir_ / "scores.json";
  write_file_atomically(file, "old\n");
  write_file_atomically(file, "new\n");
  EXPECT_EQ(captioner::read_file(file), "new\n");
  EXPECT_EQ(names(), std::vector<std::string>{"scores.json"});
}

TEST_F(FileTest, StreamsPiecesThroughTheSink) {
  const fs::path file = dir_ / "pieces.bin";
  write_file_atomically(file, [](const ByteSink& write) {
    for (int i = 0; i < 1000; ++i) write("0123456789", 10);
  });
  EXPECT_EQ(fs::file_size(file), 10000u);
  EXPECT_EQ(names(), std::vector<std::string>{"pieces.bin"});
}

TEST_F(FileTest, AProducerThatThrowsLeavesTheOldFile) {
  const fs::path file = dir_ / "results.json";
  write_file_atomically(file, "old\n");
  EXPECT_THROW(write_file_atomically(file,
                                     [](const ByteSink& write) {
                                       write("half", 4);
                                       throw std::runtime_error("the producer failed");
                                     }),
               std::runtime_error);
  EXPECT_EQ(captioner::read_file(file), "old\n");
  EXPECT_EQ(names(), std::vector<std::string>{"results.json"});
}

TEST_F(FileTest, AFolderInTheWayIsAnErrorNamingIt) {
  fs::create_directories(dir_ / "out.json");
  try {
    write_file_atomically(dir_ / "out.json", "x");
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), (dir_ / "out.json").string() + ": is a directory, not a file");
  }
  EXPECT_EQ(names(), std::vector<std::string>{"out.json"});
}

// A full disk, as a file size limit: the write fails with the file named, the old file is
// kept and the temporary file removed. In a child process (the limit is per process).
TEST_F(FileTest, AFullDiskKeepsTheOldFileAndRemovesTheTemporary) {
  const fs::path file = dir_ / "big.bin";
  write_file_atomically(file, "old\n");
  for (const bool streamed : {false, true}) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      signal(SIGXFSZ, SIG_IGN);  // as on a full disk: an error, not a signal
      const rlimit limit{4096, 4096};
      setrlimit(RLIMIT_FSIZE, &limit);
      const std::string contents(1 << 20, 'x');
      try {
        if (streamed) {
          write_file_atomically(file, [&](const ByteSink& write) {
            for (std::size_t at = 0; at < contents.size(); at += 1000) write(contents.data() + at, 1000);
          });
        } else {
          write_file_atomically(file, contents);
        }
      } catch (const InputError& error) {
        _exit(std::string(error.what()) == file.string() + ": cannot write: File too large" ? 0 : 3);
      }
      _exit(4);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "streamed " << streamed << ": 3 is another message, 4 no error";
    EXPECT_EQ(captioner::read_file(file), "old\n");
    EXPECT_EQ(names(), std::vector<std::string>{"big.bin"});
  }
}

TEST_F(FileTest, TemporaryNamesAreRecognised) {
  EXPECT_TRUE(captioner::is_temporary_path(captioner::temporary_path(dir_ / "a.json")));
  EXPECT_TRUE(captioner::is_temporary_path("last.pt.captioner-tmp-123"));
  EXPECT_FALSE(captioner::is_temporary_path("last.pt"));
  EXPECT_FALSE(captioner::is_temporary_path("a.captioner-tmp-"));
  EXPECT_FALSE(captioner::is_temporary_path("a.captioner-tmp-12x"));
  EXPECT_FALSE(captioner::is_temporary_path(".captioner-tmp-12"));
}

TEST_F(FileTest, StaleTemporariesOfDeadProcessesAreRemoved) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // a process id that is surely not running now
  const std::string dead = "results.json.captioner-tmp-" + std::to_string(child);
  const std::string alive = "scores.json.captioner-tmp-" + std::to_string(::getpid());
  for (const std::string& name : {dead, alive, std::string("results.json"), std::string("notes.tmp.1")}) {
    std::ofstream(dir_ / name) << "x";
  }
  captioner::remove_stale_temporaries(dir_);
  EXPECT_EQ(names(), (std::vector<std::string>{"notes.tmp.1", "results.json", alive}));
  captioner::remove_stale_temporaries(dir_ / "missing");  // no folder: nothing to do
}

TEST_F(FileTest, TheDirectoryLockIsExclusiveAndDiesWithItsProcess) {
  const fs::path run = dir_ / "runs" / "a";
  {
    const captioner::DirectoryLock first(run, "training this run");
    try {
      const captioner::DirectoryLock second(run, "training this run");
      FAIL() << "two locks";
    } catch (const InputError& error) {
      EXPECT_EQ(std::string(error.what()),
                run.string() + ": another process is training this run (it holds .lock); wait for it to end or stop "
                               "it first");
    }
  }
  const captioner::DirectoryLock again(run, "training this run");  // released by the destructor

  // A process killed while holding it leaves no stale lock.
  const fs::path other = dir_ / "runs" / "b";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const captioner::DirectoryLock held(other, "training this run");
    (void)!write(ready[1], "x", 1);
    pause();
    _exit(0);
  }
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  EXPECT_THROW(captioner::DirectoryLock(other, "training this run"), InputError);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(captioner::DirectoryLock(other, "training this run"));
  close(ready[0]);
  close(ready[1]);
}

}  // namespace
