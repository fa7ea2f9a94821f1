#include "data/image_preprocess.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace captioner::data {

cv::Mat resize_and_center_crop(const cv::Mat& image, int size) {
  if (image.empty() || image.type() != CV_8UC3) {
    throw std::invalid_argument("resize_and_center_crop: expects a non-empty 8-bit BGR image");
  }
  if (size < 1) throw std::invalid_argument("resize_and_center_crop: size must be positive");
  const double scale = static_cast<double>(size) / std::min(image.cols, image.rows);
  const int width = std::max(size, static_cast<int>(std::lround(image.cols * scale)));
  const int height = std::max(size, static_cast<int>(std::lround(image.rows * scale)));
  cv::Mat resized;
  cv::resize(image, resized, cv::Size(width, height), 0, 0, scale < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Rect centre((width - size) / 2, (height - size) / 2, size, size);
  cv::Mat rgb;
  cv::cvtColor(resized(centre), rgb, cv::COLOR_BGR2RGB);  // a fresh, continuous matrix
  return rgb;
}

}  // namespace captioner::data
