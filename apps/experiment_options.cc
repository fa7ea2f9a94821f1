#include "apps/experiment_options.h"

#include <map>
#include <sstream>
#include <string>

#include "util/cli.h"

namespace po = boost::program_options;

namespace captioner::apps {
namespace {

void add_encoder_options(po::options_description& described, encoder::EncoderOptions& options) {
  po::options_description section("Encoder [encoder]");
  section.add_options()
      ("encoder.spec", po::value(&options.spec)->default_value(options.spec)->value_name("LAYERS"),
       "the CNN's layers from the input: conv<F>x<K>[s<S>][p<P>] pool<F>[s<S>] avgpool<F>[s<S>] gap fc<N> "
       "relu lrelu sigmoid tanh elu maxout<k> bn dropout<p>")
      ("encoder.image-size", po::value(&options.image_size)->default_value(options.image_size)->value_name("S"),
       "side of the square images the encoder is planned and trained for, in pixels")
      ("encoder.backend",
       po::value<std::string>()
           ->default_value(encoder::to_string(options.backend))
           ->value_name("NAME")
           ->notifier([&options](const std::string& name) { options.backend = encoder::parse_backend(name); }),
       "conv, pool and fc implementation: native (LibTorch's ops) or scratch (our im2col + GEMM)");
  described.add(section);
}

void add_data_options(po::options_description& described, std::string& dataset) {
  po::options_description section("Data [data]");
  section.add_options()("data.dir", po::value(&dataset)->value_name("DIR"),
                        "the prepared dataset (captioner prepare --out DIR)");
  described.add(section);
}

void add_decoder_options(po::options_description& described, decoder::DecoderOptions& options) {
  po::options_description section("Decoder [decoder]");
  section.add_options()
      ("decoder.embedding-size", po::value(&options.embedding_size)->default_value(options.embedding_size),
       "word embedding size (and the projected image's, init input)")
      ("decoder.hidden-size", po::value(&options.hidden_size)->default_value(options.hidden_size),
       "LSTM hidden and cell size")
      ("decoder.layers", po::value(&options.layers)->default_value(options.layers), "stacked LSTM layers")
      ("decoder.dropout", po::value(&options.dropout)->default_value(options.dropout),
       "dropout on embeddings, between LSTM layers and before the output layer")
      ("decoder.init", po::value(&options.init)->default_value(options.init),
       "how the image enters: hidden (h0, c0 from it), input (Show and Tell: first input step), "
       "none (no image: the blind baseline)");
  described.add(section);
}

void add_train_options(po::options_description& described, train::TrainOptions& options) {
  po::options_description section("Training [train]");
  section.add_options()
      ("train.epochs", po::value(&options.epochs)->default_value(options.epochs), "passes over the training captions")
      ("train.batch-size", po::value(&options.batch_size)->default_value(options.batch_size), "captions per step")
      ("train.optimizer", po::value(&options.optimizer)->default_value(options.optimizer), "adam | sgd (momentum 0.9)")
      ("train.learning-rate", po::value(&options.learning_rate)->default_value(options.learning_rate),
       "peak learning rate")
      ("train.schedule", po::value(&options.schedule)->default_value(options.schedule),
       "constant | step | cosine (after warm-up)")
      ("train.warmup-steps", po::value(&options.warmup_steps)->default_value(options.warmup_steps),
       "linear warm-up steps")
      ("train.step-size", po::value(&options.step_size)->default_value(options.step_size),
       "schedule step: steps between decays")
      ("train.step-gamma", po::value(&options.step_gamma)->default_value(options.step_gamma),
       "schedule step: decay factor")
      ("train.weight-decay", po::value(&options.weight_decay)->default_value(options.weight_decay), "L2 penalty")
      ("train.clip-grad-norm", po::value(&options.clip_grad_norm)->default_value(options.clip_grad_norm),
       "maximum global gradient norm; 0: no clipping")
      ("train.label-smoothing", po::value(&options.label_smoothing)->default_value(options.label_smoothing),
       "probability spread uniformly over the vocabulary")
      ("train.bow-loss", po::value(&options.bow_loss)->default_value(options.bow_loss),
       "weight of an auxiliary loss: a linear layer on the image vector predicts which words the caption "
       "contains (training only); 0: none, plain Show and Tell")
      ("train.seed", po::value(&options.seed)->default_value(options.seed),
       "seed of weights, data order, dropout and augmentation")
      ("train.eval-every", po::value(&options.eval_every)->default_value(options.eval_every),
       "evaluate on val every N steps (and after the last); 0: after every epoch")
      ("train.metric", po::value(&options.metric)->default_value(options.metric),
       "score that picks best.pt: Bleu_1..Bleu_4, ROUGE_L, CIDEr")
      ("train.patience", po::value(&options.patience)->default_value(options.patience),
       "stop after N evaluations without a better score; 0: never")
      ("train.eval-images", po::value(&options.eval_images)->default_value(options.eval_images),
       "evaluate on the first N val images; 0: all")
      ("train.log-every", po::value(&options.log_every)->default_value(options.log_every), "steps between log lines")
      ("train.workers", po::value(&options.workers)->default_value(options.workers), "batch loader threads")
      ("train.augment", po::value(&options.augment)->default_value(options.augment),
       "mirror images, swapping left and right in their captions");
  described.add(section);
}

void add_run_options(po::options_description& described, train::RunOptions& options) {
  po::options_description section("Run [run]");
  section.add_options()
      ("run.name", po::value(&options.name)->value_name("NAME"),
       "the run's folder under run.dir (default: the config file's name)")
      ("run.dir", po::value(&options.dir)->default_value(options.dir), "where runs live")
      ("run.resume", po::value(&options.resume)->default_value(options.resume),
       "continue an existing run from its last checkpoint");
  described.add(section);
}

}  // namespace

void add_decode_options(po::options_description& described, decoder::DecodeOptions& options) {
  po::options_description section("Decoding [decode]");
  section.add_options()
      ("decode.strategy", po::value(&options.strategy)->default_value(options.strategy), "greedy | beam | sample")
      ("decode.beam", po::value(&options.beam_size)->default_value(options.beam_size), "beam width")
      ("decode.length-penalty", po::value(&options.length_penalty)->default_value(options.length_penalty),
       "alpha: score = log-probability / length^alpha")
      ("decode.min-length", po::value(&options.min_length)->default_value(options.min_length),
       "fewest tokens before the caption may end")
      ("decode.max-length", po::value(&options.max_length)->default_value(options.max_length),
       "most tokens of a caption")
      ("decode.no-repeat-ngram", po::value(&options.no_repeat_ngram_size)->default_value(options.no_repeat_ngram_size),
       "n: no n-gram twice in a caption; 0: allowed")
      ("decode.suppress-unk", po::value(&options.suppress_unk)->default_value(options.suppress_unk),
       "never produce the unknown piece")
      ("decode.temperature", po::value(&options.temperature)->default_value(options.temperature),
       "sample: logits divided by it")
      ("decode.top-k", po::value(&options.top_k)->default_value(options.top_k),
       "sample: draw among the k most likely tokens; 0: all")
      ("decode.seed", po::value(&options.seed)->default_value(options.seed), "sample: seed of the draws");
  described.add(section);
}

train::ModelOptions model_options(const ExperimentOptions& options) {
  train::ModelOptions model{options.encoder, options.decoder};
  model.bow_loss = options.train.bow_loss;
  return model;
}

void add_experiment_options(po::options_description& described, ExperimentOptions& options) {
  add_data_options(described, options.dataset);
  add_encoder_options(described, options.encoder);
  add_decoder_options(described, options.decoder);
  add_train_options(described, options.train);
  add_decode_options(described, options.decode);
  add_run_options(described, options.run);
}

std::string config_reference_markdown() {
  ExperimentOptions options;
  po::options_description described;
  add_experiment_options(described, options);
  // The defaults as a run's config.ini would hold them: resolved from an empty command line.
  po::variables_map values;
  const char* const no_arguments[] = {"captioner"};
  po::store(po::parse_command_line(1, no_arguments, described), values);
  po::notify(values);
  std::map<std::string, std::string> defaults;
  std::istringstream ini(resolved_config_ini(described, values));
  std::string section;
  for (std::string line; std::getline(ini, line);) {
    if (line.size() > 2 && line.front() == '[') {
      section = line.substr(1, line.size() - 2);
    } else if (const auto equals = line.find(" = "); equals != std::string::npos) {
      defaults[section + "." + line.substr(0, equals)] = line.substr(equals + 3);
    }
  }
  // Markdown: pipes escaped, angle brackets as entities (GitHub would take <F> for a tag).
  const auto escaped = [](const std::string& text) {
    std::string out;
    for (const char c : text) {
      if (c == '|') out += "\\|";
      else if (c == '<') out += "&lt;";
      else if (c == '>') out += "&gt;";
      else out += c;
    }
    return out;
  };
  std::ostringstream out;
  out << "| key | default | meaning |\n| --- | --- | --- |\n";
  for (const auto& option : described.options()) {  // section by section, as added above
    const std::string& name = option->long_name();
    const auto found = defaults.find(name);
    out << "| `" << name << "` | " << (found == defaults.end() ? "(none)" : "`" + found->second + "`") << " | "
        << escaped(option->description()) << " |\n";
  }
  return out.str();
}

}  // namespace captioner::apps
