#include "data/image_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "data/image_decode.h"
#include "util/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace captioner::data {
namespace {

constexpr const char* kFormat = "captioner-image-store";
constexpr const char* kJournalFormat = "captioner-image-store-journal";
constexpr int kVersion = 1;
// Names the pixels a store holds: change it whenever decode_image_file, preprocess_image_file
// or resize_and_center_crop would give different bytes, so that old stores are rebuilt.
constexpr const char* kPreprocessing = "decode_image_file(min_side=S) + resize_and_center_crop(S), v1";

std::string errno_text(int error) { return std::generic_category().message(error); }

struct StorePaths {
  explicit StorePaths(const fs::path& dir)
      : json(dir / "images.json"), array(dir / "images.u8"), partial(dir / "images.u8.partial"),
        journal(dir / "images.journal.json") {}
  fs::path json, array, partial, journal;
};

std::size_t bytes_per_image(int size) { return static_cast<std::size_t>(size) * size * 3; }

std::uintmax_t file_size_or(const fs::path& path, std::uintmax_t otherwise) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? otherwise : size;
}

void remove_if_present(const fs::path& path) {
  std::error_code error;
  fs::remove(path, error);
  if (error) throw file_error(path.string(), "cannot remove: " + error.message());
}

// SHA-256 over each source's key, absolute path, size and modification time (see the header).
std::string sources_fingerprint(const std::vector<ImageSource>& sources, int size) {
  std::string text = std::string(kPreprocessing) + "\nsize " + std::to_string(size) + "\n";
  for (const ImageSource& source : sources) {
    struct stat info {};
    const std::string path = fs::absolute(source.path).lexically_normal().string();
    const bool present = ::stat(path.c_str(), &info) == 0;
    text += source.key;
    text += '\0';
    text += path;
    text += '\0';
    text += present ? std::to_string(info.st_size) : "missing";
    text += '\0';
    text += present ? std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec) : "";
    text += '\n';
  }
  return sha256_hex(text);
}

json skipped_to_json(const std::vector<SkippedImage>& skipped) {
  json list = json::array();
  for (const SkippedImage& s : skipped) list.push_back({{"key", s.key}, {"path", s.path}, {"reason", s.reason}});
  return list;
}

std::vector<SkippedImage> skipped_from_json(const json& list) {
  std::vector<SkippedImage> skipped;
  for (const json& s : list) {
    skipped.push_back({s.at("key").get<std::string>(), s.at("path").get<std::string>(), s.at("reason").get<std::string>()});
  }
  return skipped;
}

std::optional<json> read_json_if_valid(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  try {
    return json::parse(read_file(path));
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged leftover: treated as absent and rebuilt
  }
}

// SHA-256 of a whole file, read through a mapping.
std::string file_sha256(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw file_error(path.string(), "cannot open: " + errno_text(errno));
  struct stat info {};
  ::fstat(fd, &info);
  const auto length = static_cast<std::size_t>(info.st_size);
  if (length == 0) {
    ::close(fd);
    return sha256_hex("");
  }
  void* data = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) throw file_error(path.string(), "cannot map: " + errno_text(errno));
  ::madvise(data, length, MADV_SEQUENTIAL);
  std::string digest = sha256_hex(std::string_view(static_cast<const char*>(data), length));
  ::munmap(data, length);
  return digest;
}

void write_all(int fd, const std::uint8_t* data, std::size_t length, const fs::path& path) {
  while (length > 0) {
    const ssize_t written = ::write(fd, data, length);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) throw file_error(path.string(), "cannot write: " + errno_text(errno));
    data += written;
    length -= static_cast<std::size_t>(written);
  }
}

// How far an interrupted build got: its first `done` sources are in the partial array
// (`stored` images) or in `skipped`.
struct Journal {
  std::size_t done = 0;
  std::size_t stored = 0;
  std::vector<SkippedImage> skipped;
};

