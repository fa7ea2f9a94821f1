#pragma once
// Decoding image files into 8-bit BGR, the one way every command reads an image file.
//
// JPEG (baseline, progressive, grayscale, CMYK/YCCK) with its EXIF orientation applied;
// PNG (gray, palette, alpha, 16-bit) with transparency composited over white, the way a
// viewer shows it; other formats OpenCV reads (BMP, WebP, TIFF, ...) as OpenCV decodes them.
// A file that is missing, empty, not an image, corrupt or truncated (a JPEG without its
// end-of-image marker, a PNG without its IEND chunk) is an InputError "path: problem".

#include <filesystem>

#include <opencv2/core.hpp>

namespace captioner::data {

// The image as 8-bit BGR (CV_8UC3), upright.
// `min_side` > 0 lets a JPEG decode at 1/2, 1/4 or 1/8 scale (libjpeg's DCT scaling, several
// times faster than a full decode and resize) while the shorter side stays >= min_side;
// 0 decodes at full size.
cv::Mat decode_image_file(const std::filesystem::path& path, int min_side = 0);

// THE preprocessing of an image file for the model: decode_image_file(path, size), then
// resize_and_center_crop (data/image_preprocess.h) to size x size 8-bit RGB. The image
// store and captioning of new images both call this, so that they see the same pixels.
cv::Mat preprocess_image_file(const std::filesystem::path& path, int size);

}  // namespace captioner::data
