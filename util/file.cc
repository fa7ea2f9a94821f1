#include "util/file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "util/error.h"

namespace captioner {
namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

// Writes everything or reports errno.
bool write_all(int fd, std::string_view contents) {
  while (!contents.empty()) {
    const ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    contents.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

std::string read_file(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw file_error(path.string(), "is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path.string(), "cannot open: " + errno_text(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw file_error(path.string(), "cannot read: " + errno_text(errno));
  return std::move(contents).str();
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path temporary = path;
  temporary += ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw file_error(path.string(), "cannot write: " + errno_text(errno));
  const bool written = write_all(fd, contents) && ::fsync(fd) == 0;
  const int write_error = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = !written ? write_error : errno;
    ::unlink(temporary.c_str());
    throw file_error(path.string(), "cannot write: " + errno_text(error));
  }
}

}  // namespace captioner
