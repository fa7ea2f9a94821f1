// captioner report end to end: a tiny real run (trained, captioned, scored), its report page
// rendered by headless Chromium, and what the browser shows checked: decoded images, drawn
// plot paths, the score table with the blind baseline and the oracle, the captions; and a
// screenshot that is not blank. Chromium is a test dependency (scripts/install-deps.sh):
// without it these tests fail.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tests/support/command.h"
#include "tests/support/tiny_experiment.h"

namespace fs = std::filesystem;
using captioner::test::quoted;
using captioner::test::run_command;

namespace {

const std::string kCaptioner = CAPTIONER_PATH;

class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::path(::testing::TempDir()) / ("captioner_report_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    const auto tiny = captioner::test::make_tiny_experiment(kCaptioner, root_);
    ASSERT_EQ(tiny.error, "");
    config_ = tiny.config;
    // The captioner, and the blind baseline beside it (no image), both scored on test.
    for (const std::string extra : {"--run.name tiny", "--run.name tiny-blind --decoder.init none --train.epochs 1"}) {
      // A loss point every 2 steps: curves with several points, in both runs.
      const auto trained = run_command(kCaptioner + " train --threads 1 --train.log-every 2 --config " +
                                       quoted(config_.string()) + " " + extra);
      ASSERT_EQ(trained.exit_code, 0) << trained.output;
    }
    for (const std::string run : {"tiny", "tiny-blind"}) {
      const auto scored = run_command(kCaptioner + " caption --threads 1 --run " + quoted((root_ / "runs" / run).string()) +
                                      " --split test --score");
      ASSERT_EQ(scored.exit_code, 0) << scored.output;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  // Chromium's DOM of the page after its scripts ran and it loaded.
  static std::string rendered_dom(const fs::path& page) {
    const auto dom = run_command(chromium() + " --virtual-time-budget=10000 --dump-dom " +
                                 quoted("file://" + fs::absolute(page).string()) + " 2>/dev/null");
    EXPECT_EQ(dom.exit_code, 0) << dom.output;
    return dom.output;
  }

  static std::string chromium() {
    const auto found = run_command("command -v chromium");
    EXPECT_EQ(found.exit_code, 0) << "chromium is not installed: scripts/install-deps.sh installs it for the tests";
    return "timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" +
           quoted((root_ / "chromium-profile").string());
  }

  // An attribute the page's load handler set on <body>, or "" when it is not there.
  static std::string body_attribute(const std::string& dom, const std::string& name) {
    std::smatch match;
    const std::regex body("<body([^>]*)>");
    if (!std::regex_search(dom, match, body)) return "";
    const std::string attributes = match[1];
    std::smatch value;
    if (!std::regex_search(attributes, value, std::regex(" " + name + "=\"([^\"]*)\""))) return "";
    return value[1];
  }

  static int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
  }

  static fs::path root_, config_;
};
fs::path Report::root_, Report::config_;

TEST_F(Report, TheRenderedPageShowsImagesCaptionsPlotsAndTheScoreTable) {
  const fs::path run = root_ / "runs/tiny";
  const auto written = run_command(kCaptioner + " report --run " + quoted(run.string()));
  ASSERT_EQ(written.exit_code, 0) << written.output;
  EXPECT_NE(written.output.find("wrote " + (run / "report.html").string()), std::string::npos) << written.output;
  const std::string html = [&] {
    std::ifstream in(run / "report.html");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  // Self-contained: nothing fetched from anywhere.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(count(html, "src=\"data:image/jpeg;base64,"), 10);

  const std::string dom = rendered_dom(run / "report.html");
  ASSERT_EQ(body_attribute(dom, "data-rendered"), "yes") << "the page's load handler did not run:\n" << dom.substr(0, 2000);
  // All 10 test images are in the gallery and every one was decoded by the browser.
  EXPECT_EQ(body_attribute(dom, "data-images-total"), "10");
  EXPECT_EQ(body_attribute(dom, "data-images-loaded"), "10");
  // Plots: train and val loss, learning rate and the 6 validation metrics, each a drawn path;
  // the val loss (the trainer's eval lines carry it) in the loss plot's legend.
  EXPECT_GE(std::stoi(body_attribute(dom, "data-plot-paths")), 9);
  EXPECT_NE(dom.find(">val</text>"), std::string::npos);
  {
    std::ifstream log_file(run / "log.jsonl");
    int evaluations_with_loss = 0;
    for (std::string line; std::getline(log_file, line);) {
      const auto entry = nlohmann::json::parse(line);
      if (entry["type"] == "eval" && entry.contains("loss") && entry["loss"].get<double>() > 0) ++evaluations_with_loss;
    }
    EXPECT_GT(evaluations_with_loss, 0);
  }
  // The score table: the run, the blind baseline beside it, synth's oracle.
  EXPECT_EQ(body_attribute(dom, "data-score-rows"), "3");
  EXPECT_NE(dom.find("blind baseline (tiny-blind"), std::string::npos);
  EXPECT_NE(dom.find("oracle (each image"), std::string::npos);
  // Every caption of results_test.json is shown, beside its image.
  EXPECT_EQ(body_attribute(dom, "data-captions-shown"), "10");
  std::ifstream results_file(run / "results_test.json");
  for (const auto& result : nlohmann::json::parse(results_file)) {
    EXPECT_NE(dom.find("<div class=\"caption\">" + result["caption"].get<std::string>() + "</div>"), std::string::npos)
        << result.dump();
  }
  // The test CIDEr-D of scores_test.json, as the table prints it.
  std::ifstream scores_file(run / "scores_test.json");
  char cider[32];
  std::snprintf(cider, sizeof cider, "%.3f", nlohmann::json::parse(scores_file)["corpus"]["CIDEr"].get<double>());
  EXPECT_NE(dom.find(std::string("<td class=\"num\">") + cider + "</td>"), std::string::npos) << cider;
  // The best evaluation is marked on the curves.
  EXPECT_NE(dom.find("best: epoch"), std::string::npos);

  // A screenshot of the page is a real picture, not a blank one.
  const fs::path png = root_ / "report.png";
  const auto shot = run_command(chromium() + " --virtual-time-budget=10000 --window-size=1200,1600 --screenshot=" +
                                quoted(png.string()) + " " + quoted("file://" + fs::absolute(run / "report.html").string()));
  ASSERT_EQ(shot.exit_code, 0) << shot.output;
  const cv::Mat image = cv::imread(png.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty()) << png;
  EXPECT_EQ(image.cols, 1200);
  EXPECT_EQ(image.rows, 1600);
  cv::Scalar mean, deviation;
  cv::meanStdDev(image, mean, deviation);
  EXPECT_GT(deviation[0] + deviation[1] + deviation[2], 30.0) << "the screenshot is (nearly) one colour";
}

TEST_F(Report, ALargeSplitShowsTheBestTheWorstAndARandomDraw) {
  const fs::path page = root_ / "small-gallery.html";
  const auto written = run_command(kCaptioner + " report --run " + quoted((root_ / "runs/tiny").string()) +
                                   " --gallery 4 --out " + quoted(page.string()));
  ASSERT_EQ(written.exit_code, 0) << written.output;
  std::ifstream in(page);
  const std::string html(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(count(html, "<div class=\"item\""), 4);
  EXPECT_EQ(count(html, "data-group=\"best\" data-rank=\"1\""), 1);
  EXPECT_EQ(count(html, "data-group=\"worst\" data-rank=\"10\""), 1);
  EXPECT_EQ(count(html, "data-group=\"random\""), 2);
  EXPECT_NE(html.find("4 of 10 images: the 1 best, the 1 worst and 2 drawn at random"), std::string::npos);
}

TEST_F(Report, TheComparisonPageOverlaysTheRunsCurves) {
  const fs::path page = root_ / "compare.html";
  const auto written = run_command(kCaptioner + " report --compare " + quoted((root_ / "runs/tiny").string()) + " " +
                                   quoted((root_ / "runs/tiny-blind").string()));
  ASSERT_EQ(written.exit_code, 0) << written.output;
  // Default: compare.html beside the runs.
  ASSERT_TRUE(fs::exists(root_ / "runs/compare.html")) << written.output;
  const std::string dom = rendered_dom(root_ / "runs/compare.html");
  ASSERT_EQ(body_attribute(dom, "data-rendered"), "yes");
  EXPECT_EQ(body_attribute(dom, "data-score-rows"), "2");
  // Two runs on each of the 8 plots.
  EXPECT_GE(std::stoi(body_attribute(dom, "data-plot-paths")), 16);
  EXPECT_NE(dom.find("data-series=\"tiny-blind\""), std::string::npos);
  EXPECT_NE(dom.find("<th>decoder.init</th>"), std::string::npos) << "the setting in which the runs differ";
}

TEST_F(Report, MissingScoresOrRunsAreOneLineErrorsNamingTheFile) {
  const fs::path run = root_ / "runs/tiny";
  const auto no_val = run_command(kCaptioner + " report --run " + quoted(run.string()) + " --split val --out " +
                                  quoted((root_ / "val.html").string()));
  EXPECT_EQ(no_val.exit_code, 1) << no_val.output;
  EXPECT_NE(no_val.output.find((run / "results_val.json").string() + ": missing: run `captioner caption --run " +
                               run.string() + " --split val --score` first"),
            std::string::npos)
      << no_val.output;
  EXPECT_EQ(std::count(no_val.output.begin(), no_val.output.end(), '\n'), 1) << no_val.output;
  EXPECT_FALSE(fs::exists(root_ / "val.html"));

  const auto no_run = run_command(kCaptioner + " report --run " + quoted((root_ / "runs/nothing").string()));
  EXPECT_EQ(no_run.exit_code, 1) << no_run.output;
  EXPECT_NE(no_run.output.find("runs/nothing"), std::string::npos) << no_run.output;
  const auto both = run_command(kCaptioner + " report --run " + quoted(run.string()) + " --compare " + quoted(run.string()));
  EXPECT_EQ(both.exit_code, 1) << both.output;
  EXPECT_NE(both.output.find("either --run DIR or --compare DIR"), std::string::npos) << both.output;
}

}  // namespace
