#include "encoder/plan.h"

#include <algorithm>
#include <initializer_list>
#include <iomanip>
#include <sstream>
#include <vector>

#include "util/error.h"

namespace captioner::encoder {
namespace {

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Plans layer after layer; `prefix` starts every error message.
class Planner {
 public:
  Planner(std::string prefix, const EncoderPlan* trained) : prefix_(std::move(prefix)), trained_(trained) {}

  EncoderPlan plan(const std::vector<LayerSpec>& layers, Volume input) {
    EncoderPlan result;
    result.input = input;
    Volume volume = input;
    for (size_t i = 0; i < layers.size(); ++i) {
      index_ = i + 1;
      PlannedLayer planned = plan_layer(layers[i], volume, i);
      volume = planned.output;
      parameters_ = sum(parameters_, planned.parameters, "the total parameter count");
      flops_ = sum(flops_, planned.flops, "the total FLOP count");
      result.layers.push_back(std::move(planned));
    }
    return result;
  }

 private:
  PlannedLayer plan_layer(const LayerSpec& spec, const Volume& in, size_t position) {
    token_ = spec.token;
    input_ = in;
    PlannedLayer layer{spec, in, in, 0, 0};
    switch (spec.kind) {
      case LayerKind::kConv: {
        layer.output = {extent(in.height, spec.filter, spec.stride, spec.padding, "height"),
                        extent(in.width, spec.filter, spec.stride, spec.padding, "width"), spec.count};
        const int64_t weights = product({spec.filter, spec.filter, in.depth, spec.count}, "its parameter count");
        layer.parameters = sum(weights, spec.count, "its parameter count");
        layer.flops = product({2, weights, layer.output.height, layer.output.width}, "its FLOP count");
        break;
      }
      case LayerKind::kMaxPool:
      case LayerKind::kAvgPool:
        layer.output = {extent(in.height, spec.filter, spec.stride, 0, "height"),
                        extent(in.width, spec.filter, spec.stride, 0, "width"), in.depth};
        break;
      case LayerKind::kGlobalAvgPool:
        layer.output = {1, 1, in.depth};
        break;
      case LayerKind::kFullyConnected: {
        // At the planned size an fc layer sees its whole input; on a larger image it is the
        // conv with F = that planned input's height and width (FC-as-conv), stride 1.
        const Volume window = trained_ ? trained_->layers[position].input : in;
        if (trained_ && window.depth != in.depth) fail("depth " + std::to_string(in.depth) + " differs from the planned " + std::to_string(window.depth));
        layer.output = {extent_for_window(in.height, window.height, "height"),
                        extent_for_window(in.width, window.width, "width"), spec.count};
        const int64_t weights = product({window.height, window.width, window.depth, spec.count}, "its parameter count");
        layer.parameters = sum(weights, spec.count, "its parameter count");
        layer.flops = product({2, weights, layer.output.height, layer.output.width}, "its FLOP count");
        break;
      }
      case LayerKind::kMaxout:
        if (in.depth % spec.count != 0)
          fail("depth " + std::to_string(in.depth) + " is not a multiple of the " + std::to_string(spec.count) + " pieces");
        layer.output.depth = in.depth / spec.count;
        break;
      case LayerKind::kBatchNorm:
        layer.parameters = 2 * in.depth;  // a scale and a shift per channel
        break;
      default:  // activations and dropout keep the volume
        break;
    }
    product({layer.output.height, layer.output.width, layer.output.depth}, "its output volume");  // Volume::size()
    return layer;
  }

  // A spec's numbers are each at most 10^6, but the products of a few of them are not: every
  // count is computed with a check, and one beyond int64 is an error, not an overflow.
  int64_t product(std::initializer_list<int64_t> factors, const char* what) const {
    int64_t result = 1;
    for (const int64_t factor : factors) {
      if (__builtin_mul_overflow(result, factor, &result)) fail(std::string("too large: ") + what + " overflows 64-bit integers");
    }
    return result;
  }
  int64_t sum(int64_t a, int64_t b, const char* what) const {
    int64_t result = 0;
    if (__builtin_add_overflow(a, b, &result)) fail(std::string("too large: ") + what + " overflows 64-bit integers");
    return result;
  }

  // (W1 - F + 2P)/S + 1 along one side, which must be a whole number of at least 1.
  int64_t extent(int64_t in, int64_t filter, int64_t stride, int64_t padding, const char* side) const {
    const int64_t span = sum(in - filter, product({2, padding}, "its padding"), "its padded input");
    const std::string formula = "(" + std::to_string(in) + " - " + std::to_string(filter) + " + 2*" +
                                std::to_string(padding) + ")/" + std::to_string(stride) + " + 1 = " +
                                format_number(static_cast<double>(span) / static_cast<double>(stride) + 1.0);
    const std::string where = input_.height == input_.width ? "" : std::string(side) + " ";
    if (span < 0)
      fail(where + formula + ": the volume vanishes (the " + std::to_string(filter) + "x" + std::to_string(filter) +
           " window is larger than the padded input)");
    if (span % stride != 0) fail(where + formula + " is not a whole number");
    return span / stride + 1;
  }

