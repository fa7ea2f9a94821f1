#!/usr/bin/env python3
"""Parity of capeval with pycocoevalcap 1.2 on real captions.

Run with the Python of a virtual environment holding pycocoevalcap==1.2 (see
scripts/setup-oracle.sh). Builds test corpora from the real caption data in
../shared/data (COCO val2014 annotations, machine-made captions, Flickr8k), scores each
with capeval and with pycocoevalcap itself, and requires

  - every corpus score and every per-image score within --tolerance (1e-6; the report
    also says how many are bit-identical) for BLEU-1..4, ROUGE-L and CIDEr-D,
  - METEOR (pycocoevalcap's Meteor class, the METEOR 1.5 jar) on every corpus (the real
    text ones, and the hard cases' one): corpus and per-image scores within 5e-4, and within 1e-6 on at least 95%
    of each corpus's images; images beyond 1e-6 are listed with capeval's alignment
    (capeval --meteor-alignment) and the jar's (its -writeAlignments), and
  - the same tokens as the Stanford jar on every caption of the data, and on seeded
    random strings made of the tokenizer's hard cases.

Missing data, METEOR data or a missing pycocoevalcap is a failure, never a skip.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time
from importlib import metadata

METRICS = ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"]
# METEOR's bounds (issue 6): every score within METEOR_TOLERANCE, and at least
# METEOR_CLOSE_SHARE of a corpus's images within METEOR_CLOSE.
METEOR_TOLERANCE = 5e-4
METEOR_CLOSE = 1e-6
METEOR_CLOSE_SHARE = 0.95
METEOR_LISTED = 10  # images listed with both alignments, per corpus


def fail(message):
    print(f"parity: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def import_oracle():
    try:
        version = metadata.version("pycocoevalcap")
        from pycocotools.coco import COCO
        from pycocoevalcap.bleu.bleu import Bleu
        from pycocoevalcap.cider.cider import Cider
        from pycocoevalcap.meteor.meteor import Meteor
        import pycocoevalcap.meteor.meteor as meteor_module
        from pycocoevalcap.rouge.rouge import Rouge
        from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
        import pycocoevalcap.tokenizer.ptbtokenizer as ptb_module
    except (ImportError, metadata.PackageNotFoundError) as error:
        fail(f"pycocoevalcap is not importable from {sys.executable} ({error}); "
             "run scripts/setup-oracle.sh")
    if version != "1.2":
        fail(f"pycocoevalcap {version} installed; parity is defined against 1.2")
    jar = os.path.join(os.path.dirname(ptb_module.__file__), "stanford-corenlp-3.4.1.jar")
    meteor_jar = os.path.join(os.path.dirname(meteor_module.__file__), "meteor-1.5.jar")
    return COCO, Bleu, Rouge, Cider, Meteor, PTBTokenizer, jar, meteor_jar


COCO, Bleu, Rouge, Cider, Meteor, PTBTokenizer, TOKENIZER_JAR, METEOR_JAR = import_oracle()
_meteor = None


def meteor_scorer():
    """One METEOR jar process for the whole suite (it loads its paraphrase table once)."""
    global _meteor
    if _meteor is None:
        _meteor = Meteor()
    return _meteor


def oracle_scores(gts, res, meteor=False):
    """pycocoevalcap's COCOEvalCap.evaluate() minus SPICE (and minus METEOR unless
    asked for): dicts of image id -> list of {"caption": ...}, in evaluation order.
    Also returns the tokenized captions METEOR saw, for listing alignments."""
    tokenizer = PTBTokenizer()
    gts = tokenizer.tokenize(gts)
    res = tokenizer.tokenize(res)
    ids = list(gts.keys())
    corpus, per_image = {}, {i: {} for i in ids}
    if meteor:
        score, images = meteor_scorer().compute_score(gts, res)
        corpus["METEOR"] = float(score)
        for i, value in zip(ids, images):
            per_image[i]["METEOR"] = float(value)
    bleu, bleu_images = Bleu(4).compute_score(gts, res, verbose=0)
    for k in range(4):
        corpus[f"Bleu_{k + 1}"] = bleu[k]
        for i, value in zip(ids, bleu_images[k]):
            per_image[i][f"Bleu_{k + 1}"] = value
    for name, scorer in (("ROUGE_L", Rouge()), ("CIDEr", Cider())):
        score, images = scorer.compute_score(gts, res)
        corpus[name] = float(score)
        for i, value in zip(ids, images):
            per_image[i][name] = float(value)
    return corpus, per_image, (gts, res)


def coco_gts_res(annotation_file, results_file):
    """gts/res as COCOEvalCap builds them for the demo's params (the images with results)."""
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(annotation_file)
        results = coco.loadRes(results_file)
    ids = results.getImgIds()
    return ({i: coco.imgToAnns[i] for i in ids}, {i: results.imgToAnns[i] for i in ids})


