#pragma once
// Line plots as inline SVG (no scripts, no external files): the report's training curves.

#include <string>
#include <utility>
#include <vector>

namespace captioner::train {

struct PlotSeries {
  std::string name;    // the legend's label
  std::string colour;  // any CSS colour
  std::vector<std::pair<double, double>> points;  // (x, y), in x order
  bool markers = false;  // a dot on each point (for sparse series such as evaluations)
};

// A vertical line at x with a label, e.g. the best evaluation.
struct PlotMark {
  double x = 0.0;
  std::string label;
};

struct LinePlot {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
  std::vector<PlotMark> marks;
  int width = 400;
  int height = 240;
};

// The plot as one <svg> element: axes with round-number ticks, a polyline path per series,
// the marks, and a legend when there is more than one series. A plot without points says so.
std::string to_svg(const LinePlot& plot);

// "Nice" tick values covering [low, high] (1, 2 or 5 times a power of ten apart).
std::vector<double> nice_ticks(double low, double high, int target_count = 5);

}  // namespace captioner::train
