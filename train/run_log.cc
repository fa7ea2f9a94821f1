#include "train/run_log.h"

#include <sstream>

#include "util/error.h"
#include "util/file.h"

namespace captioner::train {

RunLog::RunLog(const std::filesystem::path& file, std::int64_t resume_step) : file_(file) {
  if (std::filesystem::exists(file)) {
    std::istringstream lines(read_file(file));
    std::string kept, line;
    while (std::getline(lines, line)) {
      // A line cut by the interruption does not parse: it goes too.
      const auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (entry.is_object() && entry.value("step", std::int64_t{0}) <= resume_step) kept += line + "\n";
    }
    write_file_atomically(file, kept);
  }
  out_.open(file, std::ios::app);
  if (!out_) throw file_error(file.string(), "cannot open the log for writing");
}

void RunLog::write(const nlohmann::json& entry) {
  out_ << entry.dump() << '\n' << std::flush;
  if (!out_) throw file_error(file_.string(), "cannot write to the log");
}

}  // namespace captioner::train
