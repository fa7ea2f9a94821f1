#include "data/image_decode.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <jpeglib.h>

#include "data/image_preprocess.h"
#include "tests/data/image_test_util.h"
#include "util/error.h"

namespace fs = std::filesystem;
using captioner::InputError;
using captioner::data::decode_image_file;
using captioner::data::preprocess_image_file;
using captioner::test::encode;
using captioner::test::encode_jpeg;
using captioner::test::TempDir;
using captioner::test::test_picture;
using captioner::test::with_exif_orientation;
using captioner::test::write_bytes;

namespace {

// Asserts that decoding `path` throws InputError with exactly "path: problem".
void expect_decode_error(const fs::path& path, const std::string& problem) {
  try {
    decode_image_file(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), path.string() + ": " + problem);
  }
}

// |a - b| <= tolerance in every channel.
void expect_colour_near(const cv::Vec3b& actual, const cv::Vec3b& expected, int tolerance, const std::string& where) {
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(actual[c], expected[c], tolerance) << where << ": channel " << c << " of " << actual << " vs " << expected;
  }
}

// A CMYK (or YCCK) JPEG written with libjpeg itself, in the Adobe convention that
// Photoshop and every camera RIP use: stored value = 255 - ink.
std::vector<std::uint8_t> encode_adobe_cmyk(const std::vector<cv::Vec4b>& ink, int width, int height, bool ycck) {
  jpeg_compress_struct info{};
  jpeg_error_mgr errors{};
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = static_cast<JDIMENSION>(width);
  info.image_height = static_cast<JDIMENSION>(height);
  info.input_components = 4;
  info.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&info);
  jpeg_set_colorspace(&info, ycck ? JCS_YCCK : JCS_CMYK);  // writes the Adobe marker
  jpeg_set_quality(&info, 100, TRUE);
  jpeg_start_compress(&info, TRUE);
  std::vector<JSAMPLE> row(static_cast<std::size_t>(width) * 4);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < 4; ++c) row[static_cast<std::size_t>(x) * 4 + c] = static_cast<JSAMPLE>(255 - ink[y * width + x][c]);
    }
    JSAMPROW pointer = row.data();
    jpeg_write_scanlines(&info, &pointer, 1);
  }
  jpeg_finish_compress(&info);
  std::vector<std::uint8_t> bytes(buffer, buffer + size);
  jpeg_destroy_compress(&info);
  std::free(buffer);
  return bytes;
}

// Offset of the first marker segment `marker` (0xFFxx) in a JPEG.
std::size_t find_marker(const std::vector<std::uint8_t>& jpeg, std::uint8_t marker) {
  for (std::size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == marker) return i;
  }
  throw std::runtime_error("marker not found");
}

TEST(ImageDecode, ColourJpegAsBgrAtFullSize) {
  TempDir dir("decode");
  cv::Mat picture(40, 80, CV_8UC3, cv::Scalar(0, 0, 255));       // red (BGR)
  picture(cv::Rect(0, 0, 40, 40)).setTo(cv::Scalar(255, 0, 0));  // left half blue
  write_bytes(dir / "a.jpg", encode_jpeg(picture));
  const cv::Mat image = decode_image_file(dir / "a.jpg");
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.cols, 80);
  EXPECT_EQ(image.rows, 40);
  expect_colour_near(image.at<cv::Vec3b>(20, 10), {255, 0, 0}, 3, "left");
  expect_colour_near(image.at<cv::Vec3b>(20, 70), {0, 0, 255}, 3, "right");
}

