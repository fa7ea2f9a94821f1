// The README's config reference is `captioner config-reference`'s output, generated from the
// options train parses: this fails when an option changed and the README was not
// regenerated (scripts/update-readme-config.sh).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace {

TEST(ReadmeConfigReference, IsWhatTheOptionDefinitionsGenerate) {
  const auto generated = captioner::test::run_command(std::string(CAPTIONER_PATH) + " config-reference 2>/dev/null");
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  // Every section's keys are in it, with defaults.
  for (const char* key : {"`data.dir`", "`encoder.spec`", "`decoder.hidden-size`", "`train.epochs`",
                          "`decode.beam`", "`run.dir`"}) {
    EXPECT_NE(generated.output.find(std::string("| ") + key + " | "), std::string::npos) << key;
  }
  const std::filesystem::path readme = std::filesystem::path(TEST_FIXTURES_DIR) / ".." / ".." / "README.md";
  std::ifstream in(readme);
  ASSERT_TRUE(in) << readme;
  const std::string text(std::istreambuf_iterator<char>(in), {});
  const std::string begin = "<!-- config-reference:begin -->\n", end = "<!-- config-reference:end -->";
  const auto from = text.find(begin), to = text.find(end);
  ASSERT_NE(from, std::string::npos) << readme << " has no " << begin;
  ASSERT_NE(to, std::string::npos) << readme << " has no " << end;
  EXPECT_EQ(text.substr(from + begin.size(), to - from - begin.size()), generated.output)
      << "README.md's config reference differs from `captioner config-reference`: run scripts/update-readme-config.sh";
}

}  // namespace
