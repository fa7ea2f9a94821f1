#!/usr/bin/python3
"""The captioner in C++ (`captioner train` / `captioner caption`) against the same model
written in Python PyTorch (Debian's python3-torch: the same LibTorch kernels underneath),
side by side in one run:

  * training throughput (caption rows per second, each row with its image): `captioner
    train` for one epoch of a synthetic data set, read from its log.jsonl, against a plain
    PyTorch loop over the same data with the same model, batch, loss, Adam and clipping,
    once over padded batches (nn.LSTM on the padding too) and once with the captions packed
    (pack_padded_sequence, as a user who skips the padding writes it; the C++ side skips it);
  * beam-5 decoding (captions per second from the image features): `captioner caption
    --split test` (the times it writes beside its results) against the same beam search in
    Python, run on the weights of the C++ run's checkpoint, which also checks that both
    sides compute the same model: the captions must agree. The encoder's share (reading,
    normalising and encoding the images) and the whole captioning are printed too.

Each side trains and captions --repeat times, alternating with the other, and its fastest
run counts (the C++ training is seeded: every run trains the same model).

The Python side is written as a PyTorch user would write it: nn.Modules, torch ops,
a Python loop; it runs with the same thread count and OMP_WAIT_POLICY.

    /usr/bin/python3 bench/model_vs_pytorch.py --captioner build/apps/captioner
"""

import argparse
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))
PAD, BOS, EOS, UNK = 0, 1, 2, 3  # data/sentencepiece.h's fixed ids
IMAGE_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGE_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


# ----- the model, as a PyTorch user writes it; parameter names match the C++ checkpoint -----

class FullyConnected(nn.Module):
    """fc<N>: flatten, linear, back to N x C x 1 x 1 (so that a bn after it is BatchNorm2d)."""

    def __init__(self, inputs, outputs):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(outputs, inputs))
        self.bias = nn.Parameter(torch.zeros(outputs))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x):
        return F.linear(x.flatten(1), self.weight, self.bias)[:, :, None, None]


def build_encoder(spec, image_size):
    """The layer kinds of the default spec (convFxNpP, bn, relu, poolN, fcN)."""
    layers, depth, side = [], 3, image_size
    for word in spec.split():
        if m := re.fullmatch(r"conv(\d+)x(\d+)(?:s(\d+))?(?:p(\d+))?", word):
            f, n, s, p = int(m[1]), int(m[2]), int(m[3] or 1), int(m[4] or 0)
            layers.append(nn.Conv2d(depth, n, f, s, p))
            depth, side = n, (side - f + 2 * p) // s + 1
        elif word == "bn":
            layers.append(nn.BatchNorm2d(depth))
        elif word == "relu":
            layers.append(nn.ReLU())
        elif m := re.fullmatch(r"pool(\d+)", word):
            layers.append(nn.MaxPool2d(int(m[1])))
            side //= int(m[1])
        elif m := re.fullmatch(r"fc(\d+)", word):
            layers.append(FullyConnected(depth * side * side, int(m[1])))
            depth, side = int(m[1]), 1
        else:
            sys.exit(f"model_vs_pytorch: spec layer '{word}' is not in this benchmark's Python model")
    encoder = nn.Module()
    encoder.layers = nn.Sequential(*layers)
    return encoder, depth


class Decoder(nn.Module):
    """Embedding, LSTM, dropout, linear; h0 and c0 = tanh(linear(features)) (init = hidden)."""

    def __init__(self, vocab, features, embedding, hidden, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden, vocab)
        self.init_h = nn.Linear(features, hidden)
        self.init_c = nn.Linear(features, hidden)
        with torch.no_grad():  # as decoder/caption_decoder.cc: small embeddings, forget-gate bias 1
            self.embedding.weight.uniform_(-0.1, 0.1)
            self.lstm.bias_ih_l0[hidden:2 * hidden].fill_(1.0)
            self.lstm.bias_hh_l0[hidden:2 * hidden].fill_(0.0)

    def start(self, features):
        return (torch.tanh(self.init_h(features)).unsqueeze(0), torch.tanh(self.init_c(features)).unsqueeze(0))

    def forward(self, features, tokens, packed=False):
        inputs = self.dropout(self.embedding(tokens[:, :-1]))
        if not packed:
            outputs, _ = self.lstm(inputs, self.start(features))
        else:  # what a PyTorch user does to skip the padding (the C++ side skips it too)
            lengths = (tokens[:, 1:] != PAD).sum(1)
            packed_inputs = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            packed_outputs, _ = self.lstm(packed_inputs, self.start(features))
            outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=inputs.size(1))
        return self.output(self.dropout(outputs))

    def step(self, tokens, state):
        outputs, state = self.lstm(self.embedding(tokens).unsqueeze(1), state)
        return self.output(outputs.squeeze(1)), state