def run_capeval(capeval, arguments, json_path, meteor_data):
    command = [capeval, *arguments, "--meteor-data", meteor_data, "--json", json_path]
    completed = subprocess.run(command, capture_output=True, text=True)
    if completed.returncode != 0:
        fail(f"{' '.join(command)} exited {completed.returncode}: {completed.stderr.strip()}")
    with open(json_path, encoding="utf-8") as f:
        report = json.load(f)
    per_image = {image["image_id"]: image for image in report["per_image"]}
    return report["corpus"], per_image, [image["image_id"] for image in report["per_image"]]


def jar_alignment(hypothesis, references, work):
    """The METEOR jar's alignment of one image: its plain-text mode with
    -writeAlignments on the same strings pycocoevalcap sends it."""
    hypothesis = hypothesis.replace("|||", "").replace("  ", " ")
    folder = os.path.join(work, "meteor-alignment")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "test.txt"), "w", encoding="utf-8") as f:
        f.write(hypothesis + "\n")
    with open(os.path.join(folder, "refs.txt"), "w", encoding="utf-8") as f:
        f.write("".join(r + "\n" for r in references))
    subprocess.run(["java", "-Xmx2G", "-jar", METEOR_JAR, "test.txt", "refs.txt", "-l", "en", "-norm",
                    "-r", str(len(references)), "-writeAlignments", "-f", "jar"],
                   cwd=folder, capture_output=True, check=True)
    with open(os.path.join(folder, "jar-align.out"), encoding="utf-8") as f:
        return f.read().rstrip("\n")


class Comparison:
    def __init__(self, tolerance, capeval, work):
        self.tolerance = tolerance
        self.capeval = capeval
        self.work = work
        self.failures = []
        self.rows = []
        self.meteor_rows = []
        self.meteor_listings = []

    def compare(self, name, capeval_result, oracle_result, capeval_arguments=None):
        corpus, per_image, order = capeval_result
        oracle_corpus, oracle_per_image, tokenized = oracle_result
        if order != list(oracle_per_image.keys()):
            self.failures.append(f"{name}: image order differs from pycocoevalcap's")
        worst, exact, total = 0.0, 0, 0
        for metric in METRICS:
            pairs = [(corpus[metric], oracle_corpus[metric], "corpus")]
            for image_id, scores in oracle_per_image.items():
                if image_id not in per_image:
                    self.failures.append(f"{name}: image {image_id} missing from capeval's report")
                    continue
                pairs.append((per_image[image_id][metric], scores[metric], f"image {image_id}"))
            for ours, theirs, where in pairs:
                difference = abs(ours - theirs)
                worst = max(worst, difference)
                exact += ours == theirs
                total += 1
                if not difference <= self.tolerance:
                    self.failures.append(f"{name}: {metric} {where}: capeval {ours!r} vs "
                                         f"pycocoevalcap {theirs!r}")
        self.rows.append((name, len(oracle_per_image), corpus["CIDEr"], oracle_corpus["CIDEr"],
                          worst, exact, total))
        if "METEOR" in oracle_corpus:
            self.compare_meteor(name, corpus, per_image, oracle_corpus, oracle_per_image, tokenized,
                                capeval_arguments)

    def compare_meteor(self, name, corpus, per_image, oracle_corpus, oracle_per_image, tokenized, arguments):
        if "METEOR" not in corpus:
            self.failures.append(f"{name}: capeval reported no METEOR")
            return
        corpus_difference = abs(corpus["METEOR"] - oracle_corpus["METEOR"])
        if not corpus_difference <= METEOR_TOLERANCE:
            self.failures.append(f"{name}: METEOR corpus: capeval {corpus['METEOR']!r} vs "
                                 f"pycocoevalcap {oracle_corpus['METEOR']!r}")
        differences = []
        for image_id, scores in oracle_per_image.items():
            ours = per_image.get(image_id, {}).get("METEOR")
            if ours is None:
                self.failures.append(f"{name}: no METEOR for image {image_id} in capeval's report")
                continue
            differences.append((abs(ours - scores["METEOR"]), image_id, ours, scores["METEOR"]))
            if not differences[-1][0] <= METEOR_TOLERANCE:
                self.failures.append(f"{name}: METEOR image {image_id}: capeval {ours!r} vs "
                                     f"pycocoevalcap {scores['METEOR']!r}")
        close = sum(d <= METEOR_CLOSE for d, *_ in differences)
        exact = sum(d == 0 for d, *_ in differences)
        if close < METEOR_CLOSE_SHARE * len(differences):
            self.failures.append(f"{name}: METEOR within {METEOR_CLOSE:g} on {close} of {len(differences)} images "
                                 f"(needs {METEOR_CLOSE_SHARE:.0%})")
        worst = max([corpus_difference] + [d for d, *_ in differences])
        self.meteor_rows.append((name, len(differences), corpus["METEOR"], oracle_corpus["METEOR"], worst,
                                 close, exact))
        beyond = sorted((entry for entry in differences if entry[0] > METEOR_CLOSE), key=lambda e: -e[0])
        gts, res = tokenized
        for difference, image_id, ours, theirs in beyond[:METEOR_LISTED]:
            listing = [f"{name}: image {image_id}: capeval {ours!r}, jar {theirs!r} (|diff| {difference:.2e})"]
            if arguments is not None:
                described = subprocess.run([self.capeval, *arguments, "--meteor-alignment", str(image_id)],
                                           capture_output=True, text=True)
                listing.append("  capeval:\n    " + (described.stdout or described.stderr).rstrip().replace("\n", "\n    "))
            listing.append("  jar:\n    " + jar_alignment(res[image_id][0], gts[image_id], self.work)
                           .replace("\n", "\n    "))
            self.meteor_listings.append("\n".join(listing))
        if len(beyond) > METEOR_LISTED:
            self.meteor_listings.append(f"{name}: {len(beyond) - METEOR_LISTED} more images beyond {METEOR_CLOSE:g}")


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)
    return path


