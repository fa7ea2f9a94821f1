#pragma once
// The options of an experiment, the one place where the config's sections ([encoder], and
// later [data], [decoder], [train], [decode]) meet the command line. Each section is its
// module's options struct; the defaults live in those structs, never here.

#include <string>

#include <boost/program_options.hpp>

#include "decoder/decode_options.h"
#include "decoder/decoder_options.h"
#include "encoder/options.h"
#include "train/caption_model.h"
#include "train/train_options.h"

namespace captioner::apps {

struct ExperimentOptions {
  std::string dataset;              // [data] dir: a prepared dataset directory (captioner prepare)
  encoder::EncoderOptions encoder;  // [encoder]
  decoder::DecoderOptions decoder;  // [decoder]
  train::TrainOptions train;        // [train]
  decoder::DecodeOptions decode;    // [decode]: how captions are decoded (evaluation and captioning)
  train::RunOptions run;            // [run]
};

// Adds every section's keys (--encoder.spec, --encoder.image-size, --encoder.backend, ...)
// bound to `options`, with their current values as defaults. A bad value is an InputError
// naming the key, raised when the values are stored (parse_command).
void add_experiment_options(boost::program_options::options_description& described, ExperimentOptions& options);

// The model the sections describe ([encoder], [decoder], [train] bow-loss).
train::ModelOptions model_options(const ExperimentOptions& options);

// Every key of an experiment config (the options above), its default and its meaning, as a
// markdown table: the README's config reference is this text (scripts/update-readme-config.sh).
std::string config_reference_markdown();

// The [decode] section alone (captioner caption overrides a run's decoding with it).
void add_decode_options(boost::program_options::options_description& described, decoder::DecodeOptions& options);

}  // namespace captioner::apps
