#pragma once
// The encoder's options, one struct with every default (the CLI binds to it in
// apps/experiment_options.cc; DESIGN.md: "[encoder] spec, image-size, backend").

#include <cstdint>
#include <string>
#include <string_view>

namespace captioner::encoder {

// Who computes conv, pool and fc layers. Both give the same numbers (tests hold them to a
// relative 1e-10 in float64); the other layers (activations, bn, dropout, gap) are
// LibTorch's in both.
enum class Backend {
  kNative,   // LibTorch's ops (oneDNN / its own kernels)
  kScratch,  // ours: im2col + GEMM forward, hand-derived backward (encoder/scratch_*.h)
};

// "native" or "scratch".
std::string to_string(Backend backend);
// InputError naming the key, the value and the choices.
Backend parse_backend(std::string_view name);

// For the synthetic benchmark (64x64 images of 1-3 coloured shapes): four conv blocks
// halving the image to 4x4x128 (positions still matter: "left of", "above"), then one fc
// to the feature vector, batch-normalised. About 33 MFLOP per image forward.
// The final bn matters: without it the fc's output is a large offset shared by every image
// plus small per-image differences, the decoder's tanh(init_h(features)) saturates within
// 50 steps, the encoder's gradient vanishes, and the captioner trains as a blind language
// model (single-object synthetic images, 3 epochs: val CIDEr-D 0.35 without it, 1.69 with it).
inline constexpr const char* kDefaultSpec =
    "conv3x16p1 bn relu pool2 conv3x32p1 bn relu pool2 conv3x64p1 bn relu pool2 conv3x128p1 bn relu pool2 fc256 bn";

struct EncoderOptions {
  // The layers, read left to right from the input (encoder/spec.h); the depth of the last
  // volume (the last fc<N> or the channels before gap) is the feature vector's size.
  std::string spec = kDefaultSpec;
  // Side in pixels of the square RGB images the encoder is planned and trained for.
  int64_t image_size = 64;
  // Implementation of conv, pool and fc layers: native or scratch.
  Backend backend = Backend::kNative;
};

}  // namespace captioner::encoder
