#pragma once
// Errors in what the user gave us (a file, an option value). Commands report them as
// one line on stderr and exit with code 1; anything else escaping is a bug.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace captioner {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "path: problem", the one format for errors about a file.
InputError file_error(std::string_view path, std::string_view problem);

// A std::filesystem failure (no permission, no space, a file where a folder should be) as
// an InputError in the same format: "path: cannot create directories: Permission denied".
InputError file_error(const std::filesystem::filesystem_error& error);

}  // namespace captioner
