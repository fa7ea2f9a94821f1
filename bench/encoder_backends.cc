// The scratch backend against LibTorch's native ops on the default encoder's layers:
// forward and forward+backward times for a batch, the ratio, and the GFLOP/s each achieves.
//   build-*/bench/encoder_backends [--batch 32 --repeats 20 --threads 2 --clock wall|cpu --spec "..."]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <tuple>
#include <utility>
#include <iostream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "encoder/backend_ops.h"
#include "encoder/encoder.h"
#include "encoder/options.h"
#include "encoder/plan.h"
#include "encoder/spec.h"
#include "util/cli.h"
#include "util/error.h"

namespace po = boost::program_options;
using namespace captioner::encoder;

namespace {

struct Settings {
  int batch = 32;
  int repeats = 20;
  int threads = 2;
  std::string clock = "wall";  // or "cpu": the process's CPU time
  EncoderOptions encoder;
};

// Which clock times a step (set once from --clock).
bool g_cpu_clock = false;

double now_seconds() {
  if (g_cpu_clock) {
    timespec time{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time);
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_nsec) * 1e-9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing {
  double forward = 0;   // seconds, median
  double training = 0;  // forward + backward, seconds, median
};

struct Comparison {
  Timing native;
  Timing scratch;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double seconds_of(const std::function<void()>& step) {
  const double start = now_seconds();
  step();
  return now_seconds() - start;
}

// Medians of native and scratch runs taken in turns (the order flipping every round), so
// that both see the same machine: other processes' load shifts both alike.
std::pair<double, double> interleaved_medians(int repeats, const std::function<void()>& native,
                                              const std::function<void()>& scratch) {
  for (int i = 0; i < 2; ++i) native(), scratch();  // warm-up: buffers, thread pool, caches
  std::vector<double> native_seconds, scratch_seconds;
  for (int i = 0; i < repeats; ++i) {
    if (i % 2 == 0) {
      native_seconds.push_back(seconds_of(native));
      scratch_seconds.push_back(seconds_of(scratch));
    } else {
      scratch_seconds.push_back(seconds_of(scratch));
      native_seconds.push_back(seconds_of(native));
    }
  }
  return {median(native_seconds), median(scratch_seconds)};
}

// A forward function and a forward+backward function, one per backend.
struct Steps {
  std::function<void()> forward;
  std::function<void()> training;
};

Comparison compare(int repeats, const Steps& native, const Steps& scratch) {
  Comparison result;
  {
    torch::NoGradGuard no_grad;
    std::tie(result.native.forward, result.scratch.forward) = interleaved_medians(repeats, native.forward, scratch.forward);
  }
  std::tie(result.native.training, result.scratch.training) =
      interleaved_medians(repeats, native.training, scratch.training);
  return result;
}

// One conv, pool or fc layer of the plan on a random batch, with one backend.
Steps layer_steps(const PlannedLayer& layer, Backend backend, bool input_needs_grad, const Settings& s) {
  torch::manual_seed(1);
  const Volume& in = layer.input;
  const auto input = torch::randn({s.batch, in.depth, in.height, in.width}).requires_grad_(input_needs_grad);
  torch::Tensor weight, bias;
  const LayerSpec spec = layer.spec;
  if (spec.kind == LayerKind::kConv) {
    weight = torch::randn({spec.count, in.depth, spec.filter, spec.filter}).mul_(0.05).requires_grad_(true);
    bias = torch::randn({spec.count}).requires_grad_(true);
  } else if (spec.kind == LayerKind::kFullyConnected) {
    weight = torch::randn({spec.count, in.size()}).mul_(0.01).requires_grad_(true);
    bias = torch::randn({spec.count}).requires_grad_(true);
  }
  auto forward = [=]() -> torch::Tensor {
    switch (spec.kind) {
      case LayerKind::kConv:
        return conv2d(backend, input, weight, bias, spec.stride, spec.padding);
      case LayerKind::kMaxPool:
        return max_pool2d(backend, input, spec.filter, spec.stride);
      case LayerKind::kAvgPool:
        return avg_pool2d(backend, input, spec.filter, spec.stride);
      default:
        return linear(backend, input.flatten(1), weight, bias);
    }
  };
  torch::Tensor upstream;
  {
    torch::NoGradGuard no_grad;
    upstream = torch::randn(forward().sizes());
  }
  return {[=] { forward(); }, [=] { forward().backward(upstream); }};
}

Steps encoder_steps(Backend backend, const Settings& s) {
  EncoderOptions options = s.encoder;
  options.backend = backend;
  torch::manual_seed(1);
  Encoder encoder(options);
  encoder->train();
  const auto images = torch::rand({s.batch, 3, options.image_size, options.image_size});
  const auto upstream = torch::randn({s.batch, encoder->feature_size()});
  return {[=]() mutable { encoder->forward(images); },
          [=]() mutable {
            encoder->zero_grad();
            encoder->forward(images).backward(upstream);
          }};
}

void print_row(const std::string& name, const std::string& shape, double training_flops, const Comparison& c) {
  const Timing& native = c.native;
  const Timing& scratch = c.scratch;
  auto gflops = [](double flops, double seconds) { return flops > 0 ? flops / seconds / 1e9 : 0.0; };
  std::printf("%-13s %-19s %8.2f %8.2f %6.2f | %8.2f %8.2f %6.2f | %7.1f %7.1f\n", name.c_str(), shape.c_str(),
              native.forward * 1e3, scratch.forward * 1e3, scratch.forward / native.forward, native.training * 1e3,
              scratch.training * 1e3, scratch.training / native.training, gflops(training_flops, native.training),
              gflops(training_flops, scratch.training));
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  po::options_description options("Options");
  options.add_options()
      ("batch", po::value(&s.batch)->default_value(s.batch), "images per batch")
      ("repeats", po::value(&s.repeats)->default_value(s.repeats), "timed runs per measurement (the median is shown)")
      ("threads", po::value(&s.threads)->default_value(s.threads), "LibTorch threads")
      ("clock", po::value(&s.clock)->default_value(s.clock),
       "wall, or cpu: the process's CPU time, steadier than wall time on a busy machine with --threads 1 "
       "(with more threads it also counts threads waiting for each other)")
      ("spec", po::value(&s.encoder.spec)->default_value(s.encoder.spec), "encoder spec")
      ("image-size", po::value(&s.encoder.image_size)->default_value(s.encoder.image_size), "image side");
  try {
    // parse_command shows the help when there is no argument; here no argument means the defaults.
    if (argc > 1 &&
        captioner::parse_command(argc, argv, "Usage: encoder_backends [options]", options, false, std::cout).help_shown)
      return 0;
    if (s.clock != "wall" && s.clock != "cpu") throw captioner::InputError("--clock must be wall or cpu, not " + s.clock);
    g_cpu_clock = s.clock == "cpu";
    torch::set_num_threads(s.threads);
    const EncoderPlan plan = plan_encoder(parse_spec(s.encoder.spec), s.encoder.image_size);
    std::printf("encoder: %s at %lldx%lld, batch %d, %d threads, %s clock, medians of %d runs taken in turns\n",
                s.encoder.spec.c_str(), static_cast<long long>(s.encoder.image_size),
                static_cast<long long>(s.encoder.image_size), s.batch, s.threads, s.clock.c_str(), s.repeats);
    std::printf("forward: %.2f MFLOP per image; forward+backward counted as 3x forward (2x for the first layer: no dX)\n\n",
                static_cast<double>(plan.flops()) / 1e6);
    std::printf("%-13s %-19s %8s %8s %6s | %8s %8s %6s | %7s %7s\n", "layer", "input -> output", "fwd nat", "fwd scr",
                "ratio", "f+b nat", "f+b scr", "ratio", "GF/s nat", "GF/s scr");
    std::printf("%-13s %-19s %8s %8s %6s | %8s %8s %6s |\n", "", "", "ms", "ms", "", "ms", "ms", "");
    Comparison sum;
    double training_flops_sum = 0;
    for (const auto& layer : plan.layers) {
      const LayerKind kind = layer.spec.kind;
      if (kind != LayerKind::kConv && kind != LayerKind::kMaxPool && kind != LayerKind::kAvgPool &&
          kind != LayerKind::kFullyConnected)
        continue;
      const bool needs_input_grad = &layer != &plan.layers.front();  // the images need no gradient
      const double forward_flops = static_cast<double>(layer.flops) * s.batch;
      const double training_flops = forward_flops * (needs_input_grad ? 3 : 2);
      const Comparison c = compare(s.repeats, layer_steps(layer, Backend::kNative, needs_input_grad, s),
                                   layer_steps(layer, Backend::kScratch, needs_input_grad, s));
      print_row(layer.spec.token, layer.input.str() + "->" + layer.output.str(), training_flops, c);
      sum.native.forward += c.native.forward;
      sum.native.training += c.native.training;
      sum.scratch.forward += c.scratch.forward;
      sum.scratch.training += c.scratch.training;
      training_flops_sum += training_flops;
    }
    print_row("sum of these", "", training_flops_sum, sum);
    print_row("whole encoder", "(with bn, relu)", training_flops_sum,
              compare(s.repeats, encoder_steps(Backend::kNative, s), encoder_steps(Backend::kScratch, s)));
  } catch (const captioner::InputError& error) {
    std::cerr << "encoder_backends: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
