#include "data/image_decode.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "data/image_preprocess.h"
#include "util/error.h"

namespace captioner::data {
namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw file_error(path.string(), "cannot open: " + errno_text(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || S_ISDIR(info.st_mode)) {
    const int error = errno;
    const bool directory = S_ISDIR(info.st_mode);
    ::close(fd);
    throw file_error(path.string(), directory ? "is a directory, not an image file" : "cannot read: " + errno_text(error));
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(std::max<off_t>(info.st_size, 0)));
  std::size_t filled = 0;
  for (;;) {
    if (filled == bytes.size()) bytes.resize(bytes.size() + 65536);  // the file grew, or is not regular
    const ssize_t got = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      ::close(fd);
      throw file_error(path.string(), "cannot read: " + errno_text(error));
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  ::close(fd);
  bytes.resize(filled);
  return bytes;
}

unsigned big_endian16(const std::uint8_t* p) { return (unsigned{p[0]} << 8) | p[1]; }
std::uint32_t big_endian32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

bool is_jpeg(const std::vector<std::uint8_t>& b) {
  return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
}
bool is_png(const std::vector<std::uint8_t>& b) {
  static const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return b.size() >= 8 && std::equal(signature, signature + 8, b.begin());
}

// Pillow's limit against decompression bombs (twice Image.MAX_IMAGE_PIXELS): a header that
// claims more pixels is refused before any pixel buffer is allocated. Camera photos stay
// under it (150 megapixels); a 20,000 x 20,000 header (1.2 GB decoded) does not.
constexpr std::uint64_t kMaxPixels = 178956970;

std::string check_pixel_count(std::uint64_t width, std::uint64_t height) {
  if (width * height <= kMaxPixels) return "";
  return "image of " + std::to_string(width) + " x " + std::to_string(height) + " pixels is over the limit of " +
         std::to_string(kMaxPixels) + " pixels (a decompression bomb?)";
}

constexpr const char* kTruncatedJpeg = "truncated JPEG (the file ends before its end-of-image marker)";

// libjpeg decodes a truncated JPEG with a warning and grey rows where the data ran out,
// and OpenCV returns that image. So the structure is walked first: marker segments by
// their lengths, entropy-coded scans up to their next marker, until the end-of-image
// marker. Returns the problem, or "" when whole; sets the frame's shorter side.
std::string check_jpeg_structure(const std::vector<std::uint8_t>& b, int& shorter_side) {
  const std::uint8_t* p = b.data();
  const std::size_t n = b.size();
  std::size_t pos = 2;  // after the start-of-image marker
  for (;;) {
    while (pos < n && p[pos] != 0xFF) ++pos;  // stray bytes before a marker: libjpeg skips them too
    while (pos < n && p[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= n) return kTruncatedJpeg;
    const std::uint8_t marker = p[pos++];
    if (marker == 0xD9) return "";                                                // end of image
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (pos + 2 > n) return kTruncatedJpeg;
    const std::size_t length = big_endian16(p + pos);
    if (length < 2) return "corrupt JPEG (a marker segment with length " + std::to_string(length) + ")";
    if (pos + length > n) return kTruncatedJpeg;
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame && length >= 7) {
      const unsigned height = big_endian16(p + pos + 3), width = big_endian16(p + pos + 5);
      shorter_side = static_cast<int>(std::min(height, width));
      if (std::string problem = check_pixel_count(width, height); !problem.empty()) return problem;
    }
    pos += length;
    if (marker != 0xDA) continue;
    // Start of scan: entropy-coded data, in which 0xFF is followed by 0x00 (a stuffed byte),
    // a restart marker, or the marker that ends the scan.
    for (;;) {
      const void* next = std::memchr(p + pos, 0xFF, n - pos);
      if (next == nullptr) return kTruncatedJpeg;
      pos = static_cast<std::size_t>(static_cast<const std::uint8_t*>(next) - p);
      if (pos + 1 >= n) return kTruncatedJpeg;
      const std::uint8_t after = p[pos + 1];
      if (after == 0x00 || (after >= 0xD0 && after <= 0xD7)) {
        pos += 2;
      } else if (after == 0xFF) {
        pos += 1;
      } else {
        break;  // a marker: back to the segment loop
      }
    }
  }
}

// A PNG ends with its IEND chunk; libpng may return what it had before the data ran out.
std::string check_png_structure(const std::vector<std::uint8_t>& b) {
  // IHDR comes first: width and height at bytes 16 and 20.
  if (b.size() >= 24 && std::memcmp(b.data() + 12, "IHDR", 4) == 0) {
    if (std::string problem = check_pixel_count(big_endian32(b.data() + 16), big_endian32(b.data() + 20)); !problem.empty()) {
      return problem;
    }
  }
  std::size_t pos = 8;  // after the signature
  while (pos + 8 <= b.size()) {
    const std::uint64_t length = big_endian32(b.data() + pos);
    if (length > 0x7FFFFFFFu) return "corrupt PNG (a chunk length over 2^31)";
    if (std::memcmp(b.data() + pos + 4, "IEND", 4) == 0) return "";
    pos += 12 + length;  // length, type, data, CRC
  }
  return "truncated PNG (the file ends before its IEND chunk)";
}

std::uint32_t little_endian32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

// A BMP's header holds its size uncompressed, and OpenCV allocates the pixels before it
// reads any (a 118-byte file claiming 30,000 x 30,000 took 2.7 GB; found by the fuzzer).
// Other formats OpenCV reads (TIFF, WebP, ...) keep OpenCV's own limit of 2^30 pixels.
std::string check_bmp_header(const std::vector<std::uint8_t>& b) {
  if (b.size() < 26 || b[0] != 'B' || b[1] != 'M') return "";
  const std::uint32_t header_size = little_endian32(b.data() + 14);
  std::uint64_t width = 0, height = 0;
  if (header_size == 12) {  // BITMAPCOREHEADER: 16-bit sizes
    width = b[18] | (unsigned{b[19]} << 8);
    height = b[20] | (unsigned{b[21]} << 8);
  } else {  // BITMAPINFOHEADER and later: signed 32-bit sizes, a negative height is top-down
    width = static_cast<std::uint64_t>(std::abs(static_cast<std::int64_t>(static_cast<std::int32_t>(little_endian32(b.data() + 18)))));
    height = static_cast<std::uint64_t>(std::abs(static_cast<std::int64_t>(static_cast<std::int32_t>(little_endian32(b.data() + 22)))));
  }
  return check_pixel_count(width, height);
}

cv::Mat decode(const std::vector<std::uint8_t>& bytes, int flags) {
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
  return cv::imdecode(buffer, flags);
}

// Any PNG layout OpenCV returns unchanged -> 8-bit BGR; alpha composited over white.
cv::Mat png_to_bgr(cv::Mat image) {
  if (image.depth() == CV_16U) {
    cv::Mat eight_bit;
    image.convertTo(eight_bit, CV_8U, 1.0 / 257.0);  // 65535 -> 255, rounded
    image = eight_bit;
  }
  if (image.depth() != CV_8U) return {};
  switch (image.channels()) {
    case 1: {
      cv::Mat bgr;
      cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
      return bgr;
    }
    case 3:
      return image;
    case 4: {
      cv::Mat bgr(image.rows, image.cols, CV_8UC3);
      for (int y = 0; y < image.rows; ++y) {
        const std::uint8_t* in = image.ptr<std::uint8_t>(y);
        std::uint8_t* out = bgr.ptr<std::uint8_t>(y);
        for (int x = 0; x < image.cols; ++x, in += 4, out += 3) {
          const unsigned alpha = in[3];
          for (int c = 0; c < 3; ++c) out[c] = static_cast<std::uint8_t>((in[c] * alpha + 255u * (255u - alpha) + 127u) / 255u);
        }
      }
      return bgr;
    }
    default:
      return {};
  }
}

int reduced_color_flag(int shorter_side, int min_side) {
  if (min_side <= 0 || shorter_side <= 0) return cv::IMREAD_COLOR;
  // libjpeg rounds a scaled dimension up.
  for (const auto& [denominator, flag] : {std::pair{8, cv::IMREAD_REDUCED_COLOR_8}, std::pair{4, cv::IMREAD_REDUCED_COLOR_4},
                                          std::pair{2, cv::IMREAD_REDUCED_COLOR_2}}) {
    if ((shorter_side + denominator - 1) / denominator >= min_side) return flag;
  }
  return cv::IMREAD_COLOR;
}

}  // namespace

cv::Mat decode_image_file(const std::filesystem::path& path, int min_side) {
  const std::vector<std::uint8_t> bytes = read_bytes(path);
  if (bytes.empty()) throw file_error(path.string(), "empty file, not an image");
  cv::Mat image;
  try {
    if (is_jpeg(bytes)) {
      int shorter_side = 0;
      const std::string problem = check_jpeg_structure(bytes, shorter_side);
      if (!problem.empty()) throw file_error(path.string(), problem);
      image = decode(bytes, reduced_color_flag(shorter_side, min_side));
      if (image.empty()) throw file_error(path.string(), "corrupt JPEG (libjpeg cannot decode it)");
    } else if (is_png(bytes)) {
      const std::string problem = check_png_structure(bytes);
      if (!problem.empty()) throw file_error(path.string(), problem);
      image = decode(bytes, cv::IMREAD_UNCHANGED);
      if (image.empty()) throw file_error(path.string(), "corrupt PNG (libpng cannot decode it)");
      image = png_to_bgr(image);
      if (image.empty()) throw file_error(path.string(), "PNG with a pixel layout this program does not handle");
    } else {
      if (const std::string problem = check_bmp_header(bytes); !problem.empty()) throw file_error(path.string(), problem);
      image = decode(bytes, cv::IMREAD_COLOR);
      if (image.empty()) throw file_error(path.string(), "not an image (neither JPEG, PNG nor another format OpenCV reads)");
    }
  } catch (const cv::Exception& error) {
    throw file_error(path.string(), "cannot decode: " + error.err);
  }
  return image;
}

cv::Mat preprocess_image_file(const std::filesystem::path& path, int size) {
  return resize_and_center_crop(decode_image_file(path, size), size);
}

}  // namespace captioner::data
