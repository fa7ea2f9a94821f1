#pragma once
// Checkpoints: model, optimizer, the training state (position, schedule, best score, data
// order) and the RNG, in ONE file written atomically, so that a run killed at any moment
// resumes from its last checkpoint exactly as if it had never stopped. A JSON sidecar
// beside it (<file>.json) says what it holds for people and tools; the .pt is the truth.

#include <filesystem>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace captioner::train {

// Everything besides weights and optimizer moments that a resumed run needs, as JSON
// (epoch, step, batch within the epoch, learning rate, best score, patience, hashes ...).
using TrainingState = nlohmann::json;

void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const torch::optim::Optimizer* optimizer, const TrainingState& state);

// Loads the weights into `model` (and the moments into `optimizer` when given); restores
// LibTorch's default CPU generator. Returns the training state. InputError naming the
// file when it is missing, not a checkpoint, or does not fit the model.
TrainingState load_checkpoint(const std::filesystem::path& file, torch::nn::Module& model,
                              torch::optim::Optimizer* optimizer, bool restore_rng = true);

// The training state alone (for tools that only read a run: caption, report).
TrainingState read_checkpoint_state(const std::filesystem::path& file);

}  // namespace captioner::train
