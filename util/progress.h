#pragma once
// Progress of long work: count, rate and ETA. On a terminal one line redrawn in place;
// otherwise (a log, CI) a plain line every `log_interval` seconds and one at the end.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>

namespace captioner {

class Progress {
 public:
  // `total` 0 when unknown (no percentage or ETA then). Writes to `out` (stderr by default).
  Progress(std::string what, std::uint64_t total, std::ostream* out = nullptr, double log_interval = 10.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Counts `n` more items done; safe from several threads.
  void advance(std::uint64_t n = 1);
  // Extra text shown after the rate, e.g. "loss 2.31".
  void set_detail(std::string detail);
  // Prints the final line (count, elapsed time, mean rate); the destructor calls it once.
  void finish();

  std::uint64_t done() const { return done_.load(); }
  double elapsed_seconds() const;

 private:
  void print(bool final_line);

  std::string what_;
  std::uint64_t total_;
  std::ostream& out_;
  bool terminal_;
  double log_interval_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex mutex_;  // guards what follows and the output
  std::string detail_;
  double last_print_ = -1e9;
  bool finished_ = false;
};

// "1:02:03" or "2:03".
std::string format_duration(double seconds);

}  // namespace captioner
