#include "train/distributed.h"

// LibTorch's c10d declares ProcessGroupGloo only under this macro (its own build defines it;
// Debian's and pip's libtorch_cpu export the symbols).
#define USE_C10D_GLOO 1
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "util/error.h"
#include "util/sha256.h"

namespace captioner::train {
namespace {

const char* environment_value(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

int environment_integer(const char* name, int fallback, int low, int high) {
  const char* text = environment_value(name);
  if (!text) return fallback;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < low || value > high) {
    throw InputError(std::string("environment variable ") + name + "=" + text + " is not an integer from " +
                     std::to_string(low) + " to " + std::to_string(high));
  }
  return static_cast<int>(value);
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  constexpr std::size_t kLongest = 300;
  if (text.size() > kLongest) text = text.substr(0, kLongest) + "...";
  return text;
}

std::string reason_of(const std::exception& error) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&error)) return one_line(c10_error->what_without_backtrace());
  return one_line(error.what());
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

DistributedEnvironment distributed_environment() {
  DistributedEnvironment environment;
  environment.world_size = environment_integer("WORLD_SIZE", 1, 1, 1 << 20);
  if (!environment.distributed()) return environment;
  if (!environment_value("RANK")) throw InputError("environment variable WORLD_SIZE is set but RANK is not");
  environment.rank = environment_integer("RANK", 0, 0, environment.world_size - 1);
  environment.local_rank = environment_integer("LOCAL_RANK", 0, 0, environment.world_size - 1);
  environment.local_world_size = environment_integer("LOCAL_WORLD_SIZE", 1, 1, environment.world_size);
  const char* address = environment_value("MASTER_ADDR");
  if (!address) throw InputError("environment variable WORLD_SIZE is set but MASTER_ADDR (rank 0's host) is not");
  environment.master_address = address;
  if (!environment_value("MASTER_PORT")) throw InputError("environment variable WORLD_SIZE is set but MASTER_PORT is not");
  environment.master_port = environment_integer("MASTER_PORT", 0, 1, 65535);
  return environment;
}

// ---------------------------------------------------------------------------------------

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::chrono::seconds timeout{0};
  bool failed = false;  // a collective failed: the group is abandoned, not shut down
};

namespace {

class PendingWork : public ProcessGroup::Pending {
 public:
  PendingWork(c10::intrusive_ptr<c10d::Work> work, const ProcessGroup& group, bool& failed)
      : work_(std::move(work)), group_(group), failed_(failed) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& error) {
      failed_ = true;
      const std::string reason = reason_of(error);
      const bool timed_out = reason.find("imed out") != std::string::npos;
      throw InputError(group_.error_message(
          timed_out ? "no answer from the other ranks in time (a rank hung, or --dist-timeout is too short)"
                    : "lost contact with another rank (it stopped, or its machine is unreachable)",
          reason));
    }
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  const ProcessGroup& group_;
  bool& failed_;
};

}  // namespace

ProcessGroup::ProcessGroup(const DistributedEnvironment& environment, std::chrono::seconds timeout)
    : impl_(std::make_unique<Impl>()), rank_(environment.rank), size_(environment.world_size) {
  impl_->timeout = timeout;
  const std::string where = environment.master_address + ":" + std::to_string(environment.master_port);
  try {
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<std::uint16_t>(environment.master_port);
    store_options.isServer = rank_ == 0;
    store_options.numWorkers = static_cast<std::size_t>(size_);
    store_options.waitWorkers = true;
    store_options.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(environment.master_address, store_options);
  } catch (const std::exception& error) {
    throw InputError(error_message("cannot meet the other ranks at MASTER_ADDR:MASTER_PORT " + where, reason_of(error)));
  }
  try {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // Local runs stay on the loopback interface; otherwise GLOO_SOCKET_IFNAME or the
    // address this host's name resolves to, as in PyTorch.
    if (loopback(environment.master_address)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else if (const char* interface = environment_value("GLOO_SOCKET_IFNAME")) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank_, size_, options);
  } catch (const std::exception& error) {
    throw InputError(error_message("cannot connect to the other ranks (rendezvous at " + where + ")", reason_of(error)));
  }
}

