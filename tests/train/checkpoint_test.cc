// Reading a checkpoint's training state (read_checkpoint_state): what is refused.
#include "train/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "util/error.h"

namespace fs = std::filesystem;

namespace {

// A file laid out as save_checkpoint writes one, with `state` as the state's text.
fs::path checkpoint_with_state(const std::string& name, const std::string& state) {
  const fs::path file = fs::temp_directory_path() / ("captioner_checkpoint_test_" + name + ".pt");
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string("captioner-checkpoint-1")));
  archive.write("state", c10::IValue(state));
  archive.save_to(file.string());
  return file;
}

std::string error_of(const fs::path& file) {
  try {
    captioner::train::read_checkpoint_state(file);
  } catch (const captioner::InputError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(CheckpointState, IsReadBack) {
  const fs::path file = checkpoint_with_state("good", R"({"epoch": 2, "step": 40})");
  EXPECT_EQ(captioner::train::read_checkpoint_state(file).value("step", 0), 40);
  fs::remove(file);
}

// Found by the checkpoint_state fuzzer: a state that is JSON but not an object ("[1]", "7")
// came back as it was, and the commands that read fields from it (caption, train --resume)
// failed with an internal error instead of naming the file.
TEST(CheckpointState, StateThatIsNotAnObjectIsNotACheckpoint) {
  for (const std::string state : {"[1]", "9223372036854775808", "\"text\"", "null"}) {
    const fs::path file = checkpoint_with_state("not_object", state);
    EXPECT_EQ(error_of(file), file.string() + ": not a captioner checkpoint") << state;
    fs::remove(file);
  }
}

TEST(CheckpointState, OtherFilesAreNotCheckpoints) {
  const fs::path file = fs::temp_directory_path() / "captioner_checkpoint_test_text.pt";
  std::ofstream(file) << "not a zip archive";
  EXPECT_EQ(error_of(file), file.string() + ": not a captioner checkpoint");
  fs::remove(file);
}

}  // namespace
