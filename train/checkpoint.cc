#include "train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>
#include <system_error>

#include "util/error.h"
#include "util/file.h"
#include "util/zip_check.h"

namespace captioner::train {
namespace {

constexpr const char* kFormat = "captioner-checkpoint-1";

void write_module(const torch::nn::Module& model, torch::serialize::OutputArchive& archive) {
  for (const auto& parameter : model.named_parameters(/*recurse=*/true)) archive.write(parameter.key(), parameter.value());
  for (const auto& buffer : model.named_buffers(/*recurse=*/true)) archive.write(buffer.key(), buffer.value(), /*is_buffer=*/true);
}

void read_module(torch::nn::Module& model, torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : model.named_parameters(true)) {
    torch::Tensor stored;
    archive.read(parameter.key(), stored);
    if (stored.sizes() != parameter.value().sizes()) {
      throw std::runtime_error("parameter " + parameter.key() + " has shape " + c10::str(stored.sizes()) +
                               " in the checkpoint but " + c10::str(parameter.value().sizes()) + " in the model");
    }
    parameter.value().copy_(stored);
  }
  for (auto& buffer : model.named_buffers(true)) {
    torch::Tensor stored;
    archive.read(buffer.key(), stored, /*is_buffer=*/true);
    buffer.value().copy_(stored);
  }
}

// The state's fields that its readers look up, with their JSON types: a hand-edited or
// foreign state with another type is refused here, naming the file, instead of failing
// later inside a reader.
void check_state_fields(const TrainingState& state, const std::filesystem::path& file) {
  using Json = nlohmann::json;
  struct Field {
    const char* name;
    bool (*fits)(const Json&);
    const char* kind;
  };
  static const Field kFields[] = {
      {"epoch", [](const Json& v) { return v.is_number_unsigned(); }, "a non-negative integer"},
      {"batch", [](const Json& v) { return v.is_number_unsigned(); }, "a non-negative integer"},
      {"step", [](const Json& v) { return v.is_number_unsigned(); }, "a non-negative integer"},
      {"best_step", [](const Json& v) { return v.is_number_integer(); }, "an integer"},
      {"evaluated_step", [](const Json& v) { return v.is_number_integer(); }, "an integer"},
      {"evaluations_since_best", [](const Json& v) { return v.is_number_unsigned(); }, "a non-negative integer"},
      {"best_score", [](const Json& v) { return v.is_number() || v.is_null(); }, "a number or null"},
      {"finished", [](const Json& v) { return v.is_boolean(); }, "true or false"},
      {"metric", [](const Json& v) { return v.is_string(); }, "a string"},
      {"config_sha256", [](const Json& v) { return v.is_string(); }, "a string"},
      {"tokenizer_sha256", [](const Json& v) { return v.is_string(); }, "a string"},
      {"dataset", [](const Json& v) { return v.is_string(); }, "a string"},
      {"scores", [](const Json& v) { return v.is_object(); }, "a JSON object"},
  };
  for (const auto& field : kFields) {
    const auto found = state.find(field.name);
    if (found != state.end() && !field.fits(*found)) {
      throw file_error(file.string(), std::string("the training state's '") + field.name + "' is not " + field.kind);
    }
  }
}

torch::serialize::InputArchive open_checkpoint(const std::filesystem::path& file, TrainingState& state) {
  if (!std::filesystem::exists(file)) throw file_error(file.string(), "no such checkpoint");
  // LibTorch reads the archive without its CRC-32s and may crash on damaged bytes.
  const std::string bytes = read_file(file);
  if (bytes.rfind("PK\x03\x04", 0) != 0) throw file_error(file.string(), "not a captioner checkpoint");
  if (const std::string problem = zip_archive_problem(bytes); !problem.empty()) {
    throw file_error(file.string(), "damaged checkpoint: " + problem);
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(file.string());
    c10::IValue format, stored_state;
    archive.read("format", format);
    if (!format.isString() || format.toStringRef() != kFormat) throw std::runtime_error("unknown format");
    archive.read("state", stored_state);
    state = nlohmann::json::parse(stored_state.toStringRef());
    if (!state.is_object()) throw std::runtime_error("the state is not a JSON object");  // its readers look fields up
  } catch (const std::exception&) {
    throw file_error(file.string(), "not a captioner checkpoint");
  }
  check_state_fields(state, file);
  return archive;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const torch::optim::Optimizer* optimizer, const TrainingState& state) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("state", c10::IValue(state.dump()));
  torch::serialize::OutputArchive weights;
  write_module(model, weights);
  archive.write("model", weights);
  if (optimizer) {
    torch::serialize::OutputArchive moments;
    optimizer->save(moments);
    archive.write("optimizer", moments);
  }
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("rng", generator.get_state());
  }

  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  if (error) throw file_error(file.parent_path().string(), "cannot create the folder: " + error.message());
  try {
    // The zip writer hands its bytes to the sink, which never throws into it: a full disk
    // is reported by write_file_atomically once the archive is done.
    write_file_atomically(file, [&](const ByteSink& write) {
      archive.save_to([&](const void* data, std::size_t size) {
        write(data, size);
        return size;
      });
    });
  } catch (const c10::Error& failure) {
    throw file_error(file.string(), std::string("cannot write the checkpoint: ") + failure.what_without_backtrace());
  }
  nlohmann::json sidecar = state;
  sidecar["checkpoint"] = file.filename().string();
  write_file_atomically(file.string() + ".json", sidecar.dump(2) + "\n");
}

TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                              torch::optim::Optimizer* optimizer, bool restore_rng) {
  TrainingState state;
  auto archive = open_checkpoint(file, state);
  try {
    torch::serialize::InputArchive weights;
    archive.read("model", weights);
    read_module(model, weights);
    if (optimizer) {
      torch::serialize::InputArchive moments;
      archive.read("optimizer", moments);
      optimizer->load(moments);
    }
    if (restore_rng) {
      torch::Tensor rng;
      archive.read("rng", rng);
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(rng);
    }
  } catch (const c10::Error& error) {
    throw file_error(file.string(), "does not fit this model (" + error.msg() + ")");
  } catch (const std::runtime_error& error) {
    throw file_error(file.string(), std::string("does not fit this model (") + error.what() + ")");
  }
  return state;
}

TrainingState read_checkpoint_state(const std::filesystem::path& file) {
  TrainingState state;
  open_checkpoint(file, state);
  return state;
}

}  // namespace captioner::train
