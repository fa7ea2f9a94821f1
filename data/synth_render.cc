#include "data/synth_render.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace captioner::data {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kShift = 4;  // sub-pixel bits for OpenCV's drawing functions
constexpr double kSubpixel = 1 << kShift;

// Background tones: low saturation and middle brightness, far from every named colour
// (white and black objects included).
constexpr double kBackgroundSaturation[2] = {0.0, 0.25};
constexpr double kBackgroundValue[2] = {0.35, 0.68};

cv::Vec3d hsv_to_rgb(double hue, double saturation, double value) {
  const double h = std::fmod(hue, 360.0) / 60.0;
  const double c = value * saturation;
  const double x = c * (1 - std::abs(std::fmod(h, 2.0) - 1));
  const double m = value - c;
  cv::Vec3d rgb;
  switch (static_cast<int>(h)) {
    case 0: rgb = {c, x, 0}; break;
    case 1: rgb = {x, c, 0}; break;
    case 2: rgb = {0, c, x}; break;
    case 3: rgb = {0, x, c}; break;
    case 4: rgb = {x, 0, c}; break;
    default: rgb = {c, 0, x}; break;
  }
  return (rgb + cv::Vec3d(m, m, m)) * 255.0;
}

cv::Vec3d background_tone(SynthRandom& random, double hue, double value) {
  return hsv_to_rgb(hue, random.uniform(kBackgroundSaturation[0], kBackgroundSaturation[1]), value);
}

// A second tone of the same hue, clearly brighter or darker than `value` but still muted.
double contrasting_value(SynthRandom& random, double value) {
  const double step = random.uniform(0.12, 0.2);
  const bool brighter = value + step <= kBackgroundValue[1] + 0.05 &&
                        (value - step < kBackgroundValue[0] - 0.05 || random.chance(0.5));
  return brighter ? value + step : value - step;
}

// Fills `image` (RGB, doubles) with `first` and `second` mixed by weight(x, y) in [0, 1].
template <typename Weight>
void fill_mix(cv::Mat3d& image, const cv::Vec3d& first, const cv::Vec3d& second, Weight weight) {
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const double w = weight((x + 0.5) / image.cols, (y + 0.5) / image.rows);
      image(y, x) = first * (1 - w) + second * w;
    }
  }
}

// A soft square wave of period 1: 0 or 1 with a ramp of `ramp` at each edge, so that the
// stripes are anti-aliased at any image size.
double soft_square(double phase, double ramp) {
  const double s = std::sin(2 * kPi * phase);
  return std::clamp(0.5 + s / (2 * ramp), 0.0, 1.0);
}

cv::Mat3d render_background(BackgroundKind kind, int size, SynthRandom& random) {
  cv::Mat3d image(size, size);
  const double hue = random.uniform(0.0, 360.0);
  const double value = random.uniform(kBackgroundValue[0], kBackgroundValue[1]);
  const cv::Vec3d base = background_tone(random, hue, value);
  const double angle = random.uniform(0.0, kPi);
  const double ca = std::cos(angle), sa = std::sin(angle);
  switch (kind) {
    case BackgroundKind::kPlain:
      image.setTo(base);
      break;
    case BackgroundKind::kGradient: {
      const cv::Vec3d other = background_tone(random, hue + random.uniform(-60.0, 60.0),
                                              contrasting_value(random, value));
      fill_mix(image, base, other, [&](double u, double v) {
        // Projection on the gradient's direction, from 0 at one corner to 1 at the other.
        return std::clamp(((u - 0.5) * ca + (v - 0.5) * sa) / (std::abs(ca) + std::abs(sa)) + 0.5, 0.0, 1.0);
      });
      break;
    }
    case BackgroundKind::kStriped: {
      const cv::Vec3d other = background_tone(random, hue, contrasting_value(random, value));
      const double period = random.uniform(0.12, 0.22);
      const double ramp = 0.15 / (period * size);
      fill_mix(image, base, other, [&](double u, double v) { return soft_square((u * ca + v * sa) / period, ramp); });
      break;
    }
    case BackgroundKind::kCheckered: {
      const cv::Vec3d other = background_tone(random, hue, contrasting_value(random, value));
      const double cell = random.uniform(0.12, 0.2);
      const double ramp = 0.15 / (cell * size);
      fill_mix(image, base, other, [&](double u, double v) {
        const double a = soft_square((u * ca + v * sa) / (2 * cell), ramp);
        const double b = soft_square((-u * sa + v * ca) / (2 * cell), ramp);
        return a + b - 2 * a * b;  // exclusive or
      });
      break;
    }
    case BackgroundKind::kMottled: {
      // Coarse random brightness, smoothly upsampled: blotches a few objects wide.
      cv::Mat1d coarse(5, 5);
      for (auto& cell : coarse) cell = random.uniform(-0.14, 0.14);
      cv::Mat1d fine;
      cv::resize(coarse, fine, cv::Size(size, size), 0, 0, cv::INTER_CUBIC);
      const cv::Vec3d other = background_tone(random, hue + random.uniform(-40.0, 40.0), value);
      for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
          const double w = std::clamp(0.5 + 2 * fine(y, x), 0.0, 1.0);
          image(y, x) = (base * (1 - w) + other * w) * (1 + 0.6 * fine(y, x));
        }
      }
      break;
    }
  }
  return image;
}

