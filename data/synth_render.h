#pragma once
// Draws a synthetic scene: the background (plain, gradient, stripes, checks or a mottled
// texture in muted tones, so that the named colours of the objects stand out), the objects
// as anti-aliased filled shapes in slightly jittered colours, then pixel noise.

#include <opencv2/core.hpp>

#include "data/synth_random.h"
#include "data/synth_scene.h"

namespace captioner::data {

// The nominal colour of each named colour, RGB; drawn objects stay within
// kColourJitter of it in every channel (before noise and JPEG).
cv::Vec3b nominal_rgb(Colour colour);
inline constexpr int kColourJitter = 12;

// A size x size 8-bit BGR image (as cv::imwrite takes it). `noise`: standard deviation of
// the Gaussian noise added to every channel of every pixel, in 0..255 units.
cv::Mat render_scene(const Scene& scene, int size, double noise, SynthRandom& random);

}  // namespace captioner::data
