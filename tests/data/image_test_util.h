#pragma once
// Helpers for the image tests: temporary directories and real image files made on the spot.

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace captioner::test {

// A fresh directory under the system's temporary folder, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("captioner_" + name + "_XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::vector<std::uint8_t> encode(const cv::Mat& image, const std::string& extension, std::vector<int> params = {}) {
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(extension, image, bytes, params)) throw std::runtime_error("cannot encode " + extension);
  return bytes;
}

inline std::vector<std::uint8_t> encode_jpeg(const cv::Mat& image, int quality = 95) {
  return encode(image, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
}

// A picture with structure in every direction: a coloured gradient, a few shapes and a
// corner marker, so that a flip, a rotation or a wrong crop changes it. `seed` varies it.
inline cv::Mat test_picture(int width, int height, int seed) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>((x * 255) / std::max(1, width - 1)),
                                            static_cast<std::uint8_t>((y * 255) / std::max(1, height - 1)),
                                            static_cast<std::uint8_t>((seed * 37) % 256));
    }
  }
  cv::circle(image, cv::Point(width / 3, height / 2), std::max(2, height / 5), cv::Scalar(20, 200, (seed * 91) % 256), -1);
  cv::rectangle(image, cv::Rect(width / 2, height / 4, std::max(2, width / 4), std::max(2, height / 3)),
                cv::Scalar((seed * 53) % 256, 30, 220), -1);
  cv::rectangle(image, cv::Rect(0, 0, std::max(2, width / 8), std::max(2, height / 8)), cv::Scalar(255, 255, 255), -1);
  return image;
}

// `jpeg` with an EXIF APP1 segment carrying `orientation` (1-8) right after its SOI marker.
inline std::vector<std::uint8_t> with_exif_orientation(const std::vector<std::uint8_t>& jpeg, int orientation) {
  const std::vector<std::uint8_t> segment = {
      0xFF, 0xE1, 0x00, 34,                             // APP1, length 34
      'E', 'x', 'i', 'f', 0, 0,                         // EXIF header
      'M', 'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,     // big-endian TIFF header, IFD at offset 8
      0x00, 0x01,                                       // one entry
      0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,   // Orientation, SHORT, count 1
      0x00, static_cast<std::uint8_t>(orientation), 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00};                          // no next IFD
  std::vector<std::uint8_t> out(jpeg.begin(), jpeg.begin() + 2);
  out.insert(out.end(), segment.begin(), segment.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

}  // namespace captioner::test
