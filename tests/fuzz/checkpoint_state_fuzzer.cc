// The checkpoint's state reader (train/checkpoint: read_checkpoint_state, what `captioner
// caption` and a resumed `train` read first; the JSON sidecar beside a checkpoint is a copy
// of this state for people and tools, read by no code). The input is the state's JSON text,
// put into an otherwise valid checkpoint as save_checkpoint writes one. The state must come
// back as a JSON object: its readers look fields up by name.
//
// The checkpoint file's own bytes are not fuzzed here: they are LibTorch's TorchScript zip
// archive, read by prebuilt LibTorch 1.13, which crashes on some corrupt archives (a SEGV in
// ScriptTypeParser::parseClassConstant after a few seconds of fuzzing): not code of ours,
// so a target for it could only ever fail. See README.md.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <torch/torch.h>

#include "tests/fuzz/fuzz_support.h"
#include "train/checkpoint.h"
#include "util/error.h"

namespace fuzz = captioner::fuzz;

namespace {

// A checkpoint as save_checkpoint lays one out, with `state` as the state's text.
std::string checkpoint_with_state(const std::string& state) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string("captioner-checkpoint-1")));
  archive.write("state", c10::IValue(state));
  std::ostringstream bytes;
  archive.save_to(bytes);
  return bytes.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = fuzz::write_scratch_file("last.pt", checkpoint_with_state(std::string(fuzz::as_text(data, size))));
  try {
    const auto state = captioner::train::read_checkpoint_state(path);
    FUZZ_CHECK(state.is_object());
  } catch (const captioner::InputError&) {
  }
  return 0;
}
