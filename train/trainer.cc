#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>
#include <set>
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

// The captions of a split's images (of those whose store rows are in `only`, when given).
std::vector<data::CaptionExample> caption_examples(const data::PreparedDataset& dataset, data::Split split,
                                                   const std::vector<std::size_t>* only = nullptr) {
  std::set<std::size_t> wanted;
  if (only) wanted.insert(only->begin(), only->end());
  std::vector<data::CaptionExample> examples;
  for (const auto& image : dataset.images(split)) {
    if (only && wanted.count(image.store_index) == 0) continue;
    for (const auto& caption : image.captions) examples.push_back({image.store_index, caption.tokens});
  }
  return examples;
}

std::vector<data::CaptionExample> training_examples(const data::PreparedDataset& dataset) {
  auto examples = caption_examples(dataset, data::Split::train);
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

torch::Device training_device(const std::string& name, int local_rank) {
  if (name == "cpu") return torch::kCPU;
  if (name != "cuda") throw InputError("--device must be cpu or cuda, not '" + name + "'");
  if (!torch::cuda::is_available()) {
    throw InputError("--device cuda: this LibTorch has no CUDA or sees no GPU (build against a CUDA LibTorch with "
                     "cmake -DTorch_DIR=..., see README)");
  }
  // The processes on a machine share its GPUs, one each while there are enough.
  return {torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % static_cast<int>(torch::cuda::device_count()))};
}