TEST(ImageDecode, GrayscaleJpegBecomesThreeEqualChannels) {
  TempDir dir("decode");
  cv::Mat gray(32, 48, CV_8UC1);
  for (int y = 0; y < gray.rows; ++y)
    for (int x = 0; x < gray.cols; ++x) gray.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(x * 5);
  const auto bytes = encode_jpeg(gray);
  ASSERT_EQ(bytes[0], 0xFF);
  write_bytes(dir / "gray.jpg", bytes);
  const cv::Mat image = decode_image_file(dir / "gray.jpg");
  ASSERT_EQ(image.type(), CV_8UC3);
  ASSERT_EQ(image.size(), gray.size());
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const cv::Vec3b p = image.at<cv::Vec3b>(y, x);
      ASSERT_TRUE(p[0] == p[1] && p[1] == p[2]) << "at " << x << "," << y;
      ASSERT_NEAR(p[0], x * 5, 4);
    }
  }
}

TEST(ImageDecode, AdobeCmykAndYcckJpegsGiveTheirColours) {
  TempDir dir("decode");
  // Four 16x16 quadrants of pure cyan, magenta, yellow and black ink.
  const int side = 32;
  const cv::Vec4b inks[4] = {{255, 0, 0, 0}, {0, 255, 0, 0}, {0, 0, 255, 0}, {0, 0, 0, 255}};
  const cv::Vec3b bgr[4] = {{255, 255, 0}, {255, 0, 255}, {0, 255, 255}, {0, 0, 0}};
  std::vector<cv::Vec4b> ink(side * side);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) ink[y * side + x] = inks[(y / 16) * 2 + x / 16];
  for (const bool ycck : {false, true}) {
    const fs::path path = dir / (ycck ? "ycck.jpg" : "cmyk.jpg");
    write_bytes(path, encode_adobe_cmyk(ink, side, side, ycck));
    const cv::Mat image = decode_image_file(path);
    ASSERT_EQ(image.type(), CV_8UC3);
    ASSERT_EQ(image.cols, side);
    for (int q = 0; q < 4; ++q) {
      expect_colour_near(image.at<cv::Vec3b>((q / 2) * 16 + 8, (q % 2) * 16 + 8), bgr[q], 6,
                         path.filename().string() + " quadrant " + std::to_string(q));
    }
  }
}

TEST(ImageDecode, SixteenBitPngScalesToEightBits) {
  TempDir dir("decode");
  cv::Mat deep(8, 8, CV_16UC3, cv::Scalar(65535, 32896, 257));
  write_bytes(dir / "deep.png", encode(deep, ".png"));
  const cv::Mat image = decode_image_file(dir / "deep.png");
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.at<cv::Vec3b>(3, 3), cv::Vec3b(255, 128, 1));

  cv::Mat deep_gray(8, 8, CV_16UC1, cv::Scalar(257 * 200));
  write_bytes(dir / "deep_gray.png", encode(deep_gray, ".png"));
  EXPECT_EQ(decode_image_file(dir / "deep_gray.png").at<cv::Vec3b>(0, 0), cv::Vec3b(200, 200, 200));
}

TEST(ImageDecode, GrayPngBecomesThreeEqualChannels) {
  TempDir dir("decode");
  write_bytes(dir / "gray.png", encode(cv::Mat(6, 9, CV_8UC1, cv::Scalar(77)), ".png"));
  const cv::Mat image = decode_image_file(dir / "gray.png");
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.cols, 9);
  EXPECT_EQ(image.at<cv::Vec3b>(2, 2), cv::Vec3b(77, 77, 77));
}

TEST(ImageDecode, PngTransparencyIsCompositedOverWhite) {
  TempDir dir("decode");
  cv::Mat rgba(4, 3, CV_8UC4, cv::Scalar(0, 0, 255, 255));  // opaque red (BGRA)
  rgba.at<cv::Vec4b>(0, 1) = {0, 0, 255, 0};                // transparent red: white
  rgba.at<cv::Vec4b>(0, 2) = {0, 0, 0, 128};                // half-transparent black: mid grey
  write_bytes(dir / "alpha.png", encode(rgba, ".png"));
  const cv::Mat image = decode_image_file(dir / "alpha.png");
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
  EXPECT_EQ(image.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(image.at<cv::Vec3b>(0, 2), cv::Vec3b(127, 127, 127));  // 255 * 127 / 255, rounded

  cv::Mat deep_rgba(2, 2, CV_16UC4, cv::Scalar(0, 65535, 0, 65535));
  deep_rgba.at<cv::Vec<std::uint16_t, 4>>(1, 1) = {0, 0, 0, 0};
  write_bytes(dir / "deep_alpha.png", encode(deep_rgba, ".png"));
  const cv::Mat deep = decode_image_file(dir / "deep_alpha.png");
  EXPECT_EQ(deep.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 255, 0));
  EXPECT_EQ(deep.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 255, 255));
}

