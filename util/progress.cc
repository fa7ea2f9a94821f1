#include "util/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace captioner {

Progress::Progress(std::string what, std::uint64_t total, std::ostream* out, double log_interval)
    : what_(std::move(what)),
      total_(total),
      out_(out ? *out : std::cerr),
      // Only stderr itself can be a terminal; any other stream is a log.
      terminal_(&out_ == &std::cerr && isatty(fileno(stderr))),
      log_interval_(log_interval),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(std::uint64_t n) {
  done_ += n;
  const double now = elapsed_seconds();
  // Redraw a terminal line at most 10 times a second; log lines every log_interval_.
  const double interval = terminal_ ? 0.1 : log_interval_;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_ || now - last_print_ < interval) return;
  last_print_ = now;
  print(false);
}

void Progress::set_detail(std::string detail) {
  std::lock_guard<std::mutex> lock(mutex_);
  detail_ = std::move(detail);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  print(true);
}

void Progress::print(bool final_line) {
  const double elapsed = elapsed_seconds();
  const std::uint64_t done = done_.load();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  std::ostringstream line;
  line << what_ << ' ' << done;
  if (total_ > 0) {
    line << '/' << total_ << " (" << std::fixed << std::setprecision(1)
         << 100.0 * static_cast<double>(done) / static_cast<double>(total_) << "%)";
  }
  line << std::fixed << std::setprecision(rate < 10 ? 2 : 1) << ", " << rate << "/s";
  if (final_line) {
    line << ", " << format_duration(elapsed);
  } else if (total_ > 0 && rate > 0 && done < total_) {
    line << ", ETA " << format_duration(static_cast<double>(total_ - done) / rate);
  }
  if (!detail_.empty()) line << ", " << detail_;
  if (terminal_) {
    out_ << "\r\033[K" << line.str() << (final_line ? "\n" : "") << std::flush;
  } else {
    out_ << line.str() << '\n' << std::flush;
  }
}

std::string format_duration(double seconds) {
  const auto total = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", total / 60, total % 60);
  }
  return text;
}

}  // namespace captioner
