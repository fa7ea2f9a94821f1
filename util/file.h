#pragma once
// Reading whole files and writing them atomically.

#include <filesystem>
#include <string>
#include <string_view>

namespace captioner {

// The file's bytes; InputError naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Writes `contents` to a temporary file beside `path`, flushes it to disk and renames
// it over `path`, so that readers see the old file or the whole new one, never a part.
// InputError naming the file if that fails; the temporary file is removed.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace captioner
