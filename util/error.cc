#include "util/error.h"

namespace captioner {

InputError file_error(std::string_view path, std::string_view problem) {
  std::string message(path);
  message += ": ";
  message += problem;
  return InputError(message);
}

InputError file_error(const std::filesystem::filesystem_error& error) {
  // what() is "filesystem error: <operation>: <reason> [path1] [path2]": keep the middle.
  std::string operation = error.what();
  if (const auto start = operation.find(": "); operation.rfind("filesystem error", 0) == 0 && start != std::string::npos) {
    operation.erase(0, start + 2);
  }
  if (const auto paths = operation.find(" ["); paths != std::string::npos) operation.erase(paths);
  return file_error(error.path1().empty() ? "(no path)" : error.path1().string(), operation);
}

}  // namespace captioner
