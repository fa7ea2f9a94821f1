#include "metrics/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "util/error.h"

namespace captioner::metrics {

MappedFile MappedFile::open(const std::filesystem::path& path) {
  auto failure = [&path](const char* what) {
    return file_error(path.string(), std::string(what) + ": " + std::generic_category().message(errno));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw failure("cannot open");
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const InputError error = failure("cannot read");
    ::close(fd);
    throw error;
  }
  if (!S_ISREG(status.st_mode)) {
    ::close(fd);
    throw file_error(path.string(), "is not a regular file");
  }
  MappedFile file;
  const auto size = static_cast<std::size_t>(status.st_size);
  if (size > 0) {
    void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const InputError error = failure("cannot map");
      ::close(fd);
      throw error;
    }
    file.mapping_ = std::shared_ptr<const void>(data, [size](const void* mapped) { ::munmap(const_cast<void*>(mapped), size); });
    file.bytes_ = std::string_view(static_cast<const char*>(data), size);
  }
  ::close(fd);
  return file;
}

}  // namespace captioner::metrics