TEST(ImageDecode, ExifOrientationIsApplied) {
  TempDir dir("decode");
  // 80 x 40: the left half blue, the right half red, a white top-left corner.
  cv::Mat picture(40, 80, CV_8UC3, cv::Scalar(0, 0, 255));
  picture(cv::Rect(0, 0, 40, 40)).setTo(cv::Scalar(255, 0, 0));
  picture(cv::Rect(0, 0, 8, 8)).setTo(cv::Scalar(255, 255, 255));
  const auto jpeg = encode_jpeg(picture);
  const cv::Vec3b blue(255, 0, 0), red(0, 0, 255), white(255, 255, 255);
  struct Case {
    int orientation;
    int width, height;
    cv::Point white_corner;  // where the original top-left ends up
    cv::Point blue_point;
  };
  // EXIF orientation: 1 as stored, 3 rotated 180, 6 rotate 90 clockwise to view, 8 rotate 90
  // counter-clockwise, 2 mirrored.
  const Case cases[] = {{1, 80, 40, {2, 2}, {30, 20}},   {2, 80, 40, {77, 2}, {50, 20}},
                        {3, 80, 40, {77, 37}, {50, 20}}, {6, 40, 80, {37, 2}, {20, 30}},
                        {8, 40, 80, {2, 77}, {20, 50}}};
  for (const Case& c : cases) {
    const fs::path path = dir / ("o" + std::to_string(c.orientation) + ".jpg");
    write_bytes(path, with_exif_orientation(jpeg, c.orientation));
    const cv::Mat image = decode_image_file(path);
    ASSERT_EQ(image.cols, c.width) << "orientation " << c.orientation;
    ASSERT_EQ(image.rows, c.height) << "orientation " << c.orientation;
    expect_colour_near(image.at<cv::Vec3b>(c.white_corner), white, 8, "corner, orientation " + std::to_string(c.orientation));
    expect_colour_near(image.at<cv::Vec3b>(c.blue_point), blue, 8, "blue, orientation " + std::to_string(c.orientation));
    // A reduced decode turns the same way.
    const cv::Mat reduced = decode_image_file(path, 20);
    EXPECT_EQ(reduced.cols, c.width / 2) << "orientation " << c.orientation;
    EXPECT_EQ(reduced.rows, c.height / 2) << "orientation " << c.orientation;
  }
  (void)red;
}

TEST(ImageDecode, ReducedJpegDecodeKeepsTheShorterSideAtLeastMinSide) {
  TempDir dir("decode");
  write_bytes(dir / "big.jpg", encode_jpeg(test_picture(640, 480, 1)));
  const struct {
    int min_side, width, height;
  } cases[] = {{0, 640, 480}, {60, 80, 60}, {64, 160, 120}, {120, 160, 120}, {121, 320, 240}, {241, 640, 480}, {1000, 640, 480}};
  for (const auto& c : cases) {
    const cv::Mat image = decode_image_file(dir / "big.jpg", c.min_side);
    EXPECT_EQ(image.cols, c.width) << "min_side " << c.min_side;
    EXPECT_EQ(image.rows, c.height) << "min_side " << c.min_side;
  }
  // Odd sizes round up, as libjpeg does: 481 / 4 -> 121.
  write_bytes(dir / "odd.jpg", encode_jpeg(test_picture(643, 481, 2)));
  EXPECT_EQ(decode_image_file(dir / "odd.jpg", 121).rows, 121);
  // PNGs are always decoded whole.
  write_bytes(dir / "big.png", encode(test_picture(64, 48, 3), ".png"));
  EXPECT_EQ(decode_image_file(dir / "big.png", 6).rows, 48);
}

