// captioner inspect, end to end: the real executable on a config file.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

namespace fs = std::filesystem;

namespace {

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

Result run_captioner(const std::string& arguments) {
  // One file per test process: ctest runs the tests side by side.
  const fs::path err_file = fs::temp_directory_path() / ("captioner_inspect_test_" + std::to_string(getpid()) + ".err");
  const std::string command = std::string(CAPTIONER_PATH) + " " + arguments + " 2>" + err_file.string();
  Result result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  {
    std::ifstream err(err_file);
    result.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  }
  fs::remove(err_file);
  return result;
}

// A config file in the temp folder, removed when the test is done with it.
class TempConfig {
 public:
  TempConfig(const std::string& name, const std::string& text)
      : path_(fs::temp_directory_path() / (std::to_string(getpid()) + "_" + name)) {
    std::ofstream(path_) << text;
  }
  ~TempConfig() { fs::remove(path_); }
  TempConfig(const TempConfig&) = delete;
  TempConfig& operator=(const TempConfig&) = delete;
  operator std::string() const { return path_.string(); }

 private:
  fs::path path_;
};

TEST(Inspect, PrintsTheSeedsExampleFromAConfigFile) {
  const TempConfig config("inspect_seed.ini", "[encoder]\nspec = conv3x12p1 relu pool2 fc10\nimage-size = 32\nbackend = scratch\n");
  const Result result = run_captioner("inspect --config " + std::string(config));
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out,
            "encoder: conv3x12p1 relu pool2 fc10\n"
            "backend: scratch\n"
            "\n"
            "#  layer       output    params  MFLOP\n"
            "0  input       32x32x3\n"
            "1  conv3x12p1  32x32x12     336   0.66\n"
            "2  relu        32x32x12\n"
            "3  pool2       16x16x12\n"
            "4  fc10        1x1x10     30730   0.06\n"
            "total: 31066 parameters, 0.72 MFLOP per image (forward; a multiply-add is 2 FLOP), feature vector 10\n");
}

TEST(Inspect, TheCommandLineOverridesTheConfigAndPlansLargerImages) {
  const TempConfig config("inspect_override.ini", "[encoder]\nspec = conv3x12p1 relu pool2 fc10\nimage-size = 32\n");
  const Result result = run_captioner("inspect --config " + std::string(config) + " --encoder.image-size 16 --encode-size 20");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("3  pool2       8x8x12\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("on 20x20 images:"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("4  fc10        3x3x10"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("feature vector 10 (the average over 3x3 positions)"), std::string::npos) << result.out;
}

TEST(Inspect, TheDefaultEncoder) {
  const Result result = run_captioner("inspect --encoder.backend native");
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("17  fc256        1x1x256"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("feature vector 256\n"), std::string::npos) << result.out;
}

TEST(Inspect, BadSpecsAndValuesAreOneLineErrors) {
  const TempConfig bad_layer("inspect_bad_layer.ini", "[encoder]\nspec = conv3x12p1 rleu pool2 fc10\n");
  Result result = run_captioner("inspect --config " + std::string(bad_layer));
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err.rfind("captioner inspect: encoder spec: layer 2 'rleu': unknown layer (expected ", 0), 0u)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);

  const TempConfig inexact("inspect_inexact.ini", "[encoder]\nspec = conv3x8 pool2 pool2 fc10\nimage-size = 32\n");
  result = run_captioner("inspect --config " + std::string(inexact));
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.err,
            "captioner inspect: encoder spec: layer 3 'pool2' on 15x15x8: (15 - 2 + 2*0)/2 + 1 = 7.5 is not a whole "
            "number\n");

  result = run_captioner("inspect --encoder.backend fast");
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.err, "captioner inspect: encoder.backend: 'fast' is not one of native, scratch\n");

  const TempConfig unknown("inspect_unknown.ini", "[encoder]\nspecs = gap\n");
  result = run_captioner("inspect --config " + std::string(unknown));
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.err, "captioner inspect: " + std::string(unknown) + ": unknown key 'specs' in [encoder]\n");

  result = run_captioner("inspect --encode-size 70");
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err.rfind("captioner inspect: cannot encode 70x70 images with the encoder planned for 64x64: layer ", 0),
            0u)
      << result.err;
}

}  // namespace
