#pragma once
// What the fuzz targets share. Most parsers read files, so a target writes its input to a
// scratch folder of its own process first; a target whose parser reads several files takes
// them from one input, split at kPartSeparator bytes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace captioner::fuzz {

// ASCII's record separator: rare in text, one byte for the fuzzer to insert or drop.
inline constexpr char kPartSeparator = '\x1e';

// This process's scratch folder under the temp folder, made on first use and removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `bytes` to scratch_dir()/relative (replacing it, making its folders) and returns the path.
std::filesystem::path write_scratch_file(const std::string& relative, std::string_view bytes);

// The first `count` parts of `input` between separators: the last takes the rest of the
// input, separators included; missing parts are empty.
std::vector<std::string_view> split_parts(std::string_view input, std::size_t count);

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace captioner::fuzz

// A property the parser promises, broken: a finding like a crash (abort() makes libFuzzer
// save the input).
#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)