ProcessGroup::~ProcessGroup() {
  // Shutting a failed group down would wait for every collective still queued to time out
  // on the lost peer (one timeout each) before the error is even printed: it is left to
  // the process's exit instead.
  if (impl_->failed) {
    impl_->group.release();
    impl_->store.release();
  }
}

std::string ProcessGroup::error_message(const std::string& what, const std::string& why) const {
  return "distributed training: rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": " + what +
         (why.empty() ? "" : " (" + why + ")");
}

std::unique_ptr<ProcessGroup::Pending> ProcessGroup::start_sum(torch::Tensor tensor) {
  std::vector<at::Tensor> tensors{std::move(tensor)};
  try {
    return std::make_unique<PendingWork>(impl_->group->allreduce(tensors), *this, impl_->failed);
  } catch (const std::exception& error) {
    throw InputError(error_message("cannot start an all-reduce", reason_of(error)));
  }
}

double ProcessGroup::sum(double value) {
  auto tensor = torch::full({1}, value, torch::kDouble);
  sum(tensor);
  return tensor.item<double>();
}

void ProcessGroup::broadcast(const std::vector<torch::Tensor>& tensors, int root) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  flat_parts.reserve(tensors.size());
  for (const auto& tensor : tensors) flat_parts.push_back(tensor.detach().reshape({-1}).to(torch::kDouble));
  std::vector<at::Tensor> message{torch::cat(flat_parts)};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  try {
    PendingWork(impl_->group->broadcast(message, options), *this, impl_->failed).wait();
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& error) {
    throw InputError(error_message("cannot start a broadcast", reason_of(error)));
  }
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const auto& tensor : tensors) {
    const auto count = tensor.numel();
    tensor.copy_(message[0].narrow(0, offset, count).view(tensor.sizes()));
    offset += count;
  }
}

bool ProcessGroup::broadcast(bool value, int root) { return broadcast(std::int64_t{value}, root) != 0; }

std::int64_t ProcessGroup::broadcast(std::int64_t value, int root) {
  // Through a double: exact for every value a training state holds (below 2^53).
  auto tensor = torch::full({1}, static_cast<double>(value), torch::kDouble);
  broadcast(std::vector<torch::Tensor>{tensor}, root);
  return static_cast<std::int64_t>(tensor.item<double>());
}

void ProcessGroup::barrier() {
  // An all-reduce rather than c10d's barrier: the same timeout and error path as the rest.
  sum(0.0);
}

// ---------------------------------------------------------------------------------------

GradientReducer::GradientReducer(ProcessGroup& group, std::vector<torch::Tensor> parameters, std::size_t bucket_bytes)
    : group_(group), parameters_(std::move(parameters)) {
  const std::size_t count = parameters_.size();
  bucket_of_.resize(count);
  slot_of_.resize(count);
  arrived_.assign(count, false);
  std::size_t bytes = 0;
  for (std::size_t k = count; k-- > 0;) {
    const auto& parameter = parameters_[k];
    const std::size_t size = static_cast<std::size_t>(parameter.numel()) * parameter.element_size();
    if (buckets_.empty() || (bytes > 0 && bytes + size > bucket_bytes)) {
      buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    slot_of_[k] = bucket.parameters.size();
    bucket.offsets.push_back(bucket.parameters.empty() ? 0 : bucket.offsets.back() + parameters_[bucket.parameters.back()].numel());
    bucket.parameters.push_back(k);
    bytes += size;
  }
  for (auto& bucket : buckets_) {
    const auto& last = parameters_[bucket.parameters.back()];
    bucket.flat = torch::zeros({bucket.offsets.back() + last.numel()}, last.options().requires_grad(false));
  }
  for (std::size_t k = 0; k < count; ++k) {
    // Held here: the parameter keeps only a weak reference to its accumulator, and a new
    // one (without the hook) would be made for the next graph if this one went away.
    auto accumulator = torch::autograd::impl::grad_accumulator(parameters_[k]);
    const auto key = accumulator->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [this, k](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
          on_gradient(k);
          return outputs;
        }));
    hooks_.emplace_back(std::move(accumulator), key);
  }
}

