#include "encoder/spec.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "util/error.h"

namespace captioner::encoder {
namespace {

// Numbers in a spec are small; anything larger is a typo, not a network.
constexpr int64_t kLargestNumber = 1'000'000;

constexpr const char* kLanguage =
    "conv<F>x<K>[s<S>][p<P>], pool<F>[s<S>], avgpool<F>[s<S>], gap, fc<N>, relu, lrelu, sigmoid, "
    "tanh, elu, maxout<k>, bn or dropout<p>";

// Reads a token left to right.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool consume(std::string_view literal) {
    if (text_.substr(position_, literal.size()) != literal) return false;
    position_ += literal.size();
    return true;
  }

  // A whole number of at most kLargestNumber; nullopt (nothing consumed) when there is none.
  std::optional<int64_t> number() {
    size_t end = position_;
    while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
    if (end == position_ || end - position_ > 7) return std::nullopt;
    const int64_t value = std::stoll(std::string(text_.substr(position_, end - position_)));
    if (value > kLargestNumber) return std::nullopt;
    position_ = end;
    return value;
  }

  std::string_view rest() const { return text_.substr(position_); }
  bool done() const { return position_ == text_.size(); }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

class LayerParser {
 public:
  LayerParser(size_t index, std::string_view token) : index_(index), token_(token) {}

  LayerSpec parse() {
    LayerSpec layer;
    layer.token = std::string(token_);
    if (const auto kind = keyword()) {
      layer.kind = *kind;
      return layer;
    }
    Cursor cursor(token_);
    if (cursor.consume("conv")) return conv(cursor, layer);
    if (cursor.consume("avgpool")) return pool(cursor, layer, LayerKind::kAvgPool, "avgpool<F>[s<S>], e.g. avgpool2");
    if (cursor.consume("pool")) return pool(cursor, layer, LayerKind::kMaxPool, "pool<F>[s<S>], e.g. pool2 or pool3s2");
    if (cursor.consume("fc")) {
      layer.kind = LayerKind::kFullyConnected;
      layer.count = whole_number_to_end(cursor, "fc<N>, e.g. fc256");
      require(layer.count >= 1, "an fc layer needs at least 1 output");
      return layer;
    }
    if (cursor.consume("maxout")) {
      layer.kind = LayerKind::kMaxout;
      layer.count = whole_number_to_end(cursor, "maxout<k>, e.g. maxout2");
      require(layer.count >= 2, "maxout needs at least 2 pieces");
      return layer;
    }
    if (cursor.consume("dropout")) return dropout(cursor, layer);
    fail("unknown layer (expected " + std::string(kLanguage) + ")");
  }

 private:
  std::optional<LayerKind> keyword() const {
    if (token_ == "gap") return LayerKind::kGlobalAvgPool;
    if (token_ == "relu") return LayerKind::kRelu;
    if (token_ == "lrelu") return LayerKind::kLeakyRelu;
    if (token_ == "sigmoid") return LayerKind::kSigmoid;
    if (token_ == "tanh") return LayerKind::kTanh;
    if (token_ == "elu") return LayerKind::kElu;
    if (token_ == "bn") return LayerKind::kBatchNorm;
    return std::nullopt;
  }

  LayerSpec conv(Cursor& cursor, LayerSpec& layer) {
    constexpr const char* kForm = "conv<F>x<K>[s<S>][p<P>], e.g. conv3x32p1";
    layer.kind = LayerKind::kConv;
    const auto filter = cursor.number();
    if (!filter || !cursor.consume("x")) expected(kForm);
    const auto count = cursor.number();
    if (!count) expected(kForm);
    layer.filter = *filter;
    layer.count = *count;
    if (cursor.consume("s")) {
      const auto stride = cursor.number();
      if (!stride) expected(kForm);
      layer.stride = *stride;
    }
    if (cursor.consume("p")) {
      const auto padding = cursor.number();
      if (!padding) expected(kForm);
      layer.padding = *padding;
    }
    if (!cursor.done()) expected(kForm);
    require(layer.filter >= 1, "the filter size F must be at least 1");
    require(layer.count >= 1, "a conv layer needs at least 1 filter");
    require(layer.stride >= 1, "the stride S must be at least 1");
    return layer;
  }

  LayerSpec pool(Cursor& cursor, LayerSpec& layer, LayerKind kind, const char* form) {
    layer.kind = kind;
    const auto filter = cursor.number();
    if (!filter) expected(form);
    layer.filter = *filter;
    layer.stride = *filter;
    if (cursor.consume("s")) {
      const auto stride = cursor.number();
      if (!stride) expected(form);
      layer.stride = *stride;
    }
    if (!cursor.done()) expected(form);
    require(layer.filter >= 1, "the window size F must be at least 1");
    require(layer.stride >= 1, "the stride S must be at least 1");
    return layer;
  }

  LayerSpec dropout(Cursor& cursor, LayerSpec& layer) {
    constexpr const char* kForm = "dropout<p> with p in [0, 1), e.g. dropout0.5";
    layer.kind = LayerKind::kDropout;
    const std::string text(cursor.rest());
    // Digits with at most one point: strtod alone would also take "1e-3", "inf" and "nan".
    const bool plain_decimal = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos &&
                               text.find('.') == text.rfind('.') && text != ".";
    if (!plain_decimal) expected(kForm);
    layer.probability = std::strtod(text.c_str(), nullptr);
    require(layer.probability < 1.0, "the dropout probability must be below 1");
    return layer;
  }

  int64_t whole_number_to_end(Cursor& cursor, const char* form) {
    const auto value = cursor.number();
    if (!value || !cursor.done()) expected(form);
    return *value;
  }

  [[noreturn]] void expected(const std::string& form) const { fail("expected " + form); }

  void require(bool condition, const std::string& problem) const {
    if (!condition) fail(problem);
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw InputError("encoder spec: layer " + std::to_string(index_) + " '" + std::string(token_) + "': " + problem);
  }

  size_t index_;
  std::string_view token_;
};

}  // namespace

std::vector<LayerSpec> parse_spec(std::string_view spec) {
  std::vector<LayerSpec> layers;
  std::istringstream tokens{std::string(spec)};
  std::string token;
  while (tokens >> token) layers.push_back(LayerParser(layers.size() + 1, token).parse());
  if (layers.empty()) throw InputError("encoder spec: empty (expected layers such as \"conv3x32p1 relu pool2 fc256\")");
  return layers;
}

bool is_activation(LayerKind kind) {
  switch (kind) {
    case LayerKind::kRelu:
    case LayerKind::kLeakyRelu:
    case LayerKind::kSigmoid:
    case LayerKind::kTanh:
    case LayerKind::kElu:
    case LayerKind::kMaxout:
      return true;
    default:
      return false;
  }
}

bool is_weighted(LayerKind kind) { return kind == LayerKind::kConv || kind == LayerKind::kFullyConnected; }

}  // namespace captioner::encoder
