#pragma once
// The one preprocessing of an image, shared by prepare (the image store), training and
// captioning new images: resize so the shorter side is `size`, then crop the centre SxS.

#include <opencv2/core.hpp>

namespace captioner::data {

// `image`: 8-bit BGR (as cv::imread gives). Returns a size x size 8-bit RGB image, a
// continuous matrix. Area interpolation when shrinking (no aliasing), linear when growing.
cv::Mat resize_and_center_crop(const cv::Mat& image, int size);

}  // namespace captioner::data
