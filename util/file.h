#pragma once
// Reading whole files and writing them atomically: the ONE place where outputs reach the
// disk. Every writer goes through write_file_atomically (or, for a file built in place over
// a long time, commit_file), so that a crash, a kill or a full disk leaves either the old
// complete file or the new complete file under the output's name, never a part of one.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace captioner {

// The file's bytes; InputError naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Receives a file's bytes in pieces. It never throws (so that C libraries' write callbacks,
// LibTorch's zip writer among them, may call it): it remembers the first failure and
// ignores what comes after; write_file_atomically reports it.
using ByteSink = std::function<void(const void* data, std::size_t size)>;

// Writes `contents` to a temporary file beside `path` (temporary_path), flushes it to disk
// (fsync), renames it over `path` and flushes the directory, so that readers see the old
// file or the whole new one, never a part. InputError naming `path` if that fails (disk
// full, no permission, a directory in the way); the temporary file is removed and `path`
// is left as it was.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

// The same for contents produced in pieces: `produce` calls the sink as often as it likes.
// If `produce` throws, the temporary file is removed and the exception goes on.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(const ByteSink&)>& produce);

// Where write_file_atomically puts `path`'s bytes while writing: "<path>.captioner-tmp-<pid>".
// A process killed mid-write leaves such a file; no reader opens it (readers open exact
// names, folder scans take image extensions only), the next write of `path` by the same
// process id would replace it, and remove_stale_temporaries deletes it.
std::filesystem::path temporary_path(const std::filesystem::path& path);

// True for names made by temporary_path.
bool is_temporary_path(const std::filesystem::path& path);

// Moves a complete file that a writer built in place (`temporary`, in the same directory
// as `path`) over `path`: fsync of the file, rename, fsync of the directory. For outputs
// too big or too long-lived to pass through write_file_atomically (the image store's array,
// built over hours with a resume journal). InputError naming `path` if that fails.
void commit_file(const std::filesystem::path& temporary, const std::filesystem::path& path);

// Deletes the temporary files (temporary_path) in `dir` that killed processes left behind:
// those whose process id is not a running process. Commands call it for the output folders
// they own; a missing folder is fine.
void remove_stale_temporaries(const std::filesystem::path& dir);

// An exclusive lock on a folder that one process writes over a long time (a training run):
// flock on "<dir>/.lock" (an empty file, left in place). The kernel drops the lock when
// the process exits or is killed, so a killed run never leaves a stale lock behind.
class DirectoryLock {
 public:
  // Creates `dir` if needed. InputError naming `dir` if another process holds the lock;
  // `activity` says what it is doing there ("training the run").
  DirectoryLock(const std::filesystem::path& dir, const std::string& activity);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace captioner
