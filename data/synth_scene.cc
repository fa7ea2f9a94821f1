#include "data/synth_scene.h"

#include <algorithm>
#include <cmath>

namespace captioner::data {
namespace {

constexpr double kSmallRadius[2] = {0.085, 0.105};  // 5.4 to 6.7 pixels at 64x64
constexpr double kLargeRadius[2] = {0.15, 0.175};   // 9.6 to 11.2 pixels at 64x64
constexpr double kBorder = 0.02;                     // free margin inside the image edge
constexpr double kGap = 0.04;                        // free space between two objects' extents
constexpr double kThirdMargin = 0.04;                // no side is named this close to 1/3 or 2/3
constexpr double kDuplicateChance = 0.2;             // a further object copies one's colour and shape

int sample_object_count(SynthRandom& random, int max_objects) {
  static constexpr int kWeights[kMaxSceneObjects] = {3, 4, 3};  // 1, 2, 3 objects
  int total = 0;
  for (int i = 0; i < max_objects; ++i) total += kWeights[i];
  int pick = random.below(total);
  for (int i = 0; i < max_objects; ++i) {
    if (pick < kWeights[i]) return i + 1;
    pick -= kWeights[i];
  }
  return max_objects;
}

bool fits_beside(const SceneObject& candidate, const std::vector<SceneObject>& placed) {
  for (const auto& other : placed) {
    const double dx = std::abs(candidate.x - other.x);
    const double dy = std::abs(candidate.y - other.y);
    if (std::hypot(dx, dy) < object_extent(candidate) + object_extent(other) + kGap) return false;
    if (std::max(dx, dy) < kAxisClearRatio * std::min(dx, dy)) return false;
  }
  return true;
}

Third third(double coordinate) {
  if (coordinate < 1.0 / 3 - kThirdMargin) return Third::kLow;
  if (coordinate > 2.0 / 3 + kThirdMargin) return Third::kHigh;
  if (coordinate > 1.0 / 3 + kThirdMargin && coordinate < 2.0 / 3 - kThirdMargin) return Third::kMiddle;
  return Third::kUnclear;
}

// Shape, colour, size and pose; the position comes later.
SceneObject sample_object(SynthRandom& random, const std::vector<SceneObject>& others) {
  SceneObject object{};
  if (!others.empty() && random.chance(kDuplicateChance)) {
    const auto& model = others[static_cast<std::size_t>(random.below(static_cast<int>(others.size())))];
    object.shape = model.shape;
    object.colour = model.colour;
  } else {
    object.shape = static_cast<Shape>(random.below(kShapeCount));
    object.colour = static_cast<Colour>(random.below(kColourCount));
  }
  object.large = random.chance(0.5);
  const double* range = object.large ? kLargeRadius : kSmallRadius;
  object.radius = random.uniform(range[0], range[1]);
  object.rotation = random.uniform(-10.0, 10.0);
  return object;
}

}  // namespace

std::string_view shape_name(Shape shape) {
  static constexpr std::string_view kNames[kShapeCount] = {"circle", "square", "triangle", "diamond", "star", "cross"};
  return kNames[static_cast<int>(shape)];
}

std::string_view colour_name(Colour colour) {
  static constexpr std::string_view kNames[kColourCount] = {"red",  "orange", "yellow", "green",
                                                            "blue", "purple", "white",  "black"};
  return kNames[static_cast<int>(colour)];
}

std::string_view background_name(BackgroundKind kind) {
  static constexpr std::string_view kNames[kBackgroundKindCount] = {"plain", "gradient", "striped", "checkered",
                                                                    "mottled"};
  return kNames[static_cast<int>(kind)];
}

Relation relation(const SceneObject& a, const SceneObject& b) {
  const double dx = a.x - b.x;
  const double dy = a.y - b.y;
  if (std::abs(dx) >= std::abs(dy)) return dx < 0 ? Relation::kLeftOf : Relation::kRightOf;
  return dy < 0 ? Relation::kAbove : Relation::kBelow;
}

Third horizontal_third(const SceneObject& object) { return third(object.x); }
Third vertical_third(const SceneObject& object) { return third(object.y); }

double object_extent(const SceneObject& object) {
  // Circumradius over nominal radius of each drawn shape (synth_render.cc), rotation included.
  static constexpr double kFactor[kShapeCount] = {1.0, 1.0, 1.15, 1.1, 1.15, 1.05};
  return object.radius * kFactor[static_cast<int>(object.shape)];
}

Scene sample_scene(SynthRandom& random, int max_objects) {
  Scene scene{};
  scene.background = static_cast<BackgroundKind>(random.below(kBackgroundKindCount));
  int count = sample_object_count(random, std::clamp(max_objects, 1, kMaxSceneObjects));
  // Rejection sampling of positions; a layout that keeps failing starts over, and after
  // many failures (three large shapes that do not fit) the scene makes do with fewer.
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0 && attempt % 20 == 0 && count > 1) --count;
    scene.objects.clear();
    bool placed_all = true;
    for (int i = 0; i < count && placed_all; ++i) {
      SceneObject object = sample_object(random, scene.objects);
      const double extent = object_extent(object);
      placed_all = false;
      for (int tries = 0; tries < 50 && !placed_all; ++tries) {
        object.x = random.uniform(extent + kBorder, 1.0 - extent - kBorder);
        object.y = random.uniform(extent + kBorder, 1.0 - extent - kBorder);
        placed_all = fits_beside(object, scene.objects);
      }
      if (placed_all) scene.objects.push_back(object);
    }
    if (placed_all) return scene;
  }
}

}  // namespace captioner::data
