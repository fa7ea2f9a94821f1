#pragma once
// Option parsing for every captioner command, by DESIGN.md's conventions: --help on every
// command; an INI config file (--config) whose [section] keys are the long options
// ("[train] epochs = 10" is --train.epochs 10); the command line overrides the file;
// unknown options and keys, and values of the wrong type, are errors naming their source.

#include <iosfwd>
#include <string>

#include <boost/program_options.hpp>

namespace captioner {

struct ParsedCommand {
  boost::program_options::variables_map values;
  bool help_shown = false;  // --help was given (or no argument at all): the help is printed
  std::string config_path;  // the last --config file, empty when none
};

// Parses a command's arguments (argv[0] is skipped) against `options`, adds --help, and
// --config FILE when `accepts_config` (repeatable: a later file overrides an earlier one,
// e.g. a base experiment and then an ablation's few keys). Prints `usage` and the options to `out` for --help.
// Throws InputError (one line, naming the config file where the problem lies).
ParsedCommand parse_command(int argc, const char* const* argv, const std::string& usage,
                            const boost::program_options::options_description& options,
                            bool accepts_config, std::ostream& out);

// An error message about an option's value, as the libraries word it ("train.learning-rate:
// must be positive"), with the config file that set the value in front when one did
// ("neg_lr.ini: train.learning-rate: must be positive"): the file to edit. Other messages
// come back unchanged. Knows the options of the last parse_command in this process.
std::string name_option_source(const std::string& message);

// A Boost.Program_options error's message. Use it instead of what(): Boost replaces each
// placeholder of its message ("%value%", "%option%", "%invalid_line%", ...) in a loop that
// never ends when the text put in contains the placeholder again, so a value such as
// "%value%" hung the command; here a '%' in those texts becomes '?'.
std::string program_options_error_text(const boost::program_options::error& error);

// Every option of `options` that has a value (given or default) as INI text, grouped by
// the section before the first dot of its name: the resolved config a run directory keeps,
// which parse_command reads back as a --config file.
std::string resolved_config_ini(const boost::program_options::options_description& options,
                                const boost::program_options::variables_map& values);

}  // namespace captioner
