// captioner report: one self-contained HTML page about a run (scores with the blind baseline
// and the oracle, training curves, a gallery of captioned images, checkpoint, decoding,
// dataset and config), or comparing several runs (train/report.h, train/report_html.h).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "train/report.h"
#include "train/report_html.h"
#include "util/cli.h"
#include "util/error.h"
#include "util/file.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;

namespace {

int run_report(int argc, char** argv) {
  captioner::train::ReportRequest request;
  std::string run, out;
  std::vector<std::string> compared;
  po::options_description described("Options");
  described.add_options()
      ("run", po::value(&run)->value_name("DIR"), "the run to report on (runs/<name>)")
      ("split", po::value(&request.split)->default_value(request.split)->value_name("val|test"),
       "the split whose captions and scores are shown (captioner caption --split S --score wrote them)")
      ("gallery", po::value(&request.gallery_limit)->default_value(request.gallery_limit)->value_name("N"),
       "images in the gallery: all when the split has at most N, else the best and worst N/4 and N/2 at random")
      ("compare", po::value(&compared)->multitoken()->value_name("DIR..."),
       "instead: one page comparing these runs (scores table, curves overlaid)")
      ("out", po::value(&out)->value_name("FILE"),
       "the page (default: <run>/report.html; with --compare, compare.html beside the first run)");
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner report --run runs/NAME [--split test] [--out FILE]\n"
      "       captioner report --compare runs/A runs/B ... [--out FILE]\n"
      "Writes one self-contained HTML page (plots, images and scripts inside it; no network).",
      described, /*accepts_config=*/false, std::cout);
  if (parsed.help_shown) return 0;
  if (run.empty() == compared.empty()) throw captioner::InputError("give either --run DIR or --compare DIR..., not both or neither");

  fs::path page;
  std::string html;
  if (!run.empty()) {
    request.run = run;
    html = captioner::train::run_report_html(captioner::train::gather_run_report(request));
    page = out.empty() ? fs::path(run) / "report.html" : fs::path(out);
  } else {
    const std::vector<fs::path> dirs(compared.begin(), compared.end());
    html = captioner::train::comparison_html(captioner::train::gather_comparison(dirs));
    fs::path first = fs::path(compared.front()).lexically_normal();
    if (first.filename().empty()) first = first.parent_path();  // runs/a/
    page = out.empty() ? first.parent_path() / "compare.html" : fs::path(out);
  }
  captioner::write_file_atomically(page, html);
  std::cout << "wrote " << page.string() << " (" << (html.size() + 512) / 1024 << " KB)\n";
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"report", "one HTML page about a run (curves, scores, captioned images) or comparing runs", 60, &run_report}};

}  // namespace
