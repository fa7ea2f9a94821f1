#pragma once
// A synthetic scene: what the image shows (1 to 3 coloured shapes on a background) and the
// spatial facts the captions may state. Coordinates are fractions of the image side
// (0 = left/top, 1 = right/bottom), so a scene renders at any image size.

#include <string_view>
#include <vector>

#include "data/synth_random.h"

namespace captioner::data {

enum class Shape { kCircle, kSquare, kTriangle, kDiamond, kStar, kCross };
enum class Colour { kRed, kOrange, kYellow, kGreen, kBlue, kPurple, kWhite, kBlack };
enum class BackgroundKind { kPlain, kGradient, kStriped, kCheckered, kMottled };

inline constexpr int kShapeCount = 6;
inline constexpr int kColourCount = 8;
inline constexpr int kBackgroundKindCount = 5;
inline constexpr int kMaxSceneObjects = 3;

// Canonical names ("circle", "red", "striped"), as scenes.json writes them.
std::string_view shape_name(Shape shape);
std::string_view colour_name(Colour colour);
std::string_view background_name(BackgroundKind kind);

struct SceneObject {
  Shape shape;
  Colour colour;
  bool large;       // the size class the captions name: "large"/"big" or "small"/"little"
  double x, y;      // centre
  double radius;    // half the shape's nominal width
  double rotation;  // degrees, a small jitter around the shape's upright pose
};

struct Scene {
  BackgroundKind background;
  std::vector<SceneObject> objects;  // 1 to kMaxSceneObjects, never overlapping
};

// How one object lies relative to another. Every pair in a sampled scene is clearly apart
// along one axis (the larger of |dx| and |dy| is at least kAxisClearRatio times the other),
// so exactly one of left/right or above/below describes it.
enum class Relation { kLeftOf, kRightOf, kAbove, kBelow };
inline constexpr double kAxisClearRatio = 1.5;
Relation relation(const SceneObject& a, const SceneObject& b);  // a is <relation> b

// Where an object lies in the image, by thirds; kUnclear near the borders between thirds,
// where no caption should commit to a side.
enum class Third { kLow, kMiddle, kHigh, kUnclear };  // left/top, middle, right/bottom
Third horizontal_third(const SceneObject& object);
Third vertical_third(const SceneObject& object);

// Half-width of the square around the centre that holds the whole drawn shape.
double object_extent(const SceneObject& object);

// Draws a scene with 1 to `max_objects` (1..3) objects: shape, colour and size independent,
// except that scenes with several objects repeat an object's colour and shape now and then, so
// that counts ("two red circles") occur. Objects keep apart and every pair is axis-clear.
Scene sample_scene(SynthRandom& random, int max_objects);

}  // namespace captioner::data
