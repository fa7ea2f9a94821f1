#pragma once
// Running the project's executables from tests: one place for it.

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace captioner::test {

struct CommandResult {
  int exit_code = -1;   // -1: did not exit normally (a signal, a crash)
  std::string output;   // stdout and stderr together
};

// A word for the shell, single-quoted.
inline std::string quoted(const std::string& word) {
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command line, capturing its output.
inline CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace captioner::test