class CaptionModel(nn.Module):
    def __init__(self, config, vocab):
        super().__init__()
        self.encoder, features = build_encoder(config["encoder"]["spec"], int(config["encoder"]["image-size"]))
        d = config["decoder"]
        if d["init"] != "hidden" or int(d["layers"]) != 1:
            sys.exit("model_vs_pytorch: the Python model has decoder init = hidden and one layer")
        self.decoder = Decoder(vocab, features, int(d["embedding-size"]), int(d["hidden-size"]), float(d["dropout"]))
        self.bow_loss = float(config["train"].get("bow-loss", "0"))
        if self.bow_loss > 0:  # the auxiliary bag-of-words loss (decoder/caption_loss.h)
            self.bag_of_words = nn.Linear(features, vocab)

    def features(self, images):
        return self.encoder.layers(images).flatten(1)

    def loss(self, images, tokens, packed=False):
        features = self.features(images)
        logits = self.decoder(features, tokens, packed)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tokens[:, 1:].reshape(-1), ignore_index=PAD)
        if self.bow_loss > 0:
            present = torch.zeros(tokens.size(0), logits.size(-1)).scatter_(1, tokens, 1.0)
            present[:, :UNK + 1] = 0  # pad, bos, eos, unk are not words
            bce = F.binary_cross_entropy_with_logits(self.bag_of_words(features), present, reduction="none")
            loss = loss + self.bow_loss * bce.sum(1).mean()
        return loss


def to_input(images_uint8_nhwc):
    return (torch.from_numpy(images_uint8_nhwc).permute(0, 3, 1, 2).float() / 255 - IMAGE_MEAN) / IMAGE_STD


def beam_search(model, features, beam, max_length):
    """The C++ beam search (decoder/beam_search.cc) step for step, with its defaults (one
    hypothesis, no length penalty): 2K candidates per image, an eos among the first K ends a
    hypothesis, an image is done with K hypotheses, no live beam, or no live beam better than
    its best hypothesis; finished images leave the batch; pad, bos and unk suppressed, min
    length 1."""
    images = features.size(0)
    finished = [[] for _ in range(images)]
    state = model.decoder.start(features)
    beams, active = 1, list(range(images))
    tokens = torch.full((images,), BOS, dtype=torch.long)
    generated = torch.empty((images, 0), dtype=torch.long)
    beam_log_prob = torch.zeros(images)
    for step in range(max_length + 1):
        logits, state = model.decoder.step(tokens, state)
        log_probs = torch.log_softmax(logits, 1)
        eos = log_probs[:, EOS].clone()
        log_probs[:, [PAD, BOS, UNK]] = -float("inf")
        if step < 1:
            log_probs[:, EOS] = -float("inf")
        if step >= max_length:
            log_probs.fill_(-float("inf"))
            log_probs[:, EOS] = eos
        stuck = log_probs.max(1).values == -float("inf")
        log_probs[:, EOS] = torch.where(stuck, eos, log_probs[:, EOS])
        vocab, groups = log_probs.size(1), len(active)
        totals = (beam_log_prob.unsqueeze(1) + log_probs).view(groups, beams * vocab)
        best_totals, best_ids = totals.topk(min(2 * beam, beams * vocab), 1)
        best_totals, best_ids, rows = best_totals.tolist(), best_ids.tolist(), generated.tolist()
        still_active, sources, next_tokens, next_log_probs = [], [], [], []
        for group in range(groups):
            done = finished[active[group]]
            next_beams = []
            for rank, total in enumerate(best_totals[group]):
                if total == -float("inf"):
                    break
                row, token = group * beams + best_ids[group][rank] // vocab, best_ids[group][rank] % vocab
                if token == EOS:
                    if rank < beam:
                        done.append((total, rows[row][:step]))
                elif len(next_beams) < beam:
                    next_beams.append((row, token, total))
            if len(done) >= beam or not next_beams:
                continue
            if done and max(total for total, _ in done) >= next_beams[0][2]:
                continue  # no live beam can beat the best hypothesis: log-probabilities only fall
            while len(next_beams) < beam:
                next_beams.append((next_beams[0][0], PAD, -float("inf")))
            still_active.append(active[group])
            for row, token, total in next_beams:
                sources.append(row)
                next_tokens.append(token)
                next_log_probs.append(total)
        active = still_active
        if not active:
            break
        index = torch.tensor(sources)
        state = (state[0].index_select(1, index), state[1].index_select(1, index))
        tokens = torch.tensor(next_tokens)
        generated = torch.cat([generated.index_select(0, index), tokens.unsqueeze(1)], 1)
        beam_log_prob = torch.tensor(next_log_probs)
        beams = beam
    return [max(done, key=lambda h: h[0])[1] if done else [] for done in finished]


