#pragma once
// Readers for the captions capeval scores: COCO annotation + results JSON, and
// line-aligned plain text (one hypothesis per line, one file per reference set).
// Every problem is an InputError naming the file and what is wrong with it.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "metrics/scorer.h"

namespace captioner::metrics {

struct InputFile {
  std::string path;
  std::size_t bytes = 0;
  std::string sha256;
};

// A text file's bytes, checked to be UTF-8, with what a report says about it.
struct TextFile {
  InputFile file;
  std::string text;
};
TextFile read_text_file(const std::filesystem::path& path);

struct LoadedCaptions {
  CaptionSet captions;
  std::vector<InputFile> files;  // as given, references first
  // Images of the annotation file without a result: pycocoevalcap's demo (and capeval)
  // scores only the images that have results.
  std::size_t images_without_result = 0;
};

// COCO captions: `references` is an annotation file ({"images": [...], "annotations":
// [{"image_id", "caption"}, ...]}), `results` a results file ([{"image_id", "caption"}]).
// Images are scored in the order of the annotation file's "images" list (then any
// annotated id it lacks, by first annotation), as pycocoevalcap orders them.
LoadedCaptions read_coco_captions(const std::filesystem::path& references,
                                  const std::filesystem::path& results);

// Plain text: line i of `hypotheses` is scored against line i of every reference file.
LoadedCaptions read_text_captions(const std::filesystem::path& hypotheses,
                                  const std::vector<std::filesystem::path>& references);

}  // namespace captioner::metrics
