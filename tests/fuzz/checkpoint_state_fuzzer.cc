// The checkpoint's state reader (train/checkpoint: read_checkpoint_state, what `captioner
// caption` and a resumed `train` read first; the JSON sidecar beside a checkpoint is a copy
// of this state for people and tools). Two kinds of input, by the first byte:
//   even: the rest is the state's JSON text, put into an otherwise valid checkpoint;
//   odd:  the rest is the checkpoint file itself (LibTorch's zip archive: LibTorch's
//         reader is prebuilt, so the fuzzer sees no coverage inside it).
// The state must come back as a JSON object: its readers look fields up by name.

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

// A checkpoint as save_checkpoint writes it, with `state` as the state's text.
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
  if (size == 0) return 0;
  const std::string rest(fuzz::as_text(data + 1, size - 1));
  const auto path = fuzz::write_scratch_file("last.pt", data[0] % 2 == 0 ? checkpoint_with_state(rest) : rest);
  try {
    const auto state = captioner::train::read_checkpoint_state(path);
    FUZZ_CHECK(state.is_object());
  } catch (const captioner::InputError&) {
  }
  return 0;
}