# ----- the data: the prepared directory's files, read directly -----

class Prepared:
    def __init__(self, directory):
        with open(os.path.join(directory, "images.json")) as f:
            store = json.load(f)
        size = store["size"]
        self.images = np.fromfile(os.path.join(directory, "images.u8"), dtype=np.uint8).reshape(-1, size, size, 3)
        row = {key: i for i, key in enumerate(store["keys"])}
        self.train, self.test = [], []
        with open(os.path.join(directory, "captions.jsonl")) as f:
            for line in f:
                caption = json.loads(line)
                if caption["split"] == "train":
                    self.train.append((row[caption["image"]], caption["tokens"]))
                elif caption["split"] == "test" and (not self.test or self.test[-1][0] != caption["image"]):
                    self.test.append((caption["image"], row[caption["image"]]))
        with open(os.path.join(directory, "spm.vocab"), encoding="utf-8") as f:
            self.pieces = [line.split("\t")[0] for line in f]

    def batch(self, rng, size):
        picked = [self.train[i] for i in rng.integers(0, len(self.train), size)]
        tokens = torch.full((size, max(len(t) for _, t in picked) + 2), PAD, dtype=torch.long)
        for r, (_, caption) in enumerate(picked):
            tokens[r, :len(caption) + 2] = torch.tensor([BOS] + caption + [EOS])
        return to_input(self.images[[image for image, _ in picked]]), tokens

    def text(self, tokens):
        return "".join(self.pieces[t] for t in tokens).replace("\u2581", " ").strip()


# ----- the two sides -----

def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"model_vs_pytorch: {' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return result


def python_training(data, config, vocab, steps, warmup, packed=False):
    torch.manual_seed(1)
    model = CaptionModel(config, vocab)
    train = config["train"]
    optimizer = torch.optim.Adam(model.parameters(), lr=float(train["learning-rate"]))
    rng, batch_size = np.random.default_rng(1), int(train["batch-size"])
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        images, tokens = data.batch(rng, batch_size)
        optimizer.zero_grad()
        loss = model.loss(images, tokens, packed)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), float(train["clip-grad-norm"]))
        optimizer.step()
        loss.item()
    return steps * batch_size / (time.perf_counter() - start)