def fuzz_captions(count, seed):
    """Seeded strings made of the PTB lexer's hard cases."""
    pieces = ["a", "b", "e", "i", "n", "s", "t", "o", "A", "I", "U", "S", "The", "the", "dog", "can",
              "'t", "'s", "n't", "'", "\"", "`", "-", "--", "_", ".", "..", "...", ",", ";", ":", "!",
              "?", "(", ")", "[", "]", "{", "}", "<", ">", "&", "amp;", "lt;", "#", "@", "$", "%", "/",
              "\\", "*", "+", "=", "0", "1", "5", "12", "1/2", "3.5", " ", " ", " ", "  ", "\t", "é",
              "ß", "İ", "ı", "K", "ſ", "’", "‘", "“", "”", "—", "–", "½", "€", "£", "¢", "\u00a0",
              "\u00ad", "…", "😀", "日", "ω", "Ω", "ΟΔΟΣ", "www", "http://", "com", "org", ".com", "mr",
              "etc", "jan", "co", "inc", "U.S", "p.m", "x", "o", "D", ":)", ";-(", "^_^", "html", "txt",
              "gonna", "cannot", "'twas", "y'", "ol'", "rock", "'n'", "\u2019s", "d'", "O'", "<b>",
              "</b>", "555-1234", "(555)", "12/25/2020", "1,000", "a-b", "AT&T"]
    generator = random.Random(seed)
    captions = []
    while len(captions) < count:
        words = generator.randint(1, 14)
        caption = "".join(generator.choice(pieces) + generator.choice(["", " ", " ", ""])
                          for _ in range(words))
        if caption.strip():
            captions.append(caption)
    return captions