GradientReducer::~GradientReducer() {
  for (auto& [accumulator, key] : hooks_) accumulator->del_post_hook(key);
}

void GradientReducer::prepare() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& bucket : buckets_) {
    bucket.waiting = bucket.parameters.size();
    bucket.pending.reset();
  }
  std::fill(arrived_.begin(), arrived_.end(), false);
  next_to_start_ = 0;
  started_in_backward_ = 0;
  armed_ = true;
}

void GradientReducer::on_gradient(std::size_t parameter) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_ || arrived_[parameter]) return;
  arrived_[parameter] = true;
  const auto& grad = parameters_[parameter].grad();
  Bucket& bucket = buckets_[bucket_of_[parameter]];
  auto segment = bucket.flat.narrow(0, bucket.offsets[slot_of_[parameter]], parameters_[parameter].numel());
  if (grad.defined()) segment.view(parameters_[parameter].sizes()).copy_(grad);
  else segment.zero_();
  if (--bucket.waiting == 0) {
    start_ready_buckets_locked();
    started_in_backward_ = next_to_start_;
  }
}

void GradientReducer::start_ready_buckets_locked() {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].waiting == 0) {
    Bucket& bucket = buckets_[next_to_start_++];
    bucket.pending = group_.start_sum(bucket.flat);
  }
}

void GradientReducer::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = false;
    for (std::size_t k = 0; k < parameters_.size(); ++k) {
      if (arrived_[k]) continue;
      Bucket& bucket = buckets_[bucket_of_[k]];
      bucket.flat.narrow(0, bucket.offsets[slot_of_[k]], parameters_[k].numel()).zero_();
      --bucket.waiting;
    }
    start_ready_buckets_locked();
  }
  torch::NoGradGuard no_grad;
  for (auto& bucket : buckets_) {
    bucket.pending->wait();
    bucket.pending.reset();
    for (std::size_t i = 0; i < bucket.parameters.size(); ++i) {
      auto& parameter = parameters_[bucket.parameters[i]];
      const auto summed = bucket.flat.narrow(0, bucket.offsets[i], parameter.numel()).view(parameter.sizes());
      if (parameter.grad().defined()) parameter.mutable_grad().copy_(summed);
      else parameter.mutable_grad() = summed.clone();
    }
  }
}

// ---------------------------------------------------------------------------------------

ParameterTrace::ParameterTrace(int rank) : rank_(rank) {
  if (const char* directory = environment_value("CAPTIONER_TRACE_PARAMETERS")) {
    directory_ = directory;
    std::filesystem::create_directories(directory_);
  }
}

void ParameterTrace::record(std::int64_t step, const std::vector<torch::Tensor>& parameters) const {
  if (!enabled()) return;
  std::vector<torch::Tensor> parts;
  for (const auto& parameter : parameters) parts.push_back(parameter.detach().to(torch::kCPU).reshape({-1}));
  const auto flat = torch::cat(parts).contiguous();
  const std::string bytes(static_cast<const char*>(flat.data_ptr()), flat.numel() * flat.element_size());
  const std::string name = "rank" + std::to_string(rank_);
  std::ofstream(directory_ / (name + ".txt"), std::ios::app) << step << ' ' << sha256_hex(bytes) << '\n';
  torch::save(flat, (directory_ / (name + "-step" + std::to_string(step) + ".pt")).string());
}

}  // namespace captioner::train
