#pragma once
// Options of a training run: [train] and [run] in a config. Every field says what it is
// and has its default here, the one place defaults live (the CLI is built from this).

#include <cstdint>
#include <string>

namespace captioner::train {

struct TrainOptions {
  int epochs = 20;                   // passes over the training captions
  int batch_size = 64;               // captions per step
  std::string optimizer = "adam";    // adam | sgd (with momentum 0.9)
  double learning_rate = 2e-3;       // peak learning rate
  std::string schedule = "cosine";   // constant | step | cosine (over all steps, after warm-up)
  int warmup_steps = 100;            // linear warm-up from 0
  int step_size = 1000;              // schedule=step: steps between decays
  double step_gamma = 0.5;           // schedule=step: decay factor
  double weight_decay = 0.0;         // L2 penalty (decoupled for adam: AdamW-style is not in LibTorch 1.13; plain L2)
  double clip_grad_norm = 5.0;       // maximum global gradient norm; 0 disables clipping
  double label_smoothing = 0.0;      // share of probability spread over the vocabulary
  double bow_loss = 0.0;             // weight of the auxiliary bag-of-words loss (ModelOptions::bow_loss); 0: none
  std::uint64_t seed = 1;            // one seed for weights, data order, dropout, augmentation
  int eval_every = 0;                // evaluate every N steps; 0: after every epoch
  std::string metric = "CIDEr";      // the score that picks best.pt: Bleu_1..4, ROUGE_L, CIDEr
  int patience = 5;                  // stop after this many evaluations without a better score; 0: never
  int eval_images = 0;               // evaluate on the first N val images; 0: all
  int log_every = 20;                // steps between log lines
  int workers = 2;                   // batch loader threads
  bool augment = true;               // horizontal flips that also swap left/right in the caption
};

struct RunOptions {
  std::string name;                  // run name: the folder under `dir`; default: the config's file name
  std::string dir = "runs";          // where runs live
  bool resume = true;                // continue from checkpoints/last.pt when the run exists
};

}  // namespace captioner::train
