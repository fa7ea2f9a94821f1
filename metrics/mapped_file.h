#pragma once
// A file mapped into memory read-only: METEOR's data is read where it lies (hashed,
// parsed, or used as is, like the paraphrase cache) instead of copied into buffers.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace captioner::metrics {

class MappedFile {
 public:
  // InputError naming the file if it cannot be opened and mapped, or is not a regular file.
  static MappedFile open(const std::filesystem::path& path);

  std::string_view bytes() const { return bytes_; }
  // Keeps the mapping alive as long as the holder lives (it outlives this object).
  std::shared_ptr<const void> keeper() const { return mapping_; }

 private:
  std::shared_ptr<const void> mapping_;
  std::string_view bytes_;
};

}  // namespace captioner::metrics
