#pragma once
// Data-parallel training over processes and machines on LibTorch's own c10d engine: a
// TCPStore for the rendezvous (rank 0 serves it) and a ProcessGroupGloo for the
// collectives, configured from the environment like torchrun (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT). Every collective has a timeout, and a peer that dies breaks
// its sockets at once, so a lost rank makes the others stop with a one-line error.
//
// The c10d headers stay in distributed.cc: they need USE_C10D_GLOO and are heavy.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace captioner::train {

// This process's place in a data-parallel run.
struct DistributedEnvironment {
  int rank = 0;
  int world_size = 1;        // 1: a single process, no process group at all
  int local_rank = 0;        // among the processes on this machine (picks the GPU)
  int local_world_size = 1;  // processes on this machine (they share its cores)
  std::string master_address;  // where rank 0 serves the rendezvous (TCPStore)
  int master_port = 0;
  bool distributed() const { return world_size > 1; }
};

// From RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, LOCAL_RANK and LOCAL_WORLD_SIZE (what
// torchrun and scripts/launch-local.sh set). WORLD_SIZE unset or 1: a single process.
// InputError naming the variable for a malformed or missing value.
DistributedEnvironment distributed_environment();

struct DistributedOptions {
  DistributedEnvironment environment;
  // The longest any collective (or the rendezvous) may wait for the other ranks, e.g. while
  // rank 0 evaluates alone; a rank that dies is noticed at once, a hung one after this.
  std::chrono::seconds timeout{1800};
  // Gradients are all-reduced in buckets of about this many bytes (the last layers' first).
  std::size_t bucket_bytes = std::size_t{4} << 20;
};

// The process group of a data-parallel run. Collectives on a lost or silent peer throw
// InputError("distributed training: rank R of N: ...").
class ProcessGroup {
 public:
  // Meets the other ranks (waits up to the timeout for all of them).
  ProcessGroup(const DistributedEnvironment& environment, std::chrono::seconds timeout);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // An all-reduce under way.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;  // the tensor holds the sum over the ranks
  };
  // Starts summing `tensor` over the ranks in place. Every rank must start the same
  // collectives in the same order.
  std::unique_ptr<Pending> start_sum(torch::Tensor tensor);
  void sum(torch::Tensor tensor) { start_sum(std::move(tensor))->wait(); }
  double sum(double value);
  // Every tensor takes rank `root`'s values (one message for all of them).
  void broadcast(const std::vector<torch::Tensor>& tensors, int root = 0);
  bool broadcast(bool value, int root = 0);
  std::int64_t broadcast(std::int64_t value, int root = 0);
  void barrier();

  // "distributed training: rank R of N: <what> (<why>)", the one format of its errors.
  std::string error_message(const std::string& what, const std::string& why) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
};

// Sums the parameters' gradients over the ranks while backward still runs (like PyTorch's
// DistributedDataParallel): the parameters go in buckets of about bucket_bytes, in the
// reverse of their registration order, which is about the order backward produces their
// gradients; a post-hook on each parameter's gradient accumulator marks it ready, and a
// bucket's all-reduce starts as soon as its gradients are all there and the buckets
// before it have started (every rank starts them in the same order).
class GradientReducer {
 public:
  GradientReducer(ProcessGroup& group, std::vector<torch::Tensor> parameters, std::size_t bucket_bytes);
  ~GradientReducer();  // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before backward: every bucket waits for its gradients.
  void prepare();
  // After backward (or instead of it, on a rank without examples this step): starts the
  // buckets not started yet (a gradient backward did not produce counts as zeros), waits
  // for all, and sets every parameter's gradient to the sum over the ranks.
  void finish();

  std::size_t bucket_count() const { return buckets_.size(); }
  // How many buckets started during the last backward, i.e. overlapped with it.
  std::size_t buckets_started_in_backward() const { return started_in_backward_; }

 private:
  struct Bucket {
    std::vector<std::size_t> parameters;  // indices into parameters_
    std::vector<std::int64_t> offsets;    // of each in `flat`
    torch::Tensor flat;                   // the bucket's gradients, one after another
    std::size_t waiting = 0;              // gradients not yet there
    std::unique_ptr<ProcessGroup::Pending> pending;
  };
  void on_gradient(std::size_t parameter);
  void start_ready_buckets_locked();

  ProcessGroup& group_;
  std::vector<torch::Tensor> parameters_;
  std::vector<std::size_t> bucket_of_;    // parameter -> bucket
  std::vector<std::size_t> slot_of_;      // parameter -> position within its bucket
  std::vector<bool> arrived_;             // parameter -> gradient there this step
  std::vector<Bucket> buckets_;
  std::vector<std::pair<std::shared_ptr<torch::autograd::Node>, std::uintptr_t>> hooks_;
  std::mutex mutex_;
  bool armed_ = false;
  std::size_t next_to_start_ = 0;
  std::size_t started_in_backward_ = 0;
};

// Debugging and tests: with CAPTIONER_TRACE_PARAMETERS=DIR, each rank appends
// "<step> <sha256 of its parameters>" to DIR/rank<R>.txt after every optimizer step and
// saves the parameters, flattened into one float tensor, as DIR/rank<R>-step<S>.pt.
class ParameterTrace {
 public:
  explicit ParameterTrace(int rank);  // reads the environment variable
  bool enabled() const { return !directory_.empty(); }
  void record(std::int64_t step, const std::vector<torch::Tensor>& parameters) const;

 private:
  std::filesystem::path directory_;
  int rank_ = 0;
};

}  // namespace captioner::train
