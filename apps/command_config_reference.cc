// captioner config-reference: every key of an experiment config with its default and
// meaning, as the markdown table the README's config reference holds (generated from the
// options train parses, so the two cannot drift: scripts/update-readme-config.sh).
#include <iostream>

#include "apps/commands.h"
#include "apps/experiment_options.h"
#include "util/cli.h"

namespace {

int run_config_reference(int argc, char** argv) {
  const boost::program_options::options_description none("Options");
  // Without arguments parse_command shows the help: this command has nothing to parse.
  if (argc > 1) {
    const auto parsed = captioner::parse_command(
        argc, argv,
        "Usage: captioner config-reference\n"
        "Prints every key of an experiment config ([data], [encoder], [decoder], [train], [decode], [run]),\n"
        "its default and its meaning, as a markdown table.",
        none, /*accepts_config=*/false, std::cout);
    if (parsed.help_shown) return 0;
  }
  std::cout << captioner::apps::config_reference_markdown();
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"config-reference", "every experiment config key with its default and meaning (markdown)", 70,
     &run_config_reference}};

}  // namespace
