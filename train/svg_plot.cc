#include "train/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "train/html_text.h"

namespace captioner::train {
namespace {

std::string number(double value, int precision = 2) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", precision, value);
  return text;
}

// A tick's label: as few digits as the spacing needs, thousands as "k".
std::string tick_label(double value, double spacing) {
  if (value != 0.0 && std::abs(value) >= 10000 && spacing >= 1000) return number(value / 1000, 0) + "k";
  const int decimals = spacing >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(spacing) - 1e-9));
  return number(value, std::clamp(decimals, 0, 6));
}

}  // namespace

std::vector<double> nice_ticks(double low, double high, int target_count) {
  if (!(high > low)) return {low};
  const double raw = (high - low) / std::max(target_count, 1);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
    step = factor * power;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double tick = std::ceil(low / step - 1e-9) * step; tick <= high + step * 1e-9; tick += step) {
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  }
  return ticks;
}

std::string to_svg(const LinePlot& plot) {
  // Margins: the y labels on the left, x labels and the axis title below, the title above.
  const double left = 56, right = 14, top = 26, bottom = 40;
  const double inner_w = plot.width - left - right, inner_h = plot.height - top - bottom;
  std::ostringstream svg;
  svg << "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << plot.width << "\" height=\""
      << plot.height << "\" viewBox=\"0 0 " << plot.width << ' ' << plot.height << "\" role=\"img\" aria-label=\""
      << escape_html(plot.title) << "\">\n";
  svg << "<text x=\"" << plot.width / 2 << "\" y=\"16\" text-anchor=\"middle\" class=\"plot-title\">"
      << escape_html(plot.title) << "</text>\n";

  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min, y_min = x_min, y_max = -x_min;
  for (const auto& series : plot.series) {
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  }
  if (!std::isfinite(x_min)) {
    svg << "<text x=\"" << plot.width / 2 << "\" y=\"" << plot.height / 2
        << "\" text-anchor=\"middle\" class=\"plot-empty\">no data logged</text>\n</svg>\n";
    return svg.str();
  }
  for (const auto& mark : plot.marks) x_min = std::min(x_min, mark.x), x_max = std::max(x_max, mark.x);
  // One point (or a flat line) still gets a visible range.
  if (x_max == x_min) x_min -= 1, x_max += 1;
  if (y_max == y_min) {
    const double pad = y_min == 0 ? 1 : std::abs(y_min) * 0.1;
    y_min -= pad, y_max += pad;
  }
  const auto y_ticks = nice_ticks(y_min, y_max), x_ticks = nice_ticks(x_min, x_max);
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  y_min = std::min(y_min, y_ticks.front()), y_max = std::max(y_max, y_ticks.back());
  const auto px = [&](double x) { return left + (x - x_min) / (x_max - x_min) * inner_w; };
  const auto py = [&](double y) { return top + (1 - (y - y_min) / (y_max - y_min)) * inner_h; };

  svg << "<g class=\"axes\" stroke=\"#999\" stroke-width=\"1\">\n";
  svg << "<line x1=\"" << left << "\" y1=\"" << top + inner_h << "\" x2=\"" << left + inner_w << "\" y2=\""
      << top + inner_h << "\"/>\n";
  svg << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << top + inner_h << "\"/>\n";
  for (const double tick : y_ticks) {
    svg << "<line x1=\"" << left << "\" y1=\"" << number(py(tick)) << "\" x2=\"" << left + inner_w << "\" y2=\""
        << number(py(tick)) << "\" stroke=\"#eee\"/>\n";
  }
  svg << "</g>\n<g class=\"ticks\" font-size=\"10\" fill=\"#555\">\n";
  for (const double tick : y_ticks) {
    svg << "<text x=\"" << left - 4 << "\" y=\"" << number(py(tick) + 3) << "\" text-anchor=\"end\">"
        << tick_label(tick, y_step) << "</text>\n";
  }
  for (const double tick : x_ticks) {
    svg << "<text x=\"" << number(px(tick)) << "\" y=\"" << top + inner_h + 13 << "\" text-anchor=\"middle\">"
        << tick_label(tick, x_step) << "</text>\n";
  }
  svg << "<text x=\"" << left + inner_w / 2 << "\" y=\"" << plot.height - 6 << "\" text-anchor=\"middle\">"
      << escape_html(plot.x_label) << "</text>\n";
  svg << "<text x=\"12\" y=\"" << top + inner_h / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
      << top + inner_h / 2 << ")\">" << escape_html(plot.y_label) << "</text>\n</g>\n";

  for (const auto& mark : plot.marks) {
    svg << "<g class=\"mark\"><line x1=\"" << number(px(mark.x)) << "\" y1=\"" << top << "\" x2=\""
        << number(px(mark.x)) << "\" y2=\"" << top + inner_h
        << "\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/><text x=\"" << number(px(mark.x) - 3) << "\" y=\"" << top + 10
        << "\" text-anchor=\"end\" font-size=\"10\" fill=\"#c00\">" << escape_html(mark.label) << "</text></g>\n";
  }
  for (const auto& series : plot.series) {
    std::string path;
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      path += (path.empty() ? "M" : " L") + number(px(x)) + ' ' + number(py(y));
    }
    if (path.empty()) continue;
    // A single point is drawn as a zero-length segment with round caps: a dot.
    if (path.find('L') == std::string::npos) path += " l0.01 0";
    svg << "<path class=\"series\" data-series=\"" << escape_html(series.name) << "\" d=\"" << path
        << "\" fill=\"none\" stroke=\"" << escape_html(series.colour)
        << "\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n";
    if (series.markers) {
      for (const auto& [x, y] : series.points) {
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        svg << "<circle cx=\"" << number(px(x)) << "\" cy=\"" << number(py(y)) << "\" r=\"2.5\" fill=\""
            << escape_html(series.colour) << "\"><title>" << escape_html(series.name) << ": " << number(x, 0) << ", "
            << number(y, 4) << "</title></circle>\n";
      }
    }
  }
  if (plot.series.size() > 1) {
    double y = top + 6;
    svg << "<g class=\"legend\" font-size=\"10\">\n";
    for (const auto& series : plot.series) {
      svg << "<rect x=\"" << left + inner_w - 110 << "\" y=\"" << y << "\" width=\"10\" height=\"3\" fill=\""
          << escape_html(series.colour) << "\"/><text x=\"" << left + inner_w - 96 << "\" y=\"" << y + 4 << "\">"
          << escape_html(series.name) << "</text>\n";
      y += 13;
    }
    svg << "</g>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace captioner::train
