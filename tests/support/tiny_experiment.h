#pragma once
// A tiny real experiment for end-to-end tests: a synthetic data set of 60 images of 32x32
// (10 val, 10 test) prepared with a word tokenizer, and an experiment config that trains on
// it in seconds. One place for it, shared by the train suite's tests.

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/command.h"

namespace captioner::test {

struct TinyExperiment {
  std::filesystem::path synth;     // captioner synth's output (images/, oracle_*.json, ...)
  std::filesystem::path prepared;  // captioner prepare's output
  std::filesystem::path config;    // tiny.ini; runs go to <root>/runs
  std::string error;               // empty on success; else the failing command's output
};

inline const char* kTinyEncoderSpec = "conv3x8p1 relu pool2 conv3x16p1 relu pool2 fc32";

// Makes the data set and the config under `root` (which must exist) with the captioner
// executable `captioner`.
inline TinyExperiment make_tiny_experiment(const std::string& captioner, const std::filesystem::path& root) {
  TinyExperiment tiny{root / "shapes", root / "prep", root / "tiny.ini", ""};
  const auto synth = run_command(captioner + " synth --out " + quoted(tiny.synth.string()) +
                                 " --count 60 --val-count 10 --test-count 10 --image-size 32");
  if (synth.exit_code != 0) return tiny.error = "synth: " + synth.output, tiny;
  const auto prepare = run_command(captioner + " prepare --karpathy " +
                                   quoted((tiny.synth / "dataset_shapes.json").string()) + " --images " +
                                   quoted((tiny.synth / "images").string()) + " --out " + quoted(tiny.prepared.string()) +
                                   " --image-size 32 --tokenizer.model-type word --tokenizer.adjust-vocab-size");
  if (prepare.exit_code != 0) return tiny.error = "prepare: " + prepare.output, tiny;
  std::ofstream(tiny.config) << "[data]\ndir = " << tiny.prepared.string() << "\n[encoder]\nspec = " << kTinyEncoderSpec
                             << "\nimage-size = 32\n[decoder]\nembedding-size = 16\nhidden-size = 32\n"
                             << "[train]\nepochs = 3\nbatch-size = 16\neval-every = 3\nwarmup-steps = 2\n"
                             << "workers = 1\npatience = 0\nbow-loss = 0.5\n[decode]\nstrategy = greedy\nmax-length = 12\n"
                             << "[run]\ndir = " << (root / "runs").string() << "\n";
  return tiny;
}

}  // namespace captioner::test
