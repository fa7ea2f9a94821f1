#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>

#include "data/batch_loader.h"
#include "data/prepared_dataset.h"
#include "data/sentencepiece.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/run_log.h"
#include "train/schedule.h"
#include "util/error.h"
#include "util/file.h"
#include "util/progress.h"
#include "util/sha256.h"

namespace fs = std::filesystem;

namespace captioner::train {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<data::CaptionExample> training_examples(const data::PreparedDataset& dataset) {
  std::vector<data::CaptionExample> examples;
  for (const auto& image : dataset.images(data::Split::train)) {
    for (const auto& caption : image.captions) examples.push_back({image.store_index, caption.tokens});
  }
  if (examples.empty()) throw file_error(dataset.directory().string(), "the train split has no captions");
  return examples;
}

// A mirrored image keeps its caption true only if left and right swap too.
std::vector<std::pair<int32_t, int32_t>> left_right_pieces(const data::SentencePieceTokenizer& tokenizer) {
  const int left = tokenizer.piece_to_id("\xE2\x96\x81left");    // "▁left"
  const int right = tokenizer.piece_to_id("\xE2\x96\x81right");  // "▁right"
  if (left == data::kUnkId || right == data::kUnkId) return {};
  return {{left, right}};
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& options, CaptionModel& model) {
  if (options.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        model->parameters(),
        torch::optim::SGDOptions(options.learning_rate).momentum(0.9).weight_decay(options.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(
      model->parameters(), torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));
}

class Trainer {
 public:
  Trainer(const TrainingConfig& config, std::ostream& log)
      : config_(config),
        log_(log),
        dataset_(data::PreparedDataset::open(config.dataset)),
        tokenizer_(dataset_.tokenizer_model()),
        run_dir_(fs::path(config.run.dir) / config.run.name) {
    validate(config.train);
    decoder::validate(config.decode);
    if (config.model.encoder.image_size != dataset_.image_size()) {
      throw InputError("encoder.image-size " + std::to_string(config.model.encoder.image_size) +
                       " differs from the dataset's images (" + std::to_string(dataset_.image_size()) + " pixels, " +
                       config.dataset.string() + ")");
    }
    if (tokenizer_.vocab_size() != dataset_.vocab_size()) {
      throw file_error(dataset_.tokenizer_model().string(), "vocabulary size differs from the manifest's");
    }
    validation_ = evaluation_set(dataset_, data::Split::val).first(config.train.eval_images);
    if (validation_.size() == 0) throw file_error(config.dataset.string(), "the val split has no images");
    config_sha256_ = sha256_hex(config.resolved_config);
  }

  fs::path run() {
    torch::manual_seed(config_.train.seed);
    model_ = CaptionModel(config_.model, tokenizer_.vocab_size());
    optimizer_ = make_optimizer(config_.train, model_);
    resume_or_start();
    if (state_.value("finished", false)) {
      log_ << "run " << run_dir_.string() << " is complete (best " << config_.train.metric << " "
           << state_.value("best_score", 0.0) << " at step " << state_.value("best_step", 0) << ")\n";
      return run_dir_;
    }
    data::LoaderOptions loader_options;
    loader_options.batch_size = config_.train.batch_size;
    loader_options.seed = config_.train.seed;
    loader_options.workers = config_.train.workers;
    loader_options.augment = config_.train.augment;
    loader_options.flip_swap_tokens = left_right_pieces(tokenizer_);
    data::BatchLoader loader(dataset_.image_store(), training_examples(dataset_), loader_options);
    loader.seek({state_["epoch"].get<std::uint64_t>(), state_["batch"].get<std::size_t>()});
    total_steps_ = static_cast<std::int64_t>(loader.batches_per_epoch()) * config_.train.epochs;
    RunLog run_log(run_dir_ / "log.jsonl", state_["step"].get<std::int64_t>());
    run_log_ = &run_log;

    model_->train();
    while (state_["epoch"].get<int>() < config_.train.epochs && !state_.value("finished", false)) {
      train_epoch(loader);
    }
    state_["finished"] = true;
    save_checkpoint(run_dir_ / "checkpoints" / "last.pt", *model_, optimizer_.get(), state_);
    log_ << "done: best " << config_.train.metric << " " << std::setprecision(4) << state_.value("best_score", 0.0)
         << " at step " << state_.value("best_step", 0) << "; " << (run_dir_ / "checkpoints" / "best.pt").string()
         << "\n";
    return run_dir_;
  }

 private:
  void resume_or_start() {
    const fs::path last = run_dir_ / "checkpoints" / "last.pt";
    if (fs::exists(last)) {
      if (!config_.run.resume) {
        throw InputError("run " + run_dir_.string() + " exists; resume it (--run.resume true) or choose another --run.name");
      }
      state_ = load_checkpoint(last, *model_, optimizer_.get());
      if (state_.value("config_sha256", "") != config_sha256_) {
        throw file_error((run_dir_ / "config.ini").string(),
                         "the run was trained with another config; resume it with the same config, or start a new "
                         "run (--run.name)");
      }
      if (state_.value("tokenizer_sha256", "") != tokenizer_.model_sha256()) {
        throw file_error(dataset_.tokenizer_model().string(), "not the tokenizer this run was trained with");
      }
      log_ << "resuming " << run_dir_.string() << " at epoch " << state_["epoch"].get<int>() + 1 << ", step "
           << state_["step"].get<std::int64_t>() << "\n";
      return;
    }
    fs::create_directories(run_dir_ / "checkpoints");
    write_file_atomically(run_dir_ / "config.ini", config_.resolved_config);
    state_ = {{"epoch", 0},
              {"batch", 0},
              {"step", 0},
              {"best_score", -std::numeric_limits<double>::infinity()},
              {"best_step", -1},
              {"evaluations_since_best", 0},
              {"metric", config_.train.metric},
              {"config_sha256", config_sha256_},
              {"tokenizer_sha256", tokenizer_.model_sha256()},
              {"dataset", fs::absolute(config_.dataset).string()},
              {"finished", false}};
  }

  void train_epoch(data::BatchLoader& loader) {
    const int epoch = state_["epoch"].get<int>();
    Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config_.train.epochs),
                      loader.batches_per_epoch(), &log_);
    progress.advance(state_["batch"].get<std::size_t>());
    double loss_sum = 0.0;
    std::int64_t loss_count = 0, captions = 0;
    auto window_start = std::chrono::steady_clock::now();
    while (auto batch = loader.next()) {
      std::int64_t step = state_["step"].get<std::int64_t>();
      const double rate = learning_rate_at(config_.train, step, total_steps_);
      for (auto& group : optimizer_->param_groups()) group.options().set_lr(rate);
      // Gradients dropped rather than zeroed: backward then writes them instead of adding to
      // zeros (LibTorch 1.13's C++ zero_grad has no set_to_none).
      for (auto& parameter : model_->parameters()) parameter.mutable_grad().reset();
      auto loss = model_->loss(batch->images, batch->tokens, config_.train.label_smoothing);
      loss.backward();
      if (config_.train.clip_grad_norm > 0) {
        torch::nn::utils::clip_grad_norm_(model_->parameters(), config_.train.clip_grad_norm);
      }
      optimizer_->step();
      const double value = loss.item<double>();
      if (!std::isfinite(value)) {
        throw InputError("the loss became " + std::to_string(value) + " at step " + std::to_string(step) +
                         ": lower train.learning-rate or raise train.clip-grad-norm");
      }
      loss_sum += value;
      ++loss_count;
      captions += batch->tokens.size(0);
      state_["step"] = ++step;
      const auto position = loader.position();
      state_["epoch"] = position.epoch;
      state_["batch"] = position.batch;
      progress.set_detail("loss " + format(value, 3) + ", lr " + format(rate, 2, true));
      progress.advance();
      if (step % config_.train.log_every == 0) {
        run_log_->write({{"type", "train"},
                         {"step", step},
                         {"epoch", epoch + 1},
                         {"loss", loss_sum / loss_count},
                         {"learning_rate", rate},
                         // Each caption with its image: one training example.
                         {"captions_per_second", captions / seconds_since(window_start)}});
        loss_sum = 0.0;
        loss_count = captions = 0;
        window_start = std::chrono::steady_clock::now();
      }
      if (config_.train.eval_every > 0 && step % config_.train.eval_every == 0) {
        evaluate_and_checkpoint();
        if (state_["finished"].get<bool>()) return;
      }
    }
    progress.finish();
    // The epoch is over: the loader stands at the next epoch's first batch.
    state_["epoch"] = epoch + 1;
    state_["batch"] = 0;
    if (config_.train.eval_every == 0) {
      evaluate_and_checkpoint();
    } else {
      save_checkpoint(run_dir_ / "checkpoints" / "last.pt", *model_, optimizer_.get(), state_);
    }
  }

