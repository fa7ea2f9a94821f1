// captioner: the research commands (synth, prepare, inspect, train, caption, report).
#include <algorithm>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "apps/runtime.h"
#include "util/cli.h"
#include "util/error.h"

namespace captioner::apps {
namespace {
std::vector<Command>& registry() {
  static std::vector<Command> registered;  // filled by static initialisers, before main
  return registered;
}
}  // namespace

CommandRegistration::CommandRegistration(Command command) { registry().push_back(command); }

std::vector<Command> commands() {
  std::vector<Command> sorted = registry();
  std::sort(sorted.begin(), sorted.end(), [](const Command& a, const Command& b) { return a.order < b.order; });
  return sorted;
}
}  // namespace captioner::apps

namespace {

void print_usage(std::ostream& out) {
  out << "Usage: captioner COMMAND [options]   (captioner COMMAND --help for its options)\n\nCommands:\n";
  const auto commands = captioner::apps::commands();
  std::size_t width = 0;
  for (const auto& command : commands) width = std::max(width, std::string(command.name).size());
  for (const auto& command : commands) {
    std::string name = command.name;
    name.resize(width + 2, ' ');  // the longest name and two spaces: no name is cut
    out << "  " << name << command.summary << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage(std::cout);
    return argc < 2 ? 1 : 0;
  }
  captioner::apps::keep_freed_memory_for_reuse();
  for (const auto& command : captioner::apps::commands()) {
    if (command.name != std::string(argv[1])) continue;
    std::string program = std::string("captioner ") + command.name;
    std::vector<char*> arguments(argv + 1, argv + argc);
    arguments[0] = program.data();
    try {
      return command.run(static_cast<int>(arguments.size()), arguments.data());
    } catch (const captioner::InputError& error) {
      std::cerr << program << ": " << captioner::name_option_source(error.what()) << '\n';
      return 1;
    } catch (const std::filesystem::filesystem_error& error) {
      // The system refused a file operation (permissions, a full disk): the user's to fix.
      std::cerr << program << ": " << captioner::file_error(error).what() << '\n';
      return 1;
    } catch (const std::exception& error) {
      // Not the user's fault: a bug or the system (out of memory, disk full).
      std::cerr << program << ": internal error: " << error.what() << '\n';
      return 2;
    }
  }
  std::cerr << "captioner: unknown command '" << argv[1] << "'\n";
  print_usage(std::cerr);
  return 1;
}
