#include "util/cli.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "util/error.h"

namespace po = boost::program_options;
using captioner::InputError;
using captioner::parse_command;

namespace {

struct Settings {
  int epochs = 10;
  double rate = 0.001;
  std::string spec = "conv3x8 relu";
  bool verbose = false;
};

po::options_description describe(Settings& s) {
  po::options_description options("Options");
  options.add_options()
      ("train.epochs", po::value(&s.epochs)->default_value(s.epochs), "epochs")
      ("train.rate", po::value(&s.rate)->default_value(s.rate), "learning rate")
      ("encoder.spec", po::value(&s.spec)->default_value(s.spec), "layers")
      ("verbose", po::bool_switch(&s.verbose), "say more");
  return options;
}

captioner::ParsedCommand parse(std::vector<const char*> args, po::options_description& options) {
  args.insert(args.begin(), "captioner test");
  std::ostringstream out;
  return parse_command(static_cast<int>(args.size()), args.data(), "Usage: test", options, true, out);
}

std::string write_config(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(Cli, CommandLineOverridesTheConfigFile) {
  Settings s;
  auto options = describe(s);
  const auto config = write_config("cli_test_a.ini", "[train]\nepochs = 3\nrate = 0.5\n[encoder]\nspec = conv5x4 tanh\n");
  parse({"--config", config.c_str(), "--train.epochs", "7"}, options);
  EXPECT_EQ(s.epochs, 7);
  EXPECT_EQ(s.rate, 0.5);
  EXPECT_EQ(s.spec, "conv5x4 tanh");
}

TEST(Cli, UnknownConfigKeyNamesTheFileSectionAndKey) {
  Settings s;
  auto options = describe(s);
  const auto config = write_config("cli_test_b.ini", "[train]\nepoch = 3\n");
  try {
    parse({"--config", config.c_str()}, options);
    FAIL() << "expected an error";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), config + ": unknown key 'epoch' in [train]");
  }
}

TEST(Cli, BadValueAndUnknownOptionAreErrors) {
  Settings s;
  auto options = describe(s);
  EXPECT_THROW(parse({"--train.epochs", "many"}, options), InputError);
  EXPECT_THROW(parse({"--train.epoch", "3"}, options), InputError);
  EXPECT_THROW(parse({"stray"}, options), InputError);
  const auto config = write_config("cli_test_c.ini", "[train]\nrate = fast\n");
  try {
    parse({"--config", config.c_str()}, options);
    FAIL() << "expected an error";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()).rfind(config + ": ", 0), 0u) << error.what();
  }
  EXPECT_THROW(parse({"--config", "/nonexistent/x.ini"}, options), InputError);
}

// Found by the config_ini fuzzer: Boost's error_with_option_name::what() replaces
// "%value%" and the other placeholders in a loop that never ends when the text put in
// contains its placeholder again, so "--train.epochs %value%" (or "epochs = %value%" in a
// config file) hung every command. Parsed in a child process that is killed after 20 s.
TEST(Cli, AValueHoldingBoostsPlaceholderIsAnErrorNotAHang) {
  const auto config = write_config("cli_test_placeholder.ini", "[train]\nepochs = %value%\n");
  const std::vector<std::vector<const char*>> cases = {
      {"--train.epochs", "%value%"}, {"--train.epochs", "7%canonical_option%"}, {"--config", config.c_str()}};
  for (const auto& args : cases) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      Settings s;
      auto options = describe(s);
      try {
        parse(args, options);
      } catch (const InputError& error) {
        const std::string message = error.what();
        ::_exit(message.find("epochs") != std::string::npos && message.find('\n') == std::string::npos ? 0 : 3);
      }
      ::_exit(2);
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (::waitpid(child, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        FAIL() << args[0] << " " << args[1] << ": parsing hangs";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << args[0] << " " << args[1] << ": status " << status;
  }
}

// The same for the callers that parse a run's config.ini with Boost directly (caption, compare):
// a line that is not "key = value" is put into the message as it is.
TEST(Cli, ProgramOptionsErrorTextOfAnyError) {
  po::invalid_config_file_syntax syntax("%invalid_line%", po::invalid_syntax::unrecognized_line);
  EXPECT_EQ(captioner::program_options_error_text(syntax),
            "the options configuration file contains an invalid line '?invalid_line?'");
  po::invalid_option_value value("%value%");
  value.set_option_name("train.epochs");
  EXPECT_EQ(captioner::program_options_error_text(value), "the argument ('?value?') for option 'train.epochs' is invalid");
  EXPECT_EQ(captioner::program_options_error_text(po::error("plain %value%")), "plain %value%");
}

TEST(Cli, HelpIsShownAndParsingStops) {
  Settings s;
  auto options = describe(s);
  std::vector<const char*> args = {"captioner test", "--help"};
  std::ostringstream out;
  const auto parsed = parse_command(2, args.data(), "Usage: test", options, true, out);
  EXPECT_TRUE(parsed.help_shown);
  EXPECT_NE(out.str().find("--train.epochs"), std::string::npos);
  EXPECT_NE(out.str().find("--config"), std::string::npos);
}

TEST(Cli, ResolvedConfigReadsBackToTheSameValues) {
  Settings s;
  auto options = describe(s);
  const auto parsed = parse({"--train.epochs", "4", "--train.rate", "0.1", "--verbose"}, options);
  const std::string ini = captioner::resolved_config_ini(options, parsed.values);
  EXPECT_NE(ini.find("[train]\nepochs = 4\nrate = 0.10000000000000001\n"), std::string::npos) << ini;
  EXPECT_EQ(ini.rfind("verbose = true\n", 0), 0u) << ini;  // keys without a section come first
  Settings t;
  auto again = describe(t);
  const auto config = write_config("cli_test_d.ini", ini);
  parse({"--config", config.c_str()}, again);
  EXPECT_EQ(t.epochs, 4);
  EXPECT_EQ(t.rate, 0.1);
  EXPECT_EQ(t.spec, s.spec);
  EXPECT_TRUE(t.verbose);
}

}  // namespace

namespace {

TEST(Cli, LaterConfigFilesOverrideEarlierOnes) {
  Settings s;
  auto options = describe(s);
  const auto base = write_config("cli_test_base.ini", "[train]\nepochs = 3\nrate = 0.5\n");
  const auto ablation = write_config("cli_test_ablation.ini", "[train]\nrate = 0.25\n");
  const auto parsed = parse({"--config", base.c_str(), "--config", ablation.c_str()}, options);
  EXPECT_EQ(s.epochs, 3);
  EXPECT_EQ(s.rate, 0.25);
  EXPECT_EQ(parsed.config_path, ablation);
}

}  // namespace