def token_parity(capeval, captions, work, label):
    """capeval --tokenize against the jar on the same lines; returns a failure or None."""
    path = os.path.join(work, f"tokens_{label}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(captions) + "\n")
    jar = subprocess.run(["java", "-cp", TOKENIZER_JAR, "edu.stanford.nlp.process.PTBTokenizer",
                          "-preserveLines", "-lowerCase", path],
                         capture_output=True, check=True).stdout.decode("utf-8").split("\n")
    ours = subprocess.run([capeval, "--tokenize", path], capture_output=True,
                          check=True).stdout.decode("utf-8").split("\n")
    if len(jar) != len(ours):
        return f"tokens ({label}): {len(ours)} lines from capeval, {len(jar)} from the jar"
    for number, (a, b) in enumerate(zip(ours, jar), start=1):
        if a != b:
            return (f"tokens ({label}) line {number}: {captions[number - 1]!r}: capeval {a!r}, "
                    f"jar {b!r}")
    return None


def load_data(data):
    coco_dir = os.path.join(data, "coco-val2014-subset")
    flickr_file = os.path.join(data, "flickr8k-text", "Flickr8k.token.txt")
    needed = [os.path.join(coco_dir, name) for name in
              ("captions_val2014_subset.json", "model_results_a.json", "model_results_b.json")]
    for path in needed + [flickr_file]:
        if not os.path.isfile(path):
            fail(f"{path} is missing: the parity suite needs ../shared/data beside the clone")
    with open(needed[0], encoding="utf-8") as f:
        coco = json.load(f)
    machine = []
    for path in needed[1:]:
        with open(path, encoding="utf-8") as f:
            machine += [entry["caption"] for entry in json.load(f)]
    flickr = {}
    with open(flickr_file, encoding="utf-8") as f:
        for line in f:
            key, caption = line.rstrip("\n").split("\t", 1)
            flickr.setdefault(key.split("#")[0], []).append(caption)
    # Flickr8k lists one caption of 2258277193_586949ec62.jpg under the name "...jpg.1":
    # keep the images with all five captions.
    return needed[0], coco, machine, [captions for captions in flickr.values() if len(captions) == 5]


def annotation_file(path, images):
    """A COCO annotation file for a list of reference lists (image ids 1..n)."""
    annotations = []
    for image_id, references in enumerate(images, start=1):
        for caption in references:
            annotations.append({"image_id": image_id, "id": len(annotations) + 1, "caption": caption})
    return write_json(path, {"images": [{"id": i} for i in range(1, len(images) + 1)],
                             "annotations": annotations})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--capeval", required=True)
    parser.add_argument("--data", required=True, help="the shared data folder (../shared/data)")
    parser.add_argument("--work", required=True, help="folder for the generated corpora")
    parser.add_argument("--meteor-data", required=True,
                        help="METEOR 1.5's data for capeval (scripts/get-meteor-data.sh DIR --from-venv VENV)")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    if not os.access(args.capeval, os.X_OK):
        fail(f"{args.capeval} is not an executable")
    os.makedirs(args.work, exist_ok=True)
    if not os.path.isfile(os.path.join(args.meteor_data, "paraphrase-en.gz")):
        fail(f"{args.meteor_data} has no METEOR data: run scripts/get-meteor-data.sh {args.meteor_data} "
             "--from-venv <the oracle venv>")
    meteor_data = os.path.abspath(args.meteor_data)
    started = time.time()
    coco_path, coco, machine, flickr = load_data(args.data)
    work = lambda name: os.path.join(args.work, name)  # noqa: E731
    comparison = Comparison(args.tolerance, args.capeval, args.work)

    def coco_corpus(name, annotations, results):
        arguments = ["--references", annotations, "--results", results, "--meteor-data", meteor_data]
        capeval = run_capeval(args.capeval, arguments[:4], work(name + ".scores.json"), meteor_data)
        comparison.compare(name, capeval, oracle_scores(*coco_gts_res(annotations, results), meteor=True),
                           arguments)

    image_ids = [image["id"] for image in coco["images"]]
    references = {i: [] for i in image_ids}
    for annotation in coco["annotations"]:
        references[annotation["image_id"]].append(annotation["caption"])

    # The whole 4,800-image set, official annotation file as is, with machine captions.
    for label, offset in (("a", 0), ("b", len(image_ids))):
        results = [{"image_id": i, "caption": machine[offset + k]} for k, i in enumerate(image_ids)]
        coco_corpus(f"coco_machine_{label}", coco_path, write_json(work(f"coco_machine_{label}.json"), results))
    # Human agreement: each image's first caption against its other ones.
    coco_corpus("coco_first_vs_rest",
                annotation_file(work("coco_rest.json"), [references[i][1:] for i in image_ids]),
                write_json(work("coco_first.json"),
                           [{"image_id": k, "caption": references[i][0]} for k, i in enumerate(image_ids, 1)]))
    # Results for every other image, in reverse order: scored in annotation order.
    coco_corpus("coco_half_reversed", coco_path,
                write_json(work("coco_half.json"), [{"image_id": i, "caption": machine[k]}
                                                    for k, i in reversed(list(enumerate(image_ids))) if k % 2]))
    # Tiny corpora: CIDEr-D's idf is degenerate there, BLEU's corpus is one image.
    for size in (1, 2, 10):
        coco_corpus(f"coco_{size}_images",
                    annotation_file(work(f"coco_{size}_refs.json"), [references[i] for i in image_ids[:size]]),
                    write_json(work(f"coco_{size}_results.json"),
                               [{"image_id": k, "caption": machine[k]} for k in range(1, size + 1)]))
    # Hard tokenization cases as candidates.
    fuzz = fuzz_captions(len(image_ids), seed=2)
    # METEOR too: its normalizer sees the tokenizer's hard cases.
    coco_corpus("coco_fuzz_candidates", coco_path,
                write_json(work("coco_fuzz.json"), [{"image_id": i, "caption": c} for i, c in zip(image_ids, fuzz)]))
    # Flickr8k: first caption against the other four, and machine captions against all five.
    coco_corpus("flickr8k_first_vs_rest",
                annotation_file(work("flickr_rest.json"), [captions[1:] for captions in flickr]),
                write_json(work("flickr_first.json"),
                           [{"image_id": k, "caption": c[0]} for k, c in enumerate(flickr, 1)]))
    coco_corpus("flickr8k_machine",
                annotation_file(work("flickr_all.json"), flickr),
                write_json(work("flickr_machine.json"),
                           [{"image_id": k, "caption": machine[k % len(machine)]} for k in range(1, len(flickr) + 1)]))
    # Plain-text mode: line-aligned files, image ids are line numbers.
    text_images = flickr[:2000]
    reference_files = []
    for r in range(4):
        reference_files.append(work(f"flickr_refs{r + 1}.txt"))
        with open(reference_files[-1], "w", encoding="utf-8") as f:
            f.write("".join(captions[r + 1] + "\n" for captions in text_images))
    with open(work("flickr_hyps.txt"), "w", encoding="utf-8") as f:
        f.write("".join(captions[0] + "\n" for captions in text_images))
    text_arguments = ["--hypotheses", work("flickr_hyps.txt"), "--references", *reference_files]
    capeval = run_capeval(args.capeval, text_arguments, work("flickr_text.scores.json"), meteor_data)
    comparison.compare("flickr8k_text_mode", capeval, oracle_scores(
        {k: [{"caption": c} for c in captions[1:5]] for k, captions in enumerate(text_images, 1)},
        {k: [{"caption": captions[0]}] for k, captions in enumerate(text_images, 1)}, meteor=True),
        text_arguments + ["--meteor-data", meteor_data])

    # Tokens: every caption of the data, and the fuzz strings.
    all_captions = [a["caption"].replace("\n", " ") for a in coco["annotations"]]
    all_captions += [c.replace("\n", " ") for c in machine] + [c for captions in flickr for c in captions]
    for label, captions in (("all_real_captions", all_captions), ("fuzz", fuzz_captions(30000, seed=1))):
        failure = token_parity(args.capeval, captions, args.work, label)
        if failure:
            comparison.failures.append(failure)
        else:
            comparison.rows.append((f"tokens: {label}", len(captions), None, None, 0.0, len(captions),
                                    len(captions)))

    print(f"{'corpus':28} {'images':>7} {'CIDEr capeval':>15} {'CIDEr pycoco':>15} {'max |diff|':>10}  exact")
    for name, images, ours, theirs, worst, exact, total in comparison.rows:
        cider = f"{ours:15.12f} {theirs:15.12f}" if ours is not None else f"{'':15} {'':15}"
        print(f"{name:28} {images:7d} {cider} {worst:10.1e}  {exact}/{total}")
    print()
    print(f"{'METEOR corpus':28} {'images':>7} {'capeval':>15} {'pycoco (jar)':>15} {'max |diff|':>10}  "
          f"<={METEOR_CLOSE:g}  exact")
    for name, images, ours, theirs, worst, close, exact in comparison.meteor_rows:
        print(f"{name:28} {images:7d} {ours:15.12f} {theirs:15.12f} {worst:10.1e}  {close}/{images}  {exact}/{images}")
    for listing in comparison.meteor_listings:
        print(listing)
    print(f"parity: {len(comparison.rows)} checks in {time.time() - started:.0f} s, tolerance {args.tolerance:g} "
          f"(METEOR: {METEOR_TOLERANCE:g}, and {METEOR_CLOSE:g} on {METEOR_CLOSE_SHARE:.0%} of images)")
    if comparison.failures:
        for failure in comparison.failures[:20]:
            print(f"parity: FAIL: {failure}", file=sys.stderr)
        print(f"parity: {len(comparison.failures)} failures", file=sys.stderr)
        sys.exit(1)
    print("parity: OK")


if __name__ == "__main__":
    main()
