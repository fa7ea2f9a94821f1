#include "train/report_html.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "train/html_text.h"
#include "train/svg_plot.h"

using nlohmann::json;

namespace captioner::train {
namespace {

// capeval's metrics in its table's order, with the names papers print.
const std::vector<std::pair<std::string, std::string>> kMetrics = {
    {"Bleu_1", "BLEU-1"}, {"Bleu_2", "BLEU-2"}, {"Bleu_3", "BLEU-3"},   {"Bleu_4", "BLEU-4"},
    {"METEOR", "METEOR"}, {"ROUGE_L", "ROUGE-L"}, {"CIDEr", "CIDEr-D"}, {"SPICE", "SPICE"}};
const std::vector<std::string> kColours = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                           "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

std::string display_name(const std::string& metric) {
  for (const auto& [name, shown] : kMetrics)
    if (name == metric) return shown;
  return metric == "loss" ? "val loss" : metric;
}

// The metrics present in any of the score maps, capeval's order first.
std::vector<std::string> ordered_metrics(const std::vector<const std::map<std::string, double>*>& maps) {
  std::set<std::string> present;
  for (const auto* scores : maps)
    for (const auto& [name, _] : *scores) present.insert(name);
  std::vector<std::string> ordered;
  for (const auto& [name, _] : kMetrics)
    if (present.erase(name)) ordered.push_back(name);
  ordered.insert(ordered.end(), present.begin(), present.end());
  return ordered;
}

std::string fixed(double value, int precision = 3) {
  char text[40];
  std::snprintf(text, sizeof text, "%.*f", precision, value);
  return text;
}

std::string json_cell(const json& value) {
  if (value.is_string()) return escape_html(value.get<std::string>());
  if (value.is_number_float()) return fixed(value.get<double>(), 4);
  return escape_html(value.dump());
}

const char* kStyle = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1280px;padding:12px 20px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:22px 0 8px;border-bottom:1px solid #ddd}
nav a{margin-right:14px}table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.plots{display:flex;flex-wrap:wrap;gap:8px}.plot{border:1px solid #eee;background:#fff}.plot-title{font-size:13px;font-weight:600}
.note{color:#8a5a00}.muted{color:#777}pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:360px}
#controls{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #eee;z-index:1}
#controls button{margin:2px}#controls button.active{background:#1f77b4;color:#fff}
#gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px;margin-top:8px}
.item{display:flex;gap:8px;border:1px solid #ddd;border-radius:4px;padding:6px;background:#fafafa}
.item img{width:128px;height:128px;flex:none;border-radius:2px}
.item .caption{font-weight:600}.item ol{margin:2px 0;padding-left:18px;color:#555;font-size:12px}
.item .scores{font-size:12px;color:#333}.tag{font-size:11px;padding:0 4px;border-radius:3px;color:#fff}
.tag.best{background:#2ca02c}.tag.worst{background:#d62728}.tag.random{background:#7f7f7f}
)css";

// Sorting and filtering the gallery; and, once the page has loaded, a record on <body> of
// what actually rendered (images decoded, plot paths drawn, table rows, captions shown),
// which the rendering test reads back from the browser's DOM.
const char* kScript = R"js(
(function () {
  const gallery = document.getElementById('gallery');
  const items = gallery ? Array.from(gallery.querySelectorAll('.item')) : [];
  let sorted = null, descending = true;
  function score(item, metric) {
    const value = parseFloat(item.getAttribute('data-s-' + metric));
    return isNaN(value) ? -Infinity : value;
  }
  function apply() {
    const text = (document.getElementById('filter') || {value: ''}).value.toLowerCase();
    const group = (document.getElementById('group') || {value: ''}).value;
    let shown = 0;
    for (const item of items) {
      const visible = item.textContent.toLowerCase().includes(text) &&
                      (group === '' || item.getAttribute('data-group') === group);
      item.style.display = visible ? '' : 'none';
      if (visible) ++shown;
    }
    const count = document.getElementById('shown');
    if (count) count.textContent = shown + ' shown';
  }
  document.querySelectorAll('button[data-sort]').forEach(function (button) {
    button.addEventListener('click', function () {
      const metric = button.getAttribute('data-sort');
      descending = sorted === metric ? !descending : true;
      sorted = metric;
      items.sort(function (a, b) { return descending ? score(b, metric) - score(a, metric) : score(a, metric) - score(b, metric); });
      for (const item of items) gallery.appendChild(item);
      document.querySelectorAll('button[data-sort]').forEach(function (other) {
        other.classList.toggle('active', other === button);
        other.textContent = other.getAttribute('data-label') + (other === button ? (descending ? ' \u2193' : ' \u2191') : '');
      });
    });
  });
  ['filter', 'group'].forEach(function (id) {
    const control = document.getElementById(id);
    if (control) control.addEventListener('input', apply);
  });
  apply();
  window.addEventListener('load', function () {
    const images = Array.from(document.images);
    const paths = Array.from(document.querySelectorAll('svg path.series'));
    const body = document.body;
    body.setAttribute('data-images-total', images.length);
    body.setAttribute('data-images-loaded', images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length);
    body.setAttribute('data-plot-paths', paths.filter(function (p) { return p.getTotalLength() > 0 && p.getBoundingClientRect().width > 0; }).length);
    body.setAttribute('data-score-rows', document.querySelectorAll('table.scores tbody tr').length);
    body.setAttribute('data-captions-shown', Array.from(document.querySelectorAll('.item .caption')).filter(function (c) {
      return c.getBoundingClientRect().height > 0 && c.textContent.trim().length > 0; }).length);
    body.setAttribute('data-rendered', 'yes');
  });
})();
)js";

std::string page(const std::string& title, const std::string& body) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" << escape_html(title)
       << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n"
       << body << "<script>" << kScript << "</script>\n</body>\n</html>\n";
  return html.str();
}

// The learning curves of one or more runs: train and val loss and the learning rate against
// the step, then each validation score (one plot per metric), every run in its own colour; with one
// run, its best evaluation marked.
LinePlot plot_of(const std::string& title, const std::string& y_label) {
  LinePlot plot;
  plot.title = title;
  plot.x_label = "step";
  plot.y_label = y_label;
  return plot;
}

PlotSeries series_of(const std::string& name, const std::string& colour, bool markers) {
  PlotSeries series;
  series.name = name;
  series.colour = colour;
  series.markers = markers;
  return series;
}

std::string curve_plots(const std::vector<std::pair<std::string, const RunHistory*>>& runs) {
  const bool single = runs.size() == 1;
  const auto colour = [&](std::size_t i, std::size_t fallback) { return kColours[(single ? fallback : i) % kColours.size()]; };
  LinePlot loss = plot_of("loss (train; val with markers)", "loss"), rate = plot_of("learning rate", "learning rate");
  std::vector<const std::map<std::string, double>*> all_scores;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string& name = runs[i].first;
    PlotSeries loss_series = series_of(single ? "train" : name + " train", colour(i, 0), false);
    PlotSeries val_loss_series = series_of(single ? "val" : name + " val", colour(i, 1), true);
    PlotSeries rate_series = series_of(name, colour(i, 2), false);
    for (const auto& point : runs[i].second->train) {
      loss_series.points.emplace_back(point.step, point.loss);
      rate_series.points.emplace_back(point.step, point.learning_rate);
    }
    for (const auto& evaluation : runs[i].second->evaluations) {
      if (const auto found = evaluation.scores.find("loss"); found != evaluation.scores.end()) {
        val_loss_series.points.emplace_back(evaluation.step, found->second);
      }
    }
    loss.series.push_back(std::move(loss_series));
    if (!val_loss_series.points.empty()) loss.series.push_back(std::move(val_loss_series));
    rate.series.push_back(std::move(rate_series));
    for (const auto& evaluation : runs[i].second->evaluations) all_scores.push_back(&evaluation.scores);
  }
  std::vector<PlotMark> best_marks;
  if (single) {
    if (const auto* best = runs[0].second->best()) {
      best_marks.push_back({static_cast<double>(best->step),
                            "best: epoch " + std::to_string(best->epoch) + ", step " + std::to_string(best->step)});
    }
  }
  loss.marks = best_marks;
  std::string svg = to_svg(loss) + to_svg(rate);
  for (const auto& metric : ordered_metrics(all_scores)) {
    if (metric == "loss") continue;  // drawn with the train loss
    LinePlot plot = plot_of("val " + display_name(metric), display_name(metric));
    for (std::size_t i = 0; i < runs.size(); ++i) {
      PlotSeries series = series_of(runs[i].first, colour(i, 1), true);
      for (const auto& evaluation : runs[i].second->evaluations) {
        const auto found = evaluation.scores.find(metric);
        if (found != evaluation.scores.end()) series.points.emplace_back(evaluation.step, found->second);
      }
      plot.series.push_back(std::move(series));
    }
    plot.marks = best_marks;
    svg += to_svg(plot);
  }
  return "<div class=\"plots\">\n" + svg + "</div>\n";
}

std::string key_value_table(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::ostringstream html;
  html << "<table class=\"kv\">\n";
  for (const auto& [key, value] : rows) html << "<tr><th>" << escape_html(key) << "</th><td>" << value << "</td></tr>\n";
  html << "</table>\n";
  return html.str();
}

std::string score_table(const RunReport& report) {
  std::vector<const std::map<std::string, double>*> maps;
  for (const auto& row : report.scores) maps.push_back(&row.scores);
  const auto metrics = ordered_metrics(maps);
  std::ostringstream html;
  html << "<table class=\"scores\">\n<thead><tr><th>" << escape_html(report.split) << " split ("
       << report.split_images << " images)</th>";
  for (const auto& metric : metrics) html << "<th class=\"num\">" << display_name(metric) << "</th>";
  html << "<th>from</th></tr></thead>\n<tbody>\n";
  for (const auto& row : report.scores) {
    html << "<tr><td>" << escape_html(row.label) << "</td>";
    for (const auto& metric : metrics) {
      const auto found = row.scores.find(metric);
      html << "<td class=\"num\">" << (found == row.scores.end() ? "" : fixed(found->second)) << "</td>";
    }
    html << "<td class=\"muted\">" << escape_html(row.source) << "</td></tr>\n";
  }
  html << "</tbody>\n</table>\n";
  // The run against the rows beside it, on the run's own metric.
  const auto metric_of = [&](const ScoreRow& row) {
    const auto found = row.scores.find(report.metric);
    return found == row.scores.end() ? std::nan("") : found->second;
  };
  const double model = metric_of(report.scores.front());
  for (std::size_t i = 1; i < report.scores.size(); ++i) {
    const double other = metric_of(report.scores[i]);
    if (std::isnan(model) || std::isnan(other) || other <= 0) continue;
    const bool oracle = report.scores[i].label.rfind("oracle", 0) == 0;
    html << "<p>" << display_name(report.metric) << ": the captioner scores "
         << (oracle ? fixed(100 * model / other, 0) + "% of the oracle" : fixed(model / other, 1) + "x the " +
                                                                              escape_html(report.scores[i].label))
         << ".</p>\n";
  }
  return html.str();
}

std::string gallery(const RunReport& report) {
  std::vector<const std::map<std::string, double>*> maps;
  for (const auto& item : report.gallery) maps.push_back(&item.scores);
  const auto metrics = ordered_metrics(maps);
  std::ostringstream html;
  html << "<p class=\"muted\">Showing " << escape_html(report.gallery_selection) << " of the " << escape_html(report.split)
       << " split, ranked by " << display_name(report.metric) << " (rank 1 = best; per-image scores from scores_"
       << escape_html(report.split) << ".json).</p>\n<div id=\"controls\">sort by: ";
  for (const auto& metric : metrics) {
    html << "<button data-sort=\"" << escape_html(metric) << "\" data-label=\"" << display_name(metric) << "\">"
         << display_name(metric) << "</button>";
  }
  html << " &nbsp; filter: <input id=\"filter\" type=\"search\" placeholder=\"words in captions or image id\">";
  bool grouped = false;
  for (const auto& item : report.gallery) grouped = grouped || !item.group.empty();
  if (grouped) {
    html << " <select id=\"group\"><option value=\"\">all shown</option><option value=\"best\">best</option>"
         << "<option value=\"worst\">worst</option><option value=\"random\">random</option></select>";
  }
  html << " <span id=\"shown\" class=\"muted\"></span></div>\n<div id=\"gallery\">\n";
  for (const auto& item : report.gallery) {
    html << "<div class=\"item\" data-group=\"" << escape_html(item.group) << "\" data-rank=\"" << item.rank << "\"";
    for (const auto& [metric, value] : item.scores) html << " data-s-" << escape_html(metric) << "=\"" << fixed(value, 6) << "\"";
    html << ">\n<img src=\"" << item.image_data_uri << "\" alt=\"image " << escape_html(item.key) << "\">\n<div>"
         << "<div class=\"muted\">#" << item.rank << " &middot; image " << escape_html(item.key);
    if (!item.group.empty()) html << " <span class=\"tag " << escape_html(item.group) << "\">" << escape_html(item.group) << "</span>";
    html << "</div>\n<div class=\"caption\">" << escape_html(item.caption) << "</div>\n<div class=\"scores\">";
    bool first = true;
    for (const auto& metric : metrics) {
      const auto found = item.scores.find(metric);
      // BLEU-4 stands for the BLEUs on the card; every metric sorts.
      if (found == item.scores.end() || metric == "Bleu_1" || metric == "Bleu_2" || metric == "Bleu_3") continue;
      html << (first ? "" : " &middot; ") << display_name(metric) << " " << fixed(found->second);
      first = false;
    }
    html << "</div>\n<ol>";
    for (const auto& reference : item.references) html << "<li>" << escape_html(reference) << "</li>";
    html << "</ol></div>\n</div>\n";
  }
  html << "</div>\n";
  return html.str();
}

std::string run_details(const RunReport& report) {
  std::ostringstream html;
  html << "<h2 id=\"checkpoint\">Checkpoint and decoding</h2>\n";
  std::vector<std::pair<std::string, std::string>> rows = {
      {"checkpoint", escape_html((report.dir / "checkpoints" / (report.checkpoint_name + ".pt")).string())}};
  for (const char* key : {"epoch", "step", "metric", "best_score", "best_step", "finished", "config_sha256",
                          "tokenizer_sha256"}) {
    if (report.checkpoint.contains(key)) rows.emplace_back(key, json_cell(report.checkpoint[key]));
  }
  if (report.checkpoint.contains("scores") && report.checkpoint["scores"].is_object()) {
    std::string scores;
    for (const auto& [name, value] : report.checkpoint["scores"].items()) {
      scores += display_name(name) + " " + (value.is_number() ? fixed(value.get<double>()) : json_cell(value)) + "; ";
    }
    rows.emplace_back("its val scores", scores);
  }
  html << key_value_table(rows);
  rows.clear();
  const json decode = report.caption_settings.value("decode", json::object());  // items() needs it alive
  for (const auto& [key, value] : decode.items()) {
    rows.emplace_back("decode." + key, json_cell(value));
  }
  for (const char* key : {"images", "encode_seconds", "decode_seconds", "images_per_second"}) {
    if (report.caption_settings.contains(key)) rows.emplace_back(key, json_cell(report.caption_settings[key]));
  }
  html << "<p>Captioned with (results_" << escape_html(report.split) << ".settings.json):</p>\n" << key_value_table(rows);

  html << "<h2 id=\"dataset\">Dataset</h2>\n";
  const json& manifest = report.manifest;
  rows = {{"directory", escape_html(report.dataset_dir.string())}};
  for (const auto& input : manifest.value("inputs", json::object()).value("files", json::array())) {
    rows.emplace_back("input (" + input.value("role", std::string("file")) + ")", json_cell(input.value("path", json(""))));
  }
  if (manifest.contains("inputs") && manifest["inputs"].contains("images")) {
    rows.emplace_back("images", json_cell(manifest["inputs"]["images"]));
  }
  const json splits = manifest.value("splits", json::object());
  for (const auto& [split, counts] : splits.items()) {
    rows.emplace_back("split " + split, escape_html(std::to_string(counts.value("images", 0)) + " images, " +
                                                    std::to_string(counts.value("captions", 0)) + " captions"));
  }
  const json tokenizer = manifest.value("tokenizer", json::object());
  const json tokenizer_options = manifest.value("options", json::object()).value("tokenizer", json::object());
  rows.emplace_back("tokenizer", escape_html(tokenizer_options.value("model_type", std::string("?")) + ", vocabulary " +
                                             std::to_string(tokenizer.value("vocab_size", 0))));
  if (manifest.contains("image_store")) rows.emplace_back("image store", json_cell(manifest["image_store"]));
  const json skipped = manifest.value("skipped", json::object()).value("counts", json::object());
  rows.emplace_back("skipped", skipped.empty() ? "nothing" : json_cell(skipped));
  html << key_value_table(rows);
  html << "<h2 id=\"config\">Config (config.ini, resolved)</h2>\n<pre>" << escape_html(report.config_ini) << "</pre>\n";
  return html.str();
}

}  // namespace

std::string run_report_html(const RunReport& report) {
  std::ostringstream body;
  body << "<h1>" << escape_html(report.name) << ": " << escape_html(report.split) << " split</h1>\n"
       << "<p class=\"muted\">" << escape_html(report.dir.string()) << " &middot; captioned with "
       << escape_html(report.checkpoint_name) << ".pt";
  if (report.checkpoint.contains("epoch")) body << " (epoch " << json_cell(report.checkpoint["epoch"]) << ", step " << json_cell(report.checkpoint.value("step", json(0))) << ")";
  body << "</p>\n<nav><a href=\"#scores\">scores</a><a href=\"#curves\">training curves</a><a href=\"#gallery-section\">gallery</a>"
       << "<a href=\"#checkpoint\">checkpoint and decoding</a><a href=\"#dataset\">dataset</a><a href=\"#config\">config</a></nav>\n";
  body << "<h2 id=\"scores\">Scores</h2>\n" << score_table(report);
  for (const auto& note : report.notes) body << "<p class=\"note\">" << escape_html(note) << "</p>\n";
  body << "<h2 id=\"curves\">Training curves</h2>\n";
  if (const auto* best = report.history.best()) {
    body << "<p>Best validation " << display_name(report.metric) << " at epoch " << best->epoch << ", step " << best->step
         << " (dashed line).</p>\n";
  }
  body << curve_plots({{report.name, &report.history}});
  body << "<h2 id=\"gallery-section\">Gallery</h2>\n" << gallery(report);
  body << run_details(report);
  return page(report.name + " report", body.str());
}

std::string comparison_html(const RunComparison& comparison) {
  std::ostringstream body;
  body << "<h1>Comparing " << comparison.runs.size() << " runs</h1>\n<h2 id=\"scores\">Scores</h2>\n"
       << "<p class=\"muted\">Best validation step and scores (log.jsonl), test scores (scores_test.json), and every "
          "setting in which the runs differ (config.ini).</p>\n<table class=\"scores\">\n<thead><tr>";
  for (const auto& column : comparison.table.columns) body << "<th>" << escape_html(column) << "</th>";
  body << "</tr></thead>\n<tbody>\n";
  for (std::size_t r = 0; r < comparison.table.rows.size(); ++r) {
    body << "<tr>";
    for (std::size_t c = 0; c < comparison.table.rows[r].size(); ++c) {
      const std::string& cell = comparison.table.rows[r][c];
      if (c == 0) {
        body << "<td><span class=\"tag\" style=\"background:" << kColours[r % kColours.size()] << "\">&nbsp;</span> "
             << escape_html(cell) << "</td>";
      } else {
        body << "<td class=\"num\">" << escape_html(cell) << "</td>";
      }
    }
    body << "</tr>\n";
  }
  body << "</tbody>\n</table>\n<h2 id=\"curves\">Training curves</h2>\n";
  std::vector<std::pair<std::string, const RunHistory*>> runs;
  for (const auto& run : comparison.runs) runs.emplace_back(run.name, &run.history);
  body << curve_plots(runs);
  return page("comparison of " + std::to_string(comparison.runs.size()) + " runs", body.str());
}

}  // namespace captioner::train
