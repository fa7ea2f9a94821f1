#pragma once
// Helpers for the prepare tests: small real JPEGs written with OpenCV, temporary folders,
// running the captioner executable, reading a directory's files.

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include "tests/support/command.h"

namespace captioner::test {

// A fresh folder under the system's temporary folder, named after the running test.
inline std::filesystem::path fresh_temp_dir(const std::string& tag = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("captioner_" + std::string(info->test_suite_name()) + "_" + info->name() + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A width x height JPEG whose colours and a rectangle depend on `seed`: distinct pixels per image.
inline void write_jpeg(const std::filesystem::path& path, int seed, int width = 32, int height = 24) {
  std::filesystem::create_directories(path.parent_path());
  cv::Mat image(height, width, CV_8UC3, cv::Scalar((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256));
  cv::rectangle(image, cv::Point(seed % (width / 2), (seed / 3) % (height / 2)), cv::Point(width - 3, height - 2),
                cv::Scalar((seed * 11) % 256, 255 - (seed * 7) % 256, (seed * 5) % 256), cv::FILLED);
  if (!cv::imwrite(path.string(), image)) throw std::runtime_error("cannot write " + path.string());
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every regular file of `dir` (not recursive) by name, with its bytes.
inline std::map<std::string, std::string> files_of(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files[entry.path().filename().string()] = read_text(entry.path());
  }
  return files;
}

}  // namespace captioner::test