TEST(ImageDecode, PreprocessIsDecodeThenResizeAndCentreCrop) {
  TempDir dir("decode");
  write_bytes(dir / "p.jpg", encode_jpeg(test_picture(320, 200, 4)));
  const cv::Mat rgb = preprocess_image_file(dir / "p.jpg", 48);
  ASSERT_EQ(rgb.type(), CV_8UC3);
  ASSERT_EQ(rgb.size(), cv::Size(48, 48));
  const cv::Mat expected = captioner::data::resize_and_center_crop(decode_image_file(dir / "p.jpg", 48), 48);
  EXPECT_EQ(cv::norm(rgb, expected, cv::NORM_INF), 0.0);
  // The reduced decode stays close to a full decode (DCT scaling is an area filter too).
  const cv::Mat full = captioner::data::resize_and_center_crop(decode_image_file(dir / "p.jpg"), 48);
  EXPECT_LT(cv::norm(rgb, full, cv::NORM_L1) / rgb.total() / 3, 4.0);
}

TEST(ImageDecode, MissingEmptyDirectoryAndNonImageFilesAreErrors) {
  TempDir dir("decode");
  expect_decode_error(dir / "missing.jpg", "cannot open: No such file or directory");
  write_bytes(dir / "empty.jpg", {});
  expect_decode_error(dir / "empty.jpg", "empty file, not an image");
  expect_decode_error(dir.path(), "is a directory, not an image file");
  write_bytes(dir / "text.jpg", {'h', 'e', 'l', 'l', 'o', '\n'});
  expect_decode_error(dir / "text.jpg", "not an image (neither JPEG, PNG nor another format OpenCV reads)");
}

// Found by the image_decode fuzzer: OpenCV allocates a BMP's pixels from its header before
// reading any, so a 118-byte file claiming 30,000 x 30,000 pixels took 2.7 GB. The header is
// checked against the same limit as JPEG's and PNG's; BMPs within it still decode.
TEST(ImageDecode, BmpHeadersOverThePixelLimitAreErrors) {
  TempDir dir("decode");
  std::vector<uchar> bmp;
  ASSERT_TRUE(cv::imencode(".bmp", test_picture(6, 4, 1), bmp));
  write_bytes(dir / "small.bmp", bmp);
  EXPECT_EQ(decode_image_file(dir / "small.bmp").size(), cv::Size(6, 4));
  const auto claim = [&bmp](std::int32_t width, std::int32_t height) {
    std::vector<uchar> header(bmp.begin(), bmp.begin() + 54);
    for (int i = 0; i < 4; ++i) {
      header[18 + i] = static_cast<uchar>(static_cast<std::uint32_t>(width) >> (8 * i));
      header[22 + i] = static_cast<uchar>(static_cast<std::uint32_t>(height) >> (8 * i));
    }
    return header;
  };
  write_bytes(dir / "bomb.bmp", claim(30000, 30000));
  expect_decode_error(dir / "bomb.bmp", "image of 30000 x 30000 pixels is over the limit of 178956970 pixels (a decompression bomb?)");
  write_bytes(dir / "top_down.bmp", claim(30000, -30000));  // a negative height: rows stored top-down
  expect_decode_error(dir / "top_down.bmp", "image of 30000 x 30000 pixels is over the limit of 178956970 pixels (a decompression bomb?)");
}

