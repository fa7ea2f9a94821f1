#pragma once
// The synthetic benchmark's random numbers. Our own generator and distributions (not
// <random>'s, whose distributions differ between standard libraries), so that a seed gives
// the same data set on every platform. Each image draws from its own streams, derived from
// (seed, image index, purpose): the output does not depend on the number of threads, and
// changing the caption grammar does not move the scenes.

#include <cmath>
#include <cstdint>

namespace captioner::data {

// What a stream is used for; each purpose of each image gets an independent stream.
enum class SynthStream : std::uint64_t { kScene = 1, kRender = 2, kCaptions = 3 };

// xoshiro256** seeded through splitmix64.
class SynthRandom {
 public:
  SynthRandom(std::uint64_t seed, std::uint64_t index, SynthStream purpose) {
    std::uint64_t mix = seed * 0x9e3779b97f4a7c15ULL ^ (index + 1) * 0xbf58476d1ce4e5b9ULL ^
                        static_cast<std::uint64_t>(purpose) * 0x94d049bb133111ebULL;
    for (auto& word : state_) word = splitmix64(mix);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Uniform in [0, n); the bias of the modulo is below 2^-40 for the small n used here.
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  bool chance(double probability) { return uniform() < probability; }
  // Standard normal (Box-Muller; one of the pair is dropped for simplicity).
  double normal() {
    const double u = 1.0 - uniform();  // (0, 1]: log(0) is never taken
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_[4];
};

}  // namespace captioner::data
