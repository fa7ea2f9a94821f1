#include "util/cli.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <type_traits>
#include <vector>

#include "util/error.h"
#include "util/file.h"

namespace po = boost::program_options;

namespace captioner {
namespace {

// Access to the texts Boost puts into its message (a protected member).
struct SubstitutionsOf : po::error_with_option_name {
  static constexpr auto kMember = &SubstitutionsOf::m_substitutions;
};

// Boost says "unrecognised option 'train.epoch'"; in a config file that is a key.
std::string describe_config_error(const po::error& error) {
  if (const auto* unknown = dynamic_cast<const po::unknown_option*>(&error)) {
    const std::string name = unknown->get_option_name();
    const auto dot = name.find('.');
    if (dot == std::string::npos) return "unknown key '" + name + "'";
    return "unknown key '" + name.substr(dot + 1) + "' in [" + name.substr(0, dot) + "]";
  }
  return program_options_error_text(error);
}

template <typename T>
bool format_as(const boost::any& value, std::string& text) {
  const auto* typed = boost::any_cast<T>(&value);
  if (!typed) return false;
  std::ostringstream out;
  out << std::setprecision(std::is_floating_point_v<T> ? 17 : 6) << *typed;
  text = out.str();
  return true;
}

bool any_to_string(const boost::any& value, std::string& text) {
  if (const auto* s = boost::any_cast<std::string>(&value)) {
    text = *s;
    return true;
  }
  if (const auto* b = boost::any_cast<bool>(&value)) {
    text = *b ? "true" : "false";
    return true;
  }
  return format_as<int>(value, text) || format_as<unsigned>(value, text) || format_as<long>(value, text) ||
         format_as<unsigned long>(value, text) || format_as<long long>(value, text) ||
         format_as<unsigned long long>(value, text) || format_as<double>(value, text) ||
         format_as<float>(value, text);
}

// Option name -> the config file its value came from (options from the command line or
// defaults are absent), for name_option_source.
std::map<std::string, std::string>& option_sources() {
  static std::map<std::string, std::string> sources;
  return sources;
}

}  // namespace

ParsedCommand parse_command(int argc, const char* const* argv, const std::string& usage,
                            const po::options_description& options, bool accepts_config,
                            std::ostream& out) {
  po::options_description general("General");
  general.add_options()("help,h", "show this help");
  if (accepts_config) {
    general.add_options()("config", po::value<std::vector<std::string>>()->value_name("FILE")->composing(),
                          "INI file: [section] key = value, the long options' names; "
                          "repeatable (a later file overrides an earlier one); the command line overrides them");
  }
  po::options_description all;
  all.add(options).add(general);

  ParsedCommand parsed;
  try {
    // No positional arguments: a stray word on the command line is an error. No guessing:
    // --train.epoch must not quietly mean --train.epochs.
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .positional(po::positional_options_description())
                  .run(),
              parsed.values);
  } catch (const po::error& error) {
    throw InputError(program_options_error_text(error) + " (see --help)");
  }
  if (parsed.values.count("help") || argc <= 1) {
    out << usage << '\n' << all << '\n';
    parsed.help_shown = true;
    return parsed;
  }
  if (accepts_config && parsed.values.count("config")) {
    const auto files = parsed.values["config"].as<std::vector<std::string>>();
    parsed.config_path = files.back();
    // Boost keeps the first value stored: the command line, then the files from the last.
    for (auto file_path = files.rbegin(); file_path != files.rend(); ++file_path) {
      std::istringstream file(read_file(*file_path));  // names the file when missing or a folder
      try {
        const auto from_file = po::parse_config_file(file, options, /*allow_unregistered=*/false);
        for (const auto& option : from_file.options) {
          const auto stored = parsed.values.find(option.string_key);
          if (stored == parsed.values.end() || stored->second.defaulted()) {
            option_sources().emplace(option.string_key, *file_path);
          }
        }
        po::store(from_file, parsed.values);
      } catch (const po::error& error) {
        throw file_error(*file_path, describe_config_error(error));
      }
    }
  }
  try {
    po::notify(parsed.values);
  } catch (const po::error& error) {
    throw InputError(program_options_error_text(error) + " (see --help)");
  }
  return parsed;
}

std::string program_options_error_text(const po::error& error) {
  if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&error)) {
    // what() builds the message on every call from its substitutions: changing them in the
    // caught exception object (never const itself) is what makes the next call safe.
    auto& writable = const_cast<po::error_with_option_name&>(*named);
    const auto substitutions = named->*SubstitutionsOf::kMember;  // a copy: set_substitute changes the map
    for (auto [placeholder, text] : substitutions) {
      if (text.find('%') == std::string::npos) continue;
      std::replace(text.begin(), text.end(), '%', '?');
      writable.set_substitute(placeholder, text);
    }
  }
  return error.what();
}

std::string resolved_config_ini(const po::options_description& options, const po::variables_map& values) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> sections;
  for (const auto& option : options.options()) {
    const std::string& name = option->long_name();
    const auto found = values.find(name);
    if (found == values.end() || found->second.empty()) continue;
    const auto dot = name.find('.');
    auto& entries = sections[dot == std::string::npos ? "" : name.substr(0, dot)];
    const std::string key = dot == std::string::npos ? name : name.substr(dot + 1);
    std::string text;
    if (const auto* list = boost::any_cast<std::vector<std::string>>(&found->second.value())) {
      for (const auto& item : *list) entries.emplace_back(key, item);  // a repeated key
    } else if (any_to_string(found->second.value(), text)) {
      entries.emplace_back(key, text);
    }  // else: a type INI cannot hold
  }
  std::ostringstream out;
  // Keys without a section come first: in INI they must precede every [section].
  for (const auto& [section, entries] : sections) {
    if (!section.empty()) out << '[' << section << "]\n";
    for (const auto& [key, value] : entries) out << key << " = " << value << '\n';
    out << '\n';
  }
  return out.str();
}

std::string name_option_source(const std::string& message) {
  const auto colon = message.find(": ");
  if (colon == std::string::npos) return message;
  const auto source = option_sources().find(message.substr(0, colon));
  return source == option_sources().end() ? message : source->second + ": " + message;
}

}  // namespace captioner