// A data-parallel rank's seed for the step's random draws (dropout): different on every
// rank, and a function of the step alone, so that a resumed run draws what it would have.
std::uint64_t step_seed(std::uint64_t seed, int rank, std::int64_t step) {
  std::uint64_t x = seed;
  for (const std::uint64_t part : {static_cast<std::uint64_t>(rank), static_cast<std::uint64_t>(step)}) {
    x ^= part + 0x9E3779B97F4A7C15ull + (x << 6) + (x >> 2);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
  }
  return x;
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
        rank_(config.distributed.environment.rank),
        log_(rank_ == 0 ? log : quiet_),
        dataset_(data::PreparedDataset::open(config.dataset)),
        tokenizer_(dataset_.tokenizer_model()),
        run_dir_(fs::path(config.run.dir) / config.run.name),
        device_(training_device(config.device, config.distributed.environment.local_rank)),
        trace_(rank_) {
    validate(config.train);
    decoder::validate(config.decode);
    const int world_size = config.distributed.environment.world_size;
    if (config.train.batch_size < world_size) {
      throw InputError("train.batch-size " + std::to_string(config.train.batch_size) + " is smaller than WORLD_SIZE " +
                       std::to_string(world_size) + ": the batch size is the global batch, which the ranks share");
    }
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
    validation_captions_ = caption_examples(dataset_, data::Split::val, &validation_.store_indices);
    config_sha256_ = sha256_hex(config.resolved_config);
  }

  fs::path run() {
    torch::manual_seed(config_.train.seed);
    model_ = CaptionModel(config_.model, tokenizer_.vocab_size());
    model_->to(device_);
    optimizer_ = make_optimizer(config_.train, model_);
    // One process writes a run: a second `captioner train` of it (a resume started twice)
    // stops here instead of interleaving checkpoints and log lines. (Of a data-parallel
    // run, rank 0 is that process.)
    std::optional<DirectoryLock> lock;
    if (is_main()) {
      lock.emplace(run_dir_, "training this run");
      remove_stale_temporaries(run_dir_);  // left by a killed run
      remove_stale_temporaries(run_dir_ / "checkpoints");
    }
    if (config_.distributed.environment.distributed()) {
      group_ = std::make_unique<ProcessGroup>(config_.distributed.environment, config_.distributed.timeout);
    }
    resume_or_start();
    if (group_) start_together();
    if (state_.value("finished", false)) {
      log_ << "run " << run_dir_.string() << " is complete (best " << config_.train.metric << " "
           << best_score() << " at step " << state_.value("best_step", 0) << ")\n";
      return run_dir_;
    }
    data::LoaderOptions loader_options;
    loader_options.batch_size = config_.train.batch_size;
    loader_options.seed = config_.train.seed;
    loader_options.workers = config_.train.workers;
    loader_options.augment = config_.train.augment;
    loader_options.flip_swap_tokens = left_right_pieces(tokenizer_);
    if (group_) {
      loader_options.shard_count = group_->size();
      loader_options.shard_index = group_->rank();
      reducer_ = std::make_unique<GradientReducer>(*group_, model_->parameters(), config_.distributed.bucket_bytes);
    }
    data::BatchLoader loader(dataset_.image_store(), training_examples(dataset_), loader_options);
    loader.seek({state_["epoch"].get<std::uint64_t>(), state_["batch"].get<std::size_t>()});
    total_steps_ = static_cast<std::int64_t>(loader.batches_per_epoch()) * config_.train.epochs;
    std::optional<RunLog> run_log;
    if (is_main()) run_log.emplace(run_dir_ / "log.jsonl", state_["step"].get<std::int64_t>());
    run_log_ = run_log ? &*run_log : nullptr;

    model_->train();
    while (state_["epoch"].get<int>() < config_.train.epochs && !state_.value("finished", false)) {
      train_epoch(loader);
    }
    // A run whose last step fell between evaluations (eval-every N) ends with one, so that
    // its final weights are scored and best.pt exists.
    if (state_.value("evaluated_step", std::int64_t{-1}) != state_["step"].get<std::int64_t>()) {
      evaluate_and_checkpoint();
    }
    state_["finished"] = true;
    if (is_main()) save_checkpoint(run_dir_ / "checkpoints" / "last.pt", *model_, optimizer_.get(), state_);
    // The others wait for rank 0's last checkpoint: the run ends when it is written.
    if (group_) group_->barrier();
    log_ << "done: best " << config_.train.metric << " " << std::setprecision(4) << best_score()
         << " at step " << state_.value("best_step", 0) << "; " << (run_dir_ / "checkpoints" / "best.pt").string()
         << "\n";
    return run_dir_;
  }

 private:
  bool is_main() const { return rank_ == 0; }

  // The ranks start from the same state: the same checkpoint (or none), and rank 0's
  // weights (the same seed already made the same ones; this makes sure).
  void start_together() {
    const auto step = state_["step"].get<std::int64_t>();
    const auto main_step = group_->broadcast(step);
    const double disagreeing = group_->sum(step == main_step ? 0.0 : 1.0);
    if (disagreeing > 0) {
      throw InputError(group_->error_message(
          std::to_string(static_cast<int>(disagreeing)) + " rank(s) found another checkpoint in " + run_dir_.string() +
              " than rank 0 (at step " + std::to_string(main_step) + "); every rank needs the run directory (a file "
              "system they share)",
          ""));
    }
    std::vector<torch::Tensor> state = model_->parameters();
    for (const auto& buffer : model_->buffers()) state.push_back(buffer);
    group_->broadcast(state);
  }

  void resume_or_start() {
    const fs::path last = run_dir_ / "checkpoints" / "last.pt";
    if (fs::exists(last)) {
      if (!config_.run.resume) {
        throw InputError("run " + run_dir_.string() + " exists; resume it (--run.resume true) or choose another --run.name");
      }
      state_ = load_checkpoint(last, *model_, optimizer_.get());
      // Where the run stands (load_checkpoint checked the types of the fields present).
      for (const char* position : {"epoch", "batch", "step"}) {
        if (!state_.contains(position)) {
          throw file_error(last.string(), std::string("the training state has no '") + position + "'");
        }
      }
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
    if (is_main()) {
      fs::create_directories(run_dir_ / "checkpoints");
      write_file_atomically(run_dir_ / "config.ini", config_.resolved_config);
    }
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
      const auto [value, batch_captions] = group_ ? data_parallel_backward(*batch, step) : backward(*batch);
      if (config_.train.clip_grad_norm > 0) {
        torch::nn::utils::clip_grad_norm_(model_->parameters(), config_.train.clip_grad_norm);
      }
      optimizer_->step();
      trace_.record(step + 1, model_->parameters());
      if (!std::isfinite(value)) {
        throw InputError("the loss became " + std::to_string(value) + " at step " + std::to_string(step) +
                         ": lower train.learning-rate or raise train.clip-grad-norm");
      }
      loss_sum += value;
      ++loss_count;
      captions += batch_captions;
      state_["step"] = ++step;
      const auto position = loader.position();
      state_["epoch"] = position.epoch;
      state_["batch"] = position.batch;
      progress.set_detail("loss " + format(value, 3) + ", lr " + format(rate, 2, true));
      progress.advance();
      if (run_log_ && step % config_.train.log_every == 0) {
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
    } else if (is_main()) {
      save_checkpoint(run_dir_ / "checkpoints" / "last.pt", *model_, optimizer_.get(), state_);
    }
  }

  struct StepResult {
    double loss;             // the step's loss over its whole (global) batch
    std::int64_t captions;   // in that batch
  };

  StepResult backward(const data::Batch& batch) {
    auto loss = model_->loss(batch.images.to(device_), batch.tokens.to(device_), config_.train.label_smoothing);
    loss.backward();
    return {loss.item<double>(), batch.tokens.size(0)};
  }

  // This rank's slice of the global batch, its gradients summed with the other ranks' while
  // backward runs. The loss terms are weighted by the slice's share of the global batch
  // (real tokens for the caption loss, captions for the bag-of-words loss), so that the sum
  // over the ranks is the gradient of the one process's loss on the whole batch, however
  // unevenly the tokens fall.
  StepResult data_parallel_backward(const data::Batch& batch, std::int64_t step) {
    std::vector<torch::Tensor> buffers = model_->buffers();
    if (!buffers.empty()) group_->broadcast(buffers);  // batch-norm statistics: rank 0's, as in PyTorch's DDP
    torch::manual_seed(step_seed(config_.train.seed, rank_, step));
    const std::int64_t rows = batch.tokens.size(0);
    // lengths count bos and eos; every token but bos is a target.
    const double targets = rows > 0 ? (batch.lengths - 1).sum().item<double>() : 0.0;
    auto totals = torch::tensor({targets, static_cast<double>(rows)}, torch::kDouble);
    auto summing_totals = group_->start_sum(totals);
    reducer_->prepare();
    CaptionModelImpl::LossTerms terms;
    if (rows > 0) terms = model_->loss_terms(batch.images.to(device_), batch.tokens.to(device_), config_.train.label_smoothing);
    summing_totals->wait();
    const double all_targets = totals[0].item<double>(), all_rows = totals[1].item<double>();
    double loss_share = 0.0;
    if (rows > 0) {
      auto loss = terms.caption * (targets / all_targets);
      if (terms.bag_of_words.defined()) {
        loss = loss + terms.bag_of_words * (model_->options().bow_loss * static_cast<double>(rows) / all_rows);
      }
      loss.backward();
      loss_share = loss.item<double>();
    }
    reducer_->finish();
    if (!reported_buckets_) {
      reported_buckets_ = true;
      log_ << "data-parallel over " << group_->size() << " processes: " << reducer_->bucket_count()
           << " gradient buckets, " << reducer_->buckets_started_in_backward() << " of them all-reduced during backward\n";
    }
    return {group_->sum(loss_share), static_cast<std::int64_t>(all_rows)};
  }

  // The best validation score so far; -inf before the first evaluation (JSON has no
  // infinity: a checkpoint written then holds null).
  double best_score() const {
    const auto found = state_.find("best_score");
    return found != state_.end() && found->is_number() ? found->get<double>()
                                                        : -std::numeric_limits<double>::infinity();
  }

  // Rank 0 evaluates and writes the checkpoints; the others wait for its verdict on early
  // stopping.
  void evaluate_and_checkpoint() {
    state_["evaluated_step"] = state_["step"];  // on every rank: the end of run() asks it
    if (is_main()) evaluate_and_checkpoint_here();
    if (group_) state_["finished"] = group_->broadcast(state_["finished"].get<bool>());
  }

  // The training objective (its label smoothing and bag-of-words term included, so that the
  // curves compare) on every caption of the validation images, dropout off and batch norm
  // on its running statistics; the batches' losses weighted by their target tokens. It
  // draws no random numbers, so a resumed run stays bit for bit. NaN without captions.
  double loss_on_validation_captions() {
    if (validation_captions_.empty()) return std::nan("");
    torch::InferenceMode inference;
    model_->eval();
    data::LoaderOptions options;
    options.batch_size = config_.train.batch_size;
    options.shuffle = false;
    options.workers = 0;
    data::BatchLoader loader(dataset_.image_store(), validation_captions_, options);
    double weighted = 0.0, targets = 0.0;
    while (auto batch = loader.next()) {
      const double batch_targets = (batch->lengths - 1).sum().item<double>();  // every token but bos
      weighted += model_->loss(batch->images.to(device_), batch->tokens.to(device_), config_.train.label_smoothing)
                      .item<double>() * batch_targets;
      targets += batch_targets;
    }
    return targets > 0 ? weighted / targets : std::nan("");
  }

  void evaluate_and_checkpoint_here() {
    const auto start = std::chrono::steady_clock::now();
    Progress progress("  evaluating on val", validation_.size(), &log_);
    const auto captions = caption_stored_images(model_, dataset_.image_store(), validation_.store_indices, tokenizer_,
                                         config_.decode, config_.train.batch_size, &progress);
    progress.finish();
    const double validation_loss = loss_on_validation_captions();
    model_->train();
    const auto evaluation = score_captions(validation_, captions);
    nlohmann::json entry = {{"type", "eval"},
                            {"step", state_["step"]},
                            {"epoch", state_["epoch"]},
                            {"split", "val"},
                            {"images", validation_.size()}};
    if (std::isfinite(validation_loss)) entry["loss"] = validation_loss;
    double score = 0.0;
    std::ostringstream line;
    line << "  val @ step " << state_["step"].get<std::int64_t>() << ":";
    if (std::isfinite(validation_loss)) line << " loss " << format(validation_loss, 4);
    for (const auto& [name, value] : corpus_scores(evaluation)) {
      entry["scores"][name] = value;
      line << ' ' << name << ' ' << format(value, 4);
      if (name == config_.train.metric) score = value;
    }
    entry["example"] = {{"image", validation_.keys.front()}, {"caption", captions.front()}};
    entry["seconds"] = seconds_since(start);
    state_["scores"] = entry["scores"];
    if (score > best_score()) {
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
  int rank_;
  std::ostream quiet_{nullptr};  // the log of ranks other than 0: they say nothing
  std::ostream& log_;
  data::PreparedDataset dataset_;
  data::SentencePieceTokenizer tokenizer_;
  fs::path run_dir_;
  torch::Device device_;
  ParameterTrace trace_;
  std::unique_ptr<ProcessGroup> group_;        // data-parallel runs only
  std::unique_ptr<GradientReducer> reducer_;   // data-parallel runs only
  bool reported_buckets_ = false;
  EvaluationSet validation_;
  std::vector<data::CaptionExample> validation_captions_;  // every caption of validation_'s images
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