// The outline of a shape of radius 1 around the origin, upright, before rotation.
std::vector<cv::Point2d> unit_outline(Shape shape) {
  std::vector<cv::Point2d> points;
  auto regular = [&](int corners, double circumradius, double start_degrees) {
    for (int i = 0; i < corners; ++i) {
      const double a = (start_degrees + 360.0 * i / corners) * kPi / 180;
      points.emplace_back(circumradius * std::cos(a), circumradius * std::sin(a));
    }
  };
  switch (shape) {
    case Shape::kCircle:
      break;  // drawn with cv::circle
    case Shape::kSquare: {
      const double h = 0.86;  // about a circle's area
      points = {{-h, -h}, {h, -h}, {h, h}, {-h, h}};
      break;
    }
    case Shape::kTriangle:
      regular(3, 1.15, -90);  // a point at the top (y grows downwards)
      break;
    case Shape::kDiamond:
      points = {{0, -1.1}, {0.8, 0}, {0, 1.1}, {-0.8, 0}};
      break;
    case Shape::kStar:
      for (int i = 0; i < 10; ++i) {
        const double a = (-90 + 36.0 * i) * kPi / 180;
        const double r = i % 2 == 0 ? 1.15 : 0.5;
        points.emplace_back(r * std::cos(a), r * std::sin(a));
      }
      break;
    case Shape::kCross: {
      const double arm = 1.0, half = 0.34;
      points = {{-half, -arm}, {half, -arm},  {half, -half}, {arm, -half}, {arm, half},   {half, half},
                {half, arm},   {-half, arm},  {-half, half}, {-arm, half}, {-arm, -half}, {-half, -half}};
      break;
    }
  }
  return points;
}

void draw_object(cv::Mat3b& image, const SceneObject& object, const cv::Vec3b& rgb) {
  const int size = image.rows;
  const double cx = object.x * size - 0.5, cy = object.y * size - 0.5;  // pixel centres sit at .5
  const double r = object.radius * size;
  const cv::Scalar colour(rgb[0], rgb[1], rgb[2]);
  auto fixed = [](double v) { return static_cast<int>(std::lround(v * kSubpixel)); };
  if (object.shape == Shape::kCircle) {
    cv::circle(image, cv::Point(fixed(cx), fixed(cy)), fixed(r), colour, cv::FILLED, cv::LINE_AA, kShift);
    return;
  }
  const double a = object.rotation * kPi / 180, ca = std::cos(a), sa = std::sin(a);
  std::vector<cv::Point> points;
  for (const auto& p : unit_outline(object.shape)) {
    points.emplace_back(fixed(cx + r * (p.x * ca - p.y * sa)), fixed(cy + r * (p.x * sa + p.y * ca)));
  }
  // fillPoly rather than fillConvexPoly: the star and the cross are not convex.
  cv::fillPoly(image, std::vector<std::vector<cv::Point>>{points}, colour, cv::LINE_AA, kShift);
}

}  // namespace

cv::Vec3b nominal_rgb(Colour colour) {
  static const std::array<cv::Vec3b, kColourCount> kRgb = {{
      {215, 35, 35},    // red
      {245, 135, 20},   // orange
      {240, 215, 40},   // yellow
      {40, 160, 60},    // green
      {40, 80, 215},    // blue
      {135, 50, 175},   // purple
      {245, 245, 245},  // white
      {20, 20, 20},     // black
  }};
  return kRgb[static_cast<std::size_t>(colour)];
}

cv::Mat render_scene(const Scene& scene, int size, double noise, SynthRandom& random) {
  cv::Mat3b rgb;
  render_background(scene.background, size, random).convertTo(rgb, CV_8UC3);  // rounds and saturates
  for (const auto& object : scene.objects) {
    cv::Vec3b colour = nominal_rgb(object.colour);
    for (int c = 0; c < 3; ++c) {
      colour[c] = cv::saturate_cast<uchar>(colour[c] + random.uniform(-kColourJitter, kColourJitter));
    }
    draw_object(rgb, object, colour);
  }
  cv::Mat bgr(size, size, CV_8UC3);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const cv::Vec3b& in = rgb(y, x);
      cv::Vec3b& out = bgr.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) out[2 - c] = cv::saturate_cast<uchar>(in[c] + noise * random.normal());
    }
  }
  return bgr;
}

}  // namespace captioner::data