  void evaluate_and_checkpoint() {
    const auto start = std::chrono::steady_clock::now();
    Progress progress("  evaluating on val", validation_.size(), &log_);
    const auto captions = caption_stored_images(model_, dataset_.image_store(), validation_.store_indices, tokenizer_,
                                         config_.decode, config_.train.batch_size, &progress);
    progress.finish();
    model_->train();
    const auto evaluation = score_captions(validation_, captions);
    nlohmann::json entry = {{"type", "eval"},
                            {"step", state_["step"]},
                            {"epoch", state_["epoch"]},
                            {"split", "val"},
                            {"images", validation_.size()}};
    double score = 0.0;
    std::ostringstream line;
    line << "  val @ step " << state_["step"].get<std::int64_t>() << ":";
    for (const auto& [name, value] : corpus_scores(evaluation)) {
      entry["scores"][name] = value;
      line << ' ' << name << ' ' << format(value, 4);
      if (name == config_.train.metric) score = value;
    }
    entry["example"] = {{"image", validation_.keys.front()}, {"caption", captions.front()}};
    entry["seconds"] = seconds_since(start);
    state_["scores"] = entry["scores"];
    if (score > state_["best_score"].get<double>()) {
      state_["best_score"] = score;
      state_["best_step"] = state_["step"];
      state_["evaluations_since_best"] = 0;
      entry["best"] = true;
      save_checkpoint(run_dir_ / "checkpoints" / "best.pt", *model_, nullptr, state_);
      line << " (best)";
    } else {
      state_["evaluations_since_best"] = state_["evaluations_since_best"].get<int>() + 1;
      if (config_.train.patience > 0 && state_["evaluations_since_best"].get<int>() >= config_.train.patience) {
        state_["finished"] = true;
        line << " (no better " << config_.train.metric << " in " << config_.train.patience
             << " evaluations: stopping early)";
      }
    }
    run_log_->write(entry);
    log_ << line.str() << "\n  e.g. " << validation_.keys.front() << ": \"" << captions.front() << "\"\n";
    save_checkpoint(run_dir_ / "checkpoints" / "last.pt", *model_, optimizer_.get(), state_);
  }

  static std::string format(double value, int precision, bool scientific = false) {
    std::ostringstream out;
    if (scientific) out << std::scientific;
    else out << std::fixed;
    out << std::setprecision(precision) << value;
    return out.str();
  }

  const TrainingConfig& config_;
  std::ostream& log_;
  data::PreparedDataset dataset_;
  data::SentencePieceTokenizer tokenizer_;
  fs::path run_dir_;
  EvaluationSet validation_;
  std::string config_sha256_;
  CaptionModel model_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  TrainingState state_;
  std::int64_t total_steps_ = 0;
  RunLog* run_log_ = nullptr;
};

}  // namespace

fs::path train_model(const TrainingConfig& config, std::ostream& log) {
  if (config.run.name.empty()) throw InputError("run.name is empty: name the run (--run.name)");
  return Trainer(config, log).run();
}

}  // namespace captioner::train
