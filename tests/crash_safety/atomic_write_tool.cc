// Test helper for the kill test: writes one self-checking file through write_file_atomically.
//   captioner_atomic_write_tool FILE GENERATION MEBIBYTES [pieces]
// The file is a header line {"generation": G, "bytes": N, "sha256": "..."} and N bytes drawn
// from G, so a reader can tell a whole file of any generation from a mix or a torn file.
// "pieces" writes through the streaming entry point in 64 KiB pieces instead of one string.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "util/error.h"
#include "util/file.h"
#include "util/sha256.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: captioner_atomic_write_tool FILE GENERATION MEBIBYTES [pieces]\n";
    return 2;
  }
  const std::string path = argv[1];
  const std::uint64_t generation = std::strtoull(argv[2], nullptr, 10);
  const std::size_t bytes = std::strtoull(argv[3], nullptr, 10) << 20;
  const bool pieces = argc > 4 && std::string(argv[4]) == "pieces";
  std::string payload(bytes, '\0');
  std::uint64_t state = generation * 0x9E3779B97F4A7C15ull + 1;  // xorshift64
  for (std::size_t i = 0; i < bytes; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    payload[i] = static_cast<char>(state);
  }
  const std::string header = "{\"generation\": " + std::to_string(generation) + ", \"bytes\": " + std::to_string(bytes) +
                             ", \"sha256\": \"" + captioner::sha256_hex(payload) + "\"}\n";
  try {
    if (pieces) {
      captioner::write_file_atomically(path, [&](const captioner::ByteSink& write) {
        write(header.data(), header.size());
        for (std::size_t at = 0; at < payload.size(); at += 65536) {
          write(payload.data() + at, std::min<std::size_t>(65536, payload.size() - at));
        }
      });
    } else {
      captioner::write_file_atomically(path, header + payload);
    }
  } catch (const captioner::InputError& error) {
    std::cerr << "captioner_atomic_write_tool: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
