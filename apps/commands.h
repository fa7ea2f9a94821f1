#pragma once
// The captioner subcommands. Each lives in its own apps/command_<name>.cc: it parses its
// options (util/cli.h), makes one call into a library, and registers itself with
//   static const captioner::apps::CommandRegistration kRegistration{{"synth", "...", 10, &run}};
// argv[0] is "captioner <name>". Commands throw captioner::InputError for bad input;
// captioner.cc reports it as one line and exits 1.

#include <vector>

namespace captioner::apps {

struct Command {
  const char* name;
  const char* summary;
  int order;  // place in `captioner --help`: the order a researcher uses them
  int (*run)(int argc, char** argv);
};

// Every registered command, by `order`.
std::vector<Command> commands();

struct CommandRegistration {
  explicit CommandRegistration(Command command);
};

}  // namespace captioner::apps
