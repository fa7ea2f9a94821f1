#!/usr/bin/env python3
"""capeval against pycocoevalcap 1.2, side by side, on 5,000 images x 5 references.

Run with the Python of a virtual environment holding pycocoevalcap==1.2 (made by
scripts/setup-oracle.sh). References: the first 5,000 Flickr8k images with their five
captions; candidates: real machine-made captions (../shared/data). Both tools do the same
steps: PTB tokenization (pycocoevalcap's runs the Stanford jar in Java), BLEU-1..4,
ROUGE-L and CIDEr-D. METEOR is left out on both sides (not in capeval yet).

pycocoevalcap's steps are timed in process, after its files are loaded; so are capeval's
(the step times it records in its JSON report). capeval's whole process (JSON reading,
report writing) is timed too. Best of --repeat runs for each.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METRICS = ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"]


def fail(message):
    sys.exit(f"bench: {message}")


try:
    from pycocotools.coco import COCO
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
except ImportError as error:
    fail(f"pycocoevalcap is not importable from {sys.executable} ({error}); run scripts/setup-oracle.sh "
         "and this script with that environment's python")


def build_inputs(data, images, work):
    flickr_file = os.path.join(data, "flickr8k-text", "Flickr8k.token.txt")
    machine_files = [os.path.join(data, "coco-val2014-subset", name)
                     for name in ("model_results_a.json", "model_results_b.json")]
    for path in [flickr_file] + machine_files:
        if not os.path.isfile(path):
            fail(f"{path} is missing (the benchmark reads ../shared/data)")
    references = {}
    with open(flickr_file, encoding="utf-8") as f:
        for line in f:
            name, caption = line.rstrip("\n").split("\t", 1)
            references.setdefault(name.split("#")[0], []).append(caption)
    five = [captions for captions in references.values() if len(captions) == 5][:images]
    machine = []
    for path in machine_files:
        with open(path, encoding="utf-8") as f:
            machine += [entry["caption"] for entry in json.load(f)]
    annotations = [{"image_id": i, "id": 5 * (i - 1) + k + 1, "caption": caption}
                   for i, captions in enumerate(five, 1) for k, caption in enumerate(captions)]
    annotation_path = os.path.join(work, "bench_references.json")
    results_path = os.path.join(work, "bench_results.json")
    with open(annotation_path, "w", encoding="utf-8") as f:
        json.dump({"images": [{"id": i} for i in range(1, len(five) + 1)], "annotations": annotations}, f)
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump([{"image_id": i, "caption": machine[(i - 1) % len(machine)]} for i in range(1, len(five) + 1)], f)
    return annotation_path, results_path, len(five), len(annotations)


def time_capeval(capeval, annotation_path, results_path, work, repeat):
    """Best whole-process time, best in-process tokenize + score time, and the scores."""
    scores_path = os.path.join(work, "bench_scores.json")
    best_process, best_steps = float("inf"), float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        completed = subprocess.run([capeval, "--references", annotation_path, "--results", results_path,
                                    "--json", scores_path], capture_output=True, text=True)
        best_process = min(best_process, time.perf_counter() - started)
        if completed.returncode != 0:
            fail(f"capeval failed: {completed.stderr.strip()}")
        with open(scores_path, encoding="utf-8") as f:
            report = json.load(f)
        best_steps = min(best_steps, report["timings_seconds"]["tokenize"] + report["timings_seconds"]["score"])
    return best_process, best_steps, report["corpus"]


def time_pycocoevalcap(annotation_path, results_path, repeat):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(annotation_path)
        results = coco.loadRes(results_path)
    ids = results.getImgIds()
    best = None
    for _ in range(repeat):
        steps, scores = {}, {}
        gts = {i: coco.imgToAnns[i] for i in ids}
        res = {i: results.imgToAnns[i] for i in ids}
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            tokenizer = PTBTokenizer()
            gts, res = tokenizer.tokenize(gts), tokenizer.tokenize(res)
        steps["PTB tokenizer (Java)"] = time.perf_counter() - started
        for name, scorer in (("BLEU-1..4", Bleu(4)), ("ROUGE-L", Rouge()), ("CIDEr-D", Cider())):
            started = time.perf_counter()
            if name == "BLEU-1..4":
                value, _ = scorer.compute_score(gts, res, verbose=0)
                scores.update(zip(METRICS[:4], value))
            else:
                value, _ = scorer.compute_score(gts, res)
                scores["ROUGE_L" if name == "ROUGE-L" else "CIDEr"] = float(value)
            steps[name] = time.perf_counter() - started
        if best is None or sum(steps.values()) < sum(best[0].values()):
            best = (steps, scores)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--capeval", default=os.path.join(REPO, "build", "apps", "capeval"))
    parser.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", default=None, help="folder for the inputs (default: a temporary one)")
    args = parser.parse_args()
    if not os.access(args.capeval, os.X_OK):
        fail(f"{args.capeval} is not an executable (build the project first)")
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or temporary
        os.makedirs(work, exist_ok=True)
        annotation_path, results_path, images, references = build_inputs(args.data, args.images, work)
        capeval_process, capeval_steps, capeval_scores = time_capeval(
            args.capeval, annotation_path, results_path, work, args.repeat)
        steps, oracle_scores = time_pycocoevalcap(annotation_path, results_path, args.repeat)
    oracle_seconds = sum(steps.values())
    difference = max(abs(capeval_scores[m] - oracle_scores[m]) for m in METRICS)
    print(f"{images} images, {references} references, {os.cpu_count()} cores; best of {args.repeat} runs; "
          "METEOR excluded on both sides")
    print(f"{'step':34} {'pycocoevalcap s':>16} {'capeval s':>10} {'ratio':>8}")
    for step, seconds in steps.items():
        print(f"{'  ' + step:34} {seconds:16.3f}")
    print(f"{'tokenize + BLEU + ROUGE-L + CIDEr-D':34} {oracle_seconds:16.3f} {capeval_steps:10.3f} "
          f"{oracle_seconds / capeval_steps:7.1f}x")
    print(f"{'capeval whole process (JSON in/out)':34} {'':16} {capeval_process:10.3f} "
          f"{oracle_seconds / capeval_process:7.1f}x")
    print(f"max |capeval - pycocoevalcap| over the corpus scores: {difference:.1e}")


if __name__ == "__main__":
    main()
