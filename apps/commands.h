#pragma once
// The captioner subcommands. Each lives in its own apps/command_<name>.cc: it parses its
// options (util/cli.h) and makes one call into a library. argv[0] is "captioner <name>".
// They throw captioner::InputError for bad input; captioner.cc reports it and exits 1.

namespace captioner::apps {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

}  // namespace captioner::apps
