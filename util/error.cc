#include "util/error.h"

namespace captioner {

InputError file_error(std::string_view path, std::string_view problem) {
  std::string message(path);
  message += ": ";
  message += problem;
  return InputError(message);
}

}  // namespace captioner