TEST(ImageDecode, TruncatedJpegsAreErrorsWhereverTheyAreCut) {
  TempDir dir("decode");
  const auto jpeg = encode_jpeg(test_picture(120, 90, 5));
  // Cut in the headers, in the scan, just before the end-of-image marker, inside it.
  for (const std::size_t keep : {std::size_t{4}, std::size_t{40}, jpeg.size() / 2, jpeg.size() - 40, jpeg.size() - 2, jpeg.size() - 1}) {
    const fs::path path = dir / ("cut" + std::to_string(keep) + ".jpg");
    write_bytes(path, std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(keep)));
    expect_decode_error(path, "truncated JPEG (the file ends before its end-of-image marker)");
  }
  // Bytes after the end-of-image marker are harmless.
  auto padded = jpeg;
  padded.insert(padded.end(), 100, 0);
  write_bytes(dir / "padded.jpg", padded);
  EXPECT_EQ(decode_image_file(dir / "padded.jpg").cols, 120);
}

TEST(ImageDecode, AnEndMarkerInsideAnEmbeddedThumbnailDoesNotHideTruncation) {
  TempDir dir("decode");
  const auto thumbnail = encode_jpeg(test_picture(16, 12, 6));  // ends with FF D9
  const auto jpeg = encode_jpeg(test_picture(120, 90, 7));
  // An APP2 segment carrying the thumbnail, right after SOI.
  std::vector<std::uint8_t> with_thumbnail(jpeg.begin(), jpeg.begin() + 2);
  const std::size_t length = thumbnail.size() + 2;
  with_thumbnail.insert(with_thumbnail.end(), {0xFF, 0xE2, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length & 0xFF)});
  with_thumbnail.insert(with_thumbnail.end(), thumbnail.begin(), thumbnail.end());
  with_thumbnail.insert(with_thumbnail.end(), jpeg.begin() + 2, jpeg.end());
  write_bytes(dir / "whole.jpg", with_thumbnail);
  EXPECT_EQ(decode_image_file(dir / "whole.jpg").cols, 120);
  with_thumbnail.resize(with_thumbnail.size() - 300);
  write_bytes(dir / "cut.jpg", with_thumbnail);
  expect_decode_error(dir / "cut.jpg", "truncated JPEG (the file ends before its end-of-image marker)");
}

TEST(ImageDecode, CorruptJpegsAreErrors) {
  TempDir dir("decode");
  const auto jpeg = encode_jpeg(test_picture(64, 48, 8));
  // Huffman tables zeroed: libjpeg refuses them.
  auto bad_tables = jpeg;
  const std::size_t dht = find_marker(bad_tables, 0xC4);
  const std::size_t dht_length = (bad_tables[dht + 2] << 8) | bad_tables[dht + 3];
  std::fill(bad_tables.begin() + static_cast<std::ptrdiff_t>(dht + 4), bad_tables.begin() + static_cast<std::ptrdiff_t>(dht + 2 + dht_length), 0xFF);
  write_bytes(dir / "tables.jpg", bad_tables);
  expect_decode_error(dir / "tables.jpg", "corrupt JPEG (libjpeg cannot decode it)");
  // A segment length below 2 cannot be walked.
  auto bad_length = jpeg;
  const std::size_t dqt = find_marker(bad_length, 0xDB);
  bad_length[dqt + 2] = 0;
  bad_length[dqt + 3] = 1;
  write_bytes(dir / "length.jpg", bad_length);
  expect_decode_error(dir / "length.jpg", "corrupt JPEG (a marker segment with length 1)");
}

TEST(ImageDecode, TruncatedAndCorruptPngsAreErrors) {
  TempDir dir("decode");
  const auto png = encode(test_picture(64, 48, 9), ".png");
  for (const std::size_t keep : {std::size_t{12}, png.size() / 2, png.size() - 12}) {
    const fs::path path = dir / ("cut" + std::to_string(keep) + ".png");
    write_bytes(path, std::vector<std::uint8_t>(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(keep)));
    expect_decode_error(path, "truncated PNG (the file ends before its IEND chunk)");
  }
  auto corrupt = png;
  corrupt[24] = 7;  // IHDR bit depth 7 (and a CRC that no longer matches)
  write_bytes(dir / "corrupt.png", corrupt);
  expect_decode_error(dir / "corrupt.png", "corrupt PNG (libpng cannot decode it)");
}

}  // namespace