std::optional<Journal> read_journal(const fs::path& path, const std::string& fingerprint, int size, std::size_t count) {
  const auto document = read_json_if_valid(path);
  if (!document) return std::nullopt;
  try {
    const json& j = *document;
    if (j.at("format") != kJournalFormat || j.at("version") != kVersion || j.at("size") != size ||
        j.at("sources_fingerprint") != fingerprint) {
      return std::nullopt;
    }
    Journal journal{j.at("done").get<std::size_t>(), j.at("stored").get<std::size_t>(), skipped_from_json(j.at("skipped"))};
    if (journal.done > count || journal.stored + journal.skipped.size() != journal.done) return std::nullopt;
    return journal;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

void write_journal(const fs::path& path, const Journal& journal, const std::string& fingerprint, int size) {
  const json j = {{"format", kJournalFormat},     {"version", kVersion},
                  {"size", size},                 {"sources_fingerprint", fingerprint},
                  {"done", journal.done},         {"stored", journal.stored},
                  {"skipped", skipped_to_json(journal.skipped)}};
  write_file_atomically(path, j.dump() + "\n");
}

// The result of a current store in `paths`, if there is one.
std::optional<ImageStoreBuildResult> current_store(const StorePaths& paths, const std::string& fingerprint, int size) {
  const auto document = read_json_if_valid(paths.json);
  if (!document) return std::nullopt;
  try {
    const json& j = *document;
    if (j.at("format") != kFormat || j.at("version") != kVersion || j.at("size") != size ||
        j.at("sources_fingerprint") != fingerprint) {
      return std::nullopt;
    }
    ImageStoreBuildResult result;
    result.stored = j.at("count").get<std::size_t>();
    result.skipped = skipped_from_json(j.at("skipped"));
    result.images_sha256 = j.at("images_sha256").get<std::string>();
    result.reused = true;
    if (file_size_or(paths.array, ~std::uintmax_t{0}) != result.stored * bytes_per_image(size)) return std::nullopt;
    return result;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

// The decoder's message is "path: problem"; a skip lists the path on its own.
std::string problem_of(const std::string& message, const fs::path& path) {
  const std::string prefix = path.string() + ": ";
  return message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
}

// Decodes sources [begin, end) with `threads` threads into slots of `pixels`; a source that
// cannot be read gets its problem in `problems` (empty: stored).
void decode_chunk(const std::vector<ImageSource>& sources, std::size_t begin, std::size_t end, int size, int threads,
                  std::vector<std::uint8_t>& pixels, std::vector<std::string>& problems, Progress* progress) {
  const std::size_t image_bytes = bytes_per_image(size);
  std::atomic<std::size_t> next{begin};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (std::size_t i = next++; i < end; i = next++) {
      std::string& problem = problems[i - begin];
      problem.clear();
      try {
        const cv::Mat rgb = preprocess_image_file(sources[i].path, size);
        if (!rgb.isContinuous() || rgb.total() * rgb.elemSize() != image_bytes) {
          throw std::logic_error("preprocess_image_file returned an unexpected layout");
        }
        std::memcpy(pixels.data() + (i - begin) * image_bytes, rgb.data, image_bytes);
      } catch (const InputError& error) {
        problem = problem_of(error.what(), sources[i].path);
      } catch (const cv::Exception& error) {
        problem = "cannot process: " + error.err;
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = end;  // stop the others early
        return;
      }
      if (progress != nullptr) progress->advance();
    }
  };
  std::vector<std::thread> helpers;
  const std::size_t wanted = std::min<std::size_t>(static_cast<std::size_t>(threads), end - begin);
  for (std::size_t t = 1; t < wanted; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  if (failure) std::rethrow_exception(failure);
}

// Appends the stored images of a decoded chunk to the partial array, flushes it to disk and
// only then records the chunk in the journal: the journal never claims bytes not on disk.
void commit_chunk(int fd, const fs::path& partial_path, const std::vector<ImageSource>& sources, std::size_t begin,
                  std::size_t end, std::vector<std::uint8_t>& pixels, const std::vector<std::string>& problems,
                  Journal& journal, const fs::path& journal_path, const std::string& fingerprint, int size) {
  const std::size_t image_bytes = bytes_per_image(size);
  std::size_t kept = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const std::string& problem = problems[i - begin];
    if (!problem.empty()) {
      journal.skipped.push_back({sources[i].key, sources[i].path.string(), problem});
      continue;
    }
    if (kept != i - begin) {
      std::memmove(pixels.data() + kept * image_bytes, pixels.data() + (i - begin) * image_bytes, image_bytes);
    }
    ++kept;
  }
  write_all(fd, pixels.data(), kept * image_bytes, partial_path);
  if (::fdatasync(fd) != 0) throw file_error(partial_path.string(), "cannot flush: " + errno_text(errno));
  journal.done = end;
  journal.stored += kept;
  write_journal(journal_path, journal, fingerprint, size);
}

void check_arguments(const std::vector<ImageSource>& sources, const ImageStoreOptions& options) {
  if (options.size < 1) throw InputError("image store: the image size must be at least 1, not " + std::to_string(options.size));
  if (options.threads < 1) throw InputError("image store: threads must be at least 1, not " + std::to_string(options.threads));
  if (options.flush_every < 1) {
    throw InputError("image store: flush_every must be at least 1, not " + std::to_string(options.flush_every));
  }
  std::unordered_map<std::string_view, const ImageSource*> seen;
  seen.reserve(sources.size());
  for (const ImageSource& source : sources) {
    const auto [it, added] = seen.emplace(source.key, &source);
    if (!added) {
      throw InputError("image store: the key '" + source.key + "' names two images (" + it->second->path.string() +
                       " and " + source.path.string() + ")");
    }
  }
}

}  // namespace

int ImageStoreOptions::default_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

ImageStoreBuildResult build_image_store(const std::vector<ImageSource>& sources, const ImageStoreOptions& options,
                                        const fs::path& dir, Progress* progress) {
  check_arguments(sources, options);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw file_error(dir.string(), "cannot create directory: " + error.message());
  const StorePaths paths(dir);
  const int size = options.size;
  const std::size_t image_bytes = bytes_per_image(size);
  const std::string fingerprint = sources_fingerprint(sources, size);

  auto strict_failure = [&](const std::vector<SkippedImage>& skipped) {
    if (options.strict && !skipped.empty()) throw file_error(skipped.front().path, skipped.front().reason);
  };

  if (auto current = current_store(paths, fingerprint, size)) {
    strict_failure(current->skipped);
    if (progress != nullptr) progress->advance(sources.size());
    return *current;
  }
  // From here on the directory holds no valid store: no reader may pair a new array with
  // an old images.json.
  remove_if_present(paths.json);

  std::optional<Journal> journal = read_journal(paths.journal, fingerprint, size, sources.size());
  const bool renamed_before_kill =  // killed between the final rename and writing images.json
      journal && journal->done == sources.size() && !fs::exists(paths.partial) &&
      file_size_or(paths.array, ~std::uintmax_t{0}) == journal->stored * image_bytes;
  if (journal && !renamed_before_kill && file_size_or(paths.partial, 0) < journal->stored * image_bytes) journal.reset();
  if (!journal) {
    remove_if_present(paths.journal);
    remove_if_present(paths.partial);
    journal = Journal{};
  }
  if (!renamed_before_kill) remove_if_present(paths.array);

  ImageStoreBuildResult result;
  result.resumed = journal->done;
  strict_failure(journal->skipped);
  if (progress != nullptr && journal->done > 0) progress->advance(journal->done);

  if (!renamed_before_kill) {
    const int fd = ::open(paths.partial.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw file_error(paths.partial.string(), "cannot write: " + errno_text(errno));
    // A kill may have left bytes of a chunk the journal does not record: cut them off.
    const auto kept_bytes = static_cast<off_t>(journal->stored * image_bytes);
    if (::ftruncate(fd, kept_bytes) != 0 || ::lseek(fd, kept_bytes, SEEK_SET) != kept_bytes) {
      const int failure = errno;
      ::close(fd);
      throw file_error(paths.partial.string(), "cannot write: " + errno_text(failure));
    }
    // Two chunk buffers: the threads decode one while the previous one is written and flushed.
    // At most ~64 MiB a buffer, whatever the image size.
    const std::size_t chunk = std::clamp<std::size_t>((std::size_t{64} << 20) / image_bytes, 1,
                                                      static_cast<std::size_t>(options.flush_every));
    std::vector<std::uint8_t> pixels[2];
    std::vector<std::string> problems[2];
    std::future<void> pending;
    auto wait_pending = [&] {
      if (pending.valid()) pending.get();
    };
    try {
      int which = 0;
      for (std::size_t begin = journal->done; begin < sources.size(); begin += chunk, which ^= 1) {
        const std::size_t end = std::min(sources.size(), begin + chunk);
        pixels[which].resize((end - begin) * image_bytes);
        problems[which].resize(end - begin);
        decode_chunk(sources, begin, end, size, options.threads, pixels[which], problems[which], progress);
        wait_pending();
        if (options.strict) {
          for (std::size_t i = begin; i < end; ++i) {
            if (!problems[which][i - begin].empty()) throw file_error(sources[i].path.string(), problems[which][i - begin]);
          }
        }
        pending = std::async(std::launch::async, [&, begin, end, which] {
          commit_chunk(fd, paths.partial, sources, begin, end, pixels[which], problems[which], *journal, paths.journal,
                       fingerprint, size);
        });
      }
      wait_pending();
    } catch (...) {
      if (pending.valid()) pending.wait();
      ::close(fd);
      // Nothing committed yet (a bad image with --strict, a full disk at once): nothing to
      // resume, so no partial array is left behind.
      if (journal->done == 0) {
        std::error_code ignored;
        fs::remove(paths.partial, ignored);
        fs::remove(paths.journal, ignored);
      }
      throw;
    }
    if (::close(fd) != 0) throw file_error(paths.partial.string(), "cannot flush: " + errno_text(errno));
    commit_file(paths.partial, paths.array);  // fsync, rename, fsync of the folder
  }

  result.stored = journal->stored;
  result.skipped = journal->skipped;
  result.images_sha256 = file_sha256(paths.array);
  std::vector<std::string> keys;
  keys.reserve(result.stored);
  {
    std::unordered_set<std::string_view> skipped_keys;
    for (const SkippedImage& s : result.skipped) skipped_keys.insert(s.key);
    for (const ImageSource& source : sources) {
      if (skipped_keys.count(source.key) == 0) keys.push_back(source.key);
    }
  }
  const json document = {{"format", kFormat},
                         {"version", kVersion},
                         {"size", size},
                         {"channels", 3},
                         {"layout", "N x size x size x 3 uint8, RGB"},
                         {"preprocessing", kPreprocessing},
                         {"count", result.stored},
                         {"keys", keys},
                         {"skipped", skipped_to_json(result.skipped)},
                         {"options", {{"size", size}, {"strict", options.strict}}},
                         {"sources", sources.size()},
                         {"sources_fingerprint", fingerprint},
                         {"images_sha256", result.images_sha256}};
  write_file_atomically(paths.json, document.dump(1) + "\n");
  remove_if_present(paths.journal);
  return result;
}

// ---------------------------------------------------------------------------------------

struct ImageStore::State {
  fs::path dir;
  int size = 0;
  std::vector<std::string> keys;
  std::unordered_map<std::string, std::size_t> index;
  std::uint8_t* data = nullptr;
  std::size_t bytes = 0;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (data != nullptr) ::munmap(data, bytes);
  }
};

ImageStore ImageStore::open(const fs::path& dir) {
  const StorePaths paths(dir);
  auto state = std::make_shared<State>();
  state->dir = dir;
  std::error_code error;
  if (!fs::exists(paths.json, error)) {
    throw file_error(paths.json.string(), "missing: no image store in this directory (is the build finished?)");
  }
  json document;
  try {
    document = json::parse(read_file(paths.json));
  } catch (const json::exception& failure) {
    throw file_error(paths.json.string(), std::string("malformed JSON: ") + failure.what());
  }
  std::size_t count = 0;
  try {
    if (document.at("format") != kFormat) throw file_error(paths.json.string(), "not an image store description");
    if (document.at("version") != kVersion) {
      throw file_error(paths.json.string(), "image store version " + document.at("version").dump() + ", this program reads " +
                                                std::to_string(kVersion) + ": rebuild it");
    }
    state->size = document.at("size").get<int>();
    count = document.at("count").get<std::size_t>();
    state->keys = document.at("keys").get<std::vector<std::string>>();
  } catch (const json::exception& failure) {
    throw file_error(paths.json.string(), std::string("missing or mistyped field: ") + failure.what());
  }
  if (state->size < 1) throw file_error(paths.json.string(), "size must be positive");
  if (state->keys.size() != count) {
    throw file_error(paths.json.string(), "count " + std::to_string(count) + " but " + std::to_string(state->keys.size()) + " keys");
  }
  state->index.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (!state->index.emplace(state->keys[i], i).second) {
      throw file_error(paths.json.string(), "the key '" + state->keys[i] + "' appears twice");
    }
  }

  const int fd = ::open(paths.array.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw file_error(paths.array.string(), "cannot open: " + errno_text(errno));
  struct stat info {};
  ::fstat(fd, &info);
  const std::size_t expected = count * bytes_per_image(state->size);
  if (static_cast<std::size_t>(info.st_size) != expected) {
    ::close(fd);
    throw file_error(paths.array.string(), "has " + std::to_string(info.st_size) + " bytes, but images.json describes " +
                                               std::to_string(count) + " images of " + std::to_string(state->size) + "x" +
                                               std::to_string(state->size) + "x3 = " + std::to_string(expected) +
                                               " bytes (truncated, or from another build)");
  }
  if (expected > 0) {
    // Private and writable: a tensor view written to by mistake changes only this process's
    // copy of those pages instead of crashing or changing the file.
    void* data = ::mmap(nullptr, expected, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      const int failure = errno;
      ::close(fd);
      throw file_error(paths.array.string(), "cannot map: " + errno_text(failure));
    }
    state->data = static_cast<std::uint8_t*>(data);
    state->bytes = expected;
  }
  ::close(fd);
  return ImageStore(std::move(state));
}

std::size_t ImageStore::size() const { return state_->keys.size(); }
int ImageStore::image_size() const { return state_->size; }
const std::vector<std::string>& ImageStore::keys() const { return state_->keys; }
const fs::path& ImageStore::directory() const { return state_->dir; }

std::optional<std::size_t> ImageStore::index_of(const std::string& key) const {
  const auto it = state_->index.find(key);
  if (it == state_->index.end()) return std::nullopt;
  return it->second;
}

const std::uint8_t* ImageStore::image(std::size_t i) const {
  if (i >= size()) {
    throw std::out_of_range("image store: image " + std::to_string(i) + " of " + std::to_string(size()));
  }
  return state_->data + i * image_bytes();
}

torch::Tensor ImageStore::all_images() const {
  const std::vector<int64_t> shape = {static_cast<int64_t>(size()), image_size(), image_size(), 3};
  if (size() == 0) return torch::empty(shape, torch::kUInt8);
  std::shared_ptr<const State> keep_alive = state_;
  return torch::from_blob(state_->data, shape, [keep_alive](void*) {}, torch::kUInt8);
}

torch::Tensor ImageStore::gather(const std::vector<std::size_t>& indices, const std::vector<bool>& flip) const {
  if (!flip.empty() && flip.size() != indices.size()) {
    throw std::invalid_argument("ImageStore::gather: flip must be empty or one entry per index");
  }
  const int s = image_size();
  torch::Tensor batch = torch::empty({static_cast<int64_t>(indices.size()), s, s, 3}, torch::kUInt8);
  std::uint8_t* out = batch.data_ptr<std::uint8_t>();
  const std::size_t row_bytes = static_cast<std::size_t>(s) * 3;
  for (std::size_t b = 0; b < indices.size(); ++b, out += image_bytes()) {
    const std::uint8_t* in = image(indices[b]);
    if (flip.empty() || !flip[b]) {
      std::memcpy(out, in, image_bytes());
      continue;
    }
    for (int y = 0; y < s; ++y) {
      const std::uint8_t* row = in + y * row_bytes;
      std::uint8_t* mirrored = out + y * row_bytes;
      for (int x = 0; x < s; ++x) std::memcpy(mirrored + 3 * x, row + 3 * (s - 1 - x), 3);
    }
  }
  return batch;
}

}  // namespace captioner::data
