#!/usr/bin/env python3
"""Seeds for the fuzz targets sliced at run time from third-party data, never kept in the
repository: a few real COCO captions and results, Flickr8k lines with their split lists,
and METEOR 1.5's data files when a folder of them is given.

  shared_seeds.py OUT [--shared-data DIR] [--meteor-data DIR]

Writes OUT/<target>/<name>; a missing source is skipped with a note (the checked-in seeds
in tests/fuzz/corpus still run).
"""
import argparse
import gzip
import json
import os
import sys

RS = "\x1e"  # tests/fuzz/fuzz_support.h: kPartSeparator


def put(out, target, name, text):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)


def coco_seeds(out, folder):
    annotations = os.path.join(folder, "coco-val2014-subset", "captions_val2014_subset.json")
    results = os.path.join(folder, "coco-val2014-subset", "model_results_a.json")
    if not (os.path.exists(annotations) and os.path.exists(results)):
        print(f"shared_seeds: no COCO subset in {folder}: skipped", file=sys.stderr)
        return
    with open(annotations, encoding="utf-8") as f:
        coco = json.load(f)
    for count in (3, 8):
        images = coco["images"][:count]
        ids = {image["id"] for image in images}
        sliced = {"info": coco.get("info", {}), "images": images,
                  "annotations": [a for a in coco["annotations"] if a["image_id"] in ids]}
        text = json.dumps(sliced, ensure_ascii=False)
        put(out, "coco_annotations", f"captions_val2014_first{count}.json", text)
        put(out, "coco_sources", f"captions_val2014_first{count}.json", text)
    with open(results, encoding="utf-8") as f:
        put(out, "coco_results", "model_results_a_first12.json", json.dumps(json.load(f)[:12], ensure_ascii=False))


def flickr8k_seeds(out, folder):
    base = os.path.join(folder, "flickr8k-text")
    names = ["Flickr8k.token.txt", "Flickr_8k.trainImages.txt", "Flickr_8k.devImages.txt", "Flickr_8k.testImages.txt"]
    if not all(os.path.exists(os.path.join(base, n)) for n in names):
        print(f"shared_seeds: no Flickr8k text in {folder}: skipped", file=sys.stderr)
        return
    lists = []
    for name in names[1:]:
        with open(os.path.join(base, name), encoding="utf-8", newline="") as f:
            lists.append(f.read().splitlines(keepends=True)[:3])
    wanted = {line.strip() for part in lists for line in part}
    with open(os.path.join(base, names[0]), encoding="utf-8", newline="") as f:
        token = [line for line in f if line.split("#", 1)[0] in wanted]
    put(out, "flickr8k", "flickr8k_nine_images.txt", "".join(token) + RS + RS.join("".join(part) for part in lists))
    put(out, "ptb_tokenizer", "flickr8k_captions.txt", "".join(line.split("\t", 1)[1] for line in token[:20]))


def meteor_seeds(out, folder):
    def read(relative, limit):
        path = os.path.join(folder, relative)
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read(limit)
    try:
        prefixes = read("nonbreaking/english.prefixes", 3000)
        exceptions = read("synonym/english.exceptions", 1500)
        synsets = read("synonym/english.synsets", 2500)
        with gzip.open(os.path.join(folder, "paraphrase-en.gz"), "rt", encoding="utf-8", newline="") as f:
            paraphrases = "".join(f.readline() for _ in range(90))
    except OSError as error:
        print(f"shared_seeds: no METEOR data in {folder} ({error}): skipped", file=sys.stderr)
        return
    cut = lambda text: text[: text.rfind("\n") + 1]  # whole lines only
    put(out, "meteor_normalizer", "english_prefixes.txt",
        cut(prefixes) + RS + "Mr. Smith's dog, e.g. a 3-year-old, didn't bark... at No. 5!\n")
    put(out, "meteor_synonyms", "english_synsets.txt",
        cut(exceptions) + RS + cut(synsets) + RS + "dogs ran running better geese")
    put(out, "meteor_paraphrase", "paraphrase_en_first30_blocks.txt", paraphrases)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--shared-data")
    parser.add_argument("--meteor-data")
    args = parser.parse_args()
    if args.shared_data:
        coco_seeds(args.out, args.shared_data)
        flickr8k_seeds(args.out, args.shared_data)
    if args.meteor_data:
        meteor_seeds(args.out, args.meteor_data)


if __name__ == "__main__":
    main()
