#pragma once
// The report pages as HTML: one self-contained file each (inline CSS, inline SVG plots,
// images as data: URIs, a little inline JavaScript for sorting and filtering the gallery; no
// network). Data from train/report.h.

#include <string>

#include "train/report.h"

namespace captioner::train {

// One run: scores (with baseline and oracle rows), training curves with the best
// evaluation marked, the gallery, the checkpoint, decoding settings, dataset and config.
std::string run_report_html(const RunReport& report);

// Several runs: captioner compare's table and their curves overlaid, one colour per run.
std::string comparison_html(const RunComparison& comparison);

}  // namespace captioner::train
