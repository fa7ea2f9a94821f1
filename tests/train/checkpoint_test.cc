// Reading a checkpoint's training state (read_checkpoint_state): what is refused.
#include "train/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

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

// A field its readers look up, with another JSON type (a hand-edited state): one line naming
// the file and the field, not an internal error in the command that reads it.
TEST(CheckpointState, FieldsOfTheWrongTypeAreErrorsNamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"epoch": "2", "step": 40})", "the training state's 'epoch' is not a non-negative integer"},
      {R"({"epoch": 2, "step": -1})", "the training state's 'step' is not a non-negative integer"},
      {R"({"step": 4, "batch": 1.5})", "the training state's 'batch' is not a non-negative integer"},
      {R"({"best_score": "high"})", "the training state's 'best_score' is not a number or null"},
      {R"({"finished": 1})", "the training state's 'finished' is not true or false"},
      {R"({"tokenizer_sha256": 7})", "the training state's 'tokenizer_sha256' is not a string"},
      {R"({"scores": [1]})", "the training state's 'scores' is not a JSON object"},
  };
  for (const auto& [state, problem] : cases) {
    const fs::path file = checkpoint_with_state("wrong_type", state);
    EXPECT_EQ(error_of(file), file.string() + ": " + problem) << state;
    fs::remove(file);
  }
  // Before the first evaluation the best score is null (JSON has no -inf).
  const fs::path file = checkpoint_with_state("null_best", R"({"step": 3, "best_score": null, "finished": false})");
  EXPECT_EQ(error_of(file), "(no error)");
  fs::remove(file);
}

TEST(CheckpointState, OtherFilesAreNotCheckpoints) {
  const fs::path file = fs::temp_directory_path() / "captioner_checkpoint_test_text.pt";
  std::ofstream(file) << "not a zip archive";
  EXPECT_EQ(error_of(file), file.string() + ": not a captioner checkpoint");
  fs::remove(file);
}

}  // namespace

// LibTorch 1.13 reads checkpoints with its zip reader's CRC-32 checks compiled out, and some
// damaged files crashed it (a SEGV in its unpickler, found by the fuzzer): every entry is
// checked before LibTorch sees the file. A byte changed anywhere is either refused with one
// line naming the file, or lies where it changes nothing (a header's date, the padding
// LibTorch puts in the extra fields) and the state reads back as it was.
TEST(CheckpointState, DamagedFilesAreErrorsBeforeLibTorchReadsThem) {
  const fs::path good = checkpoint_with_state("whole", R"({"epoch": 2, "step": 40})");
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 200u);
  const fs::path damaged = fs::temp_directory_path() / "captioner_checkpoint_test_damaged.pt";
  int refused = 0, cases = 0;
  for (std::size_t at = 4; at < bytes.size(); at += 7) {  // every part: headers, pickles, tensors, directory
    std::string changed = bytes;
    changed[at] = static_cast<char>(changed[at] ^ 0x5A);
    std::ofstream(damaged, std::ios::binary) << changed;
    const std::string error = error_of(damaged);
    ++cases;
    if (error == "(no error)") {
      EXPECT_EQ(captioner::train::read_checkpoint_state(damaged).value("step", 0), 40) << "byte " << at;
    } else {
      EXPECT_EQ(error.rfind(damaged.string() + ": ", 0), 0u) << error;
      EXPECT_EQ(error.find('\n'), std::string::npos) << error;
      ++refused;
    }
  }
  EXPECT_GT(refused, cases / 3);  // 104 of 228 here: the rest fall in dates, versions, alignment padding
  std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() - 30);
  EXPECT_NE(error_of(damaged).find("damaged checkpoint: no zip end-of-central-directory record"), std::string::npos);
  std::string payload = bytes;  // the state's text is stored as it is, inside the pickle
  const auto state_text = payload.find("\"step\": 40");
  ASSERT_NE(state_text, std::string::npos);
  payload[state_text + 9] = '7';
  std::ofstream(damaged, std::ios::binary) << payload;
  EXPECT_NE(error_of(damaged).find("fails its CRC-32 check"), std::string::npos) << error_of(damaged);
  fs::remove(good);
  fs::remove(damaged);
}
