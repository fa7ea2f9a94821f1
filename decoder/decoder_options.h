#pragma once
// The caption decoder's shape: sizes, dropout and how the image enters it.

#include <string>

namespace captioner::decoder {

struct DecoderOptions {
  int embedding_size = 256;     // word embedding size (and the projected image's, init `input`)
  int hidden_size = 512;        // LSTM hidden and cell size
  int layers = 1;               // stacked LSTM layers
  double dropout = 0.3;         // on the embeddings, between LSTM layers and before the output layer; 0: none
  std::string init = "hidden";  // hidden (h0, c0 from the image) | input (image as the first input step,
                                // Show and Tell) | none (no image: the blind language-model baseline)
  int feature_size = 0;         // length of the image vector: set from the encoder, not the config
  int vocab_size = 0;           // output classes: set from the tokenizer, not the config
};

enum class InitMode { kHidden, kInput, kNone };

// InputError naming the option and value for a size below 1, dropout outside [0, 1), an
// unknown init mode, a vocabulary without a word beside the special ids, or no feature
// size with an init mode that uses the image.
void validate(const DecoderOptions& options);

// The init mode named by `name`; InputError for any other name.
InitMode parse_init_mode(const std::string& name);

}  // namespace captioner::decoder