  int64_t extent_for_window(int64_t in, int64_t window, const char* side) const {
    if (in < window) {
      const std::string where = input_.height == input_.width ? "" : std::string(side) + " ";
      fail(where + std::to_string(in) + " is smaller than the planned input's " + std::to_string(window) +
           ", which the fc layer needs");
    }
    return in - window + 1;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError(prefix_ + "layer " + std::to_string(index_) + " '" + token_ + "' on " + input_.str() + ": " +
                     problem);
  }

  std::string prefix_;
  const EncoderPlan* trained_;
  size_t index_ = 0;
  std::string token_;
  int64_t parameters_ = 0;  // totals so far, checked like each layer's own
  int64_t flops_ = 0;
  Volume input_;
};

}  // namespace

std::string Volume::str() const {
  return std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(depth);
}

int64_t EncoderPlan::parameters() const {
  int64_t total = 0;
  for (const auto& layer : layers) total += layer.parameters;
  return total;
}

int64_t EncoderPlan::flops() const {
  int64_t total = 0;
  for (const auto& layer : layers) total += layer.flops;
  return total;
}

EncoderPlan plan_encoder(const std::vector<LayerSpec>& layers, int64_t image_size) {
  // The upper bound keeps every volume, parameter and FLOP count far from int64 overflow
  // (and is 30 times COCO's usual 224).
  constexpr int64_t kMaxImageSize = 8192;
  if (image_size < 1 || image_size > kMaxImageSize) {
    throw InputError("encoder image size must be 1 to " + std::to_string(kMaxImageSize) + " pixels, not " +
                     std::to_string(image_size));
  }
  EncoderPlan plan = Planner("encoder spec: ", nullptr).plan(layers, {image_size, image_size, 3});
  const Volume& last = plan.output();
  if (last.height != 1 || last.width != 1)
    throw InputError("encoder spec: the last volume is " + last.str() +
                     ", not 1x1xN: end the spec with gap or fc<N> to give the decoder a feature vector");
  return plan;
}

EncoderPlan plan_encoder_at(const EncoderPlan& trained, int64_t height, int64_t width) {
  if (height < 1 || width < 1)
    throw InputError("cannot encode " + std::to_string(height) + "x" + std::to_string(width) + " images");
  std::vector<LayerSpec> layers;
  for (const auto& layer : trained.layers) layers.push_back(layer.spec);
  const std::string prefix = "cannot encode " + std::to_string(height) + "x" + std::to_string(width) +
                             " images with the encoder planned for " + std::to_string(trained.input.height) + "x" +
                             std::to_string(trained.input.width) + ": ";
  return Planner(prefix, &trained).plan(layers, {height, width, trained.input.depth});
}

std::string format_plan(const EncoderPlan& plan) {
  auto mflop = [](int64_t flops) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(2) << static_cast<double>(flops) / 1e6;
    return text.str();
  };
  struct Row {
    std::string index, name, volume, parameters, mflop;
  };
  std::vector<Row> rows = {{"#", "layer", "output", "params", "MFLOP"}, {"0", "input", plan.input.str(), "", ""}};
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const auto& layer = plan.layers[i];
    rows.push_back({std::to_string(i + 1), layer.spec.token, layer.output.str(),
                    layer.parameters ? std::to_string(layer.parameters) : "", layer.flops ? mflop(layer.flops) : ""});
  }
  Row width{};
  auto widen = [](std::string& longest, const std::string& text) {
    if (text.size() > longest.size()) longest.assign(text.size(), ' ');
  };
  for (const auto& row : rows) {
    widen(width.index, row.index);
    widen(width.name, row.name);
    widen(width.volume, row.volume);
    widen(width.parameters, row.parameters);
    widen(width.mflop, row.mflop);
  }
  auto w = [](const std::string& longest) { return static_cast<int>(longest.size()); };
  std::ostringstream out;
  for (const auto& row : rows) {
    std::ostringstream line;
    line << std::right << std::setw(w(width.index)) << row.index << "  " << std::left << std::setw(w(width.name))
         << row.name << "  " << std::setw(w(width.volume)) << row.volume << "  " << std::right
         << std::setw(w(width.parameters)) << row.parameters << "  " << std::setw(w(width.mflop)) << row.mflop;
    std::string text = line.str();
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  }
  out << "total: " << plan.parameters() << " parameters, " << mflop(plan.flops())
      << " MFLOP per image (forward; a multiply-add is 2 FLOP), feature vector " << plan.feature_size();
  const Volume& last = plan.output();
  if (last.height * last.width > 1)
    out << " (the average over " << last.height << "x" << last.width << " positions)";
  out << '\n';
  return out.str();
}

}  // namespace captioner::encoder