def python_decoding(data, config, vocab, checkpoint, beam, batch_size):
    model = CaptionModel(config, vocab)
    saved = torch.jit.load(checkpoint)
    weights = {name[len("model."):]: value for name, value in
               list(saved.named_parameters()) + list(saved.named_buffers()) if name.startswith("model.")}
    model.load_state_dict(weights)
    model.eval()
    max_length = int(config["decode"]["max-length"])
    captions, encode_seconds, decode_seconds = {}, 0.0, 0.0
    with torch.no_grad():
        for begin in range(0, len(data.test), batch_size):
            chunk = data.test[begin:begin + batch_size]
            start = time.perf_counter()
            features = model.features(to_input(data.images[[row for _, row in chunk]]))
            encoded = time.perf_counter()
            for (key, _), tokens in zip(chunk, beam_search(model, features, beam, max_length)):
                captions[key] = data.text(tokens)
            encode_seconds += encoded - start
            decode_seconds += time.perf_counter() - encoded
    return encode_seconds, decode_seconds, captions


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--captioner", default="build/apps/captioner")
    parser.add_argument("--work", default="/tmp/captioner_model_vs_pytorch", help="data and runs go here")
    parser.add_argument("--config", default=os.path.join(HERE, "..", "experiments", "configs", "shapes.ini"))
    parser.add_argument("--images", type=int, default=4500, help="synthetic images (train + 200 val + test)")
    parser.add_argument("--test-images", type=int, default=2000,
                        help="captioned images: enough that each side's start-up (thread pools, first buffers) "
                             "is a small share of its time")
    parser.add_argument("--python-steps", type=int, default=150, help="timed Python training steps")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3,
                        help="training and captioning runs on each side, alternating; the fastest of each counts")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--decoding-only", action="store_true",
                        help="time decoding only: train the C++ model once (untimed) unless --work already has "
                             "its checkpoint, and no Python training")
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    torch.set_num_threads(args.threads)
    captioner = os.path.abspath(args.captioner)
    synth, prepared, runs = (os.path.join(args.work, name) for name in ("shapes", "prepared", "runs"))

    run([captioner, "synth", "--out", synth, "--count", str(args.images), "--val-count", "200", "--test-count",
         str(args.test_images)])
    run([captioner, "prepare", "--karpathy", os.path.join(synth, "dataset_shapes.json"), "--images",
         os.path.join(synth, "images"), "--out", prepared, "--tokenizer.model-type", "word",
         "--tokenizer.vocab-size", "1000", "--tokenizer.adjust-vocab-size"])
    config = configparser.ConfigParser()
    config.read(args.config)
    data = Prepared(prepared)
    vocab = len(data.pieces)

    # C++ training: one epoch, no augmentation (the Python loop has none), every 20 steps logged.
    run_dir = os.path.join(runs, "cpp")
    cpp_train = py_train = py_train_packed = 0.0
    trained = os.path.exists(os.path.join(run_dir, "checkpoints", "last.pt"))
    for _ in range(1 if args.decoding_only else args.repeat):  # alternating: a busy moment hits both sides alike
        if args.decoding_only and trained:
            break
        shutil.rmtree(run_dir, ignore_errors=True)
        run([captioner, "train", "--config", args.config, "--data.dir", prepared, "--run.dir", runs, "--run.name", "cpp",
             "--train.epochs", "1", "--train.augment", "false", "--train.log-every", "20", "--train.eval-images", "50",
             "--threads", str(args.threads)])
        if args.decoding_only:
            break
        with open(os.path.join(run_dir, "log.jsonl")) as f:
            windows = [entry["captions_per_second"] for entry in map(json.loads, f) if entry["type"] == "train"]
        cpp_train = max(cpp_train, float(np.mean(windows[1:])))  # the first window has the warm-up
        py_train = max(py_train, python_training(data, config, vocab, args.python_steps, warmup=20))
        py_train_packed = max(py_train_packed,
                              python_training(data, config, vocab, args.python_steps, warmup=20, packed=True))

    results = os.path.join(run_dir, "bench_results_test.json")
    cpp_encode = cpp_decode = py_encode = py_decode = float("inf")
    for _ in range(args.repeat):  # alternating, so that a busy moment hits both sides alike
        run([captioner, "caption", "--run", run_dir, "--split", "test", "--checkpoint", "last", "--decode.strategy",
             "beam", "--decode.beam", str(args.beam), "--out", results, "--threads", str(args.threads)])
        with open(os.path.splitext(results)[0] + ".settings.json") as f:
            settings = json.load(f)
        cpp_encode, cpp_decode = min(cpp_encode, settings["encode_seconds"]), min(cpp_decode, settings["decode_seconds"])
        encode, decode, py_captions = python_decoding(data, config, vocab,
                                                      os.path.join(run_dir, "checkpoints", "last.pt"), args.beam, 64)
        py_encode, py_decode = min(py_encode, encode), min(py_decode, decode)
    with open(results) as f:
        cpp_captions = {str(r["image_id"]): r["caption"] for r in json.load(f)}
    same = sum(cpp_captions[k] == py_captions[k] for k in py_captions)

    print(f"threads {args.threads}, batch {config['train']['batch-size']}, {len(data.train)} training captions, "
          f"{len(data.test)} test images, torch {torch.__version__}")
    print(f"{'':28} {'C++ (captioner)':>16} {'Python PyTorch':>16} {'ratio':>7}")
    if not args.decoding_only:
        print(f"{'training, captions/s':28} {cpp_train:16.1f} {py_train:16.1f} {cpp_train / py_train:6.2f}x")
        print(f"{'  Python on packed captions':28} {cpp_train:16.1f} {py_train_packed:16.1f} "
              f"{cpp_train / py_train_packed:6.2f}x")
    n = len(data.test)
    rows = [("beam-%d decoding, captions/s" % args.beam, n / cpp_decode, n / py_decode),
            ("  encoder alone, images/s", n / cpp_encode, n / py_encode),
            ("  both: captioning, images/s", n / (cpp_encode + cpp_decode), n / (py_encode + py_decode))]
    for name, ours, theirs in rows:
        print(f"{name:28} {ours:16.1f} {theirs:16.1f} {ours / theirs:6.2f}x")
    print(f"captions identical on both sides: {same}/{len(py_captions)}")
    return 0 if same == len(py_captions) else 1


if __name__ == "__main__":
    sys.exit(main())
