#include "util/file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "util/error.h"

namespace captioner {
namespace {

constexpr std::string_view kTemporaryMarker = ".captioner-tmp-";

std::string errno_text(int error) { return std::generic_category().message(error); }

// Writes everything or returns false with errno set.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// fsync of the folder holding `path`, so that a rename in it survives a power cut.
// Returns errno, 0 when done.
int sync_parent_directory(const std::filesystem::path& path) {
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int error = ::fsync(fd) == 0 || errno == EINVAL ? 0 : errno;  // EINVAL: a file system without it
  ::close(fd);
  return error;
}

// rename + fsync of the folder; errno or 0.
int rename_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (std::rename(from.c_str(), to.c_str()) != 0) return errno;
  return sync_parent_directory(to);
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

std::filesystem::path temporary_path(const std::filesystem::path& path) {
  std::filesystem::path temporary = path;
  temporary += std::string(kTemporaryMarker) + std::to_string(::getpid());
  return temporary;
}

bool is_temporary_path(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  const std::size_t marker = name.rfind(kTemporaryMarker);
  if (marker == std::string::npos || marker == 0) return false;
  const std::size_t digits = marker + kTemporaryMarker.size();
  return digits < name.size() && name.find_first_not_of("0123456789", digits) == std::string::npos;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  write_file_atomically(path, [&](const ByteSink& write) { write(contents.data(), contents.size()); });
}

void write_file_atomically(const std::filesystem::path& path, const std::function<void(const ByteSink&)>& produce) {
  std::error_code error_code;
  if (std::filesystem::is_directory(path, error_code)) throw file_error(path.string(), "is a directory, not a file");
  const std::filesystem::path temporary = temporary_path(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw file_error(path.string(), "cannot write: " + errno_text(errno));
  int error = 0;  // the first failure; later pieces are dropped
  const ByteSink sink = [&](const void* data, std::size_t size) {
    if (error == 0 && !write_all(fd, static_cast<const char*>(data), size)) error = errno;
  };
  try {
    produce(sink);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0) error = rename_durably(temporary, path);
  if (error != 0) {
    ::unlink(temporary.c_str());
    throw file_error(path.string(), "cannot write: " + errno_text(error));
  }
}

void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& path) {
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw file_error(temporary.string(), "cannot open: " + errno_text(errno));
  int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (error == 0) error = rename_durably(temporary, path);
  if (error != 0) throw file_error(path.string(), "cannot move the finished file into place: " + errno_text(error));
}

void remove_stale_temporaries(const std::filesystem::path& dir) {
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::filesystem::path& path = it->path();
    if (!is_temporary_path(path)) continue;
    const std::string name = path.filename().string();
    const std::string digits = name.substr(name.rfind(kTemporaryMarker) + kTemporaryMarker.size());
    if (digits.size() > 9) continue;  // not a process id of ours
    const long pid = std::stol(digits);
    // A live process may be writing it (another command on the same folder): left alone.
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }
}

DirectoryLock::DirectoryLock(const std::filesystem::path& dir, const std::string& activity) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw file_error(dir.string(), "cannot create the folder: " + error.message());
  const std::filesystem::path lock = dir / ".lock";
  fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw file_error(lock.string(), "cannot open the lock file: " + errno_text(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int failure = errno;
    ::close(fd_);
    fd_ = -1;
    if (failure != EWOULDBLOCK) throw file_error(lock.string(), "cannot lock: " + errno_text(failure));
    throw file_error(dir.string(), "another process is " + activity + " (it holds " + lock.filename().string() +
                                       "); wait for it to end or stop it first");
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace captioner
