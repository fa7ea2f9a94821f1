#!/usr/bin/python3
"""`captioner prepare` against a plain Python/PIL script doing its image work, in one run.

Uses COUNT photo-like 640x480 JPEGs (generated once by image_store_vs_pil.py's generator, in
the folder that benchmark uses) and writes a COCO annotation file for them
(captions_val2014.json: five captions an image, real COCO captions from
../shared/data/coco-val2014-subset when it is there, cycled). Then, on a warm page cache:
  * `captioner prepare --coco ... --images ... --out ...` from scratch: read and normalise
    the captions, decode, resize and crop every image into the store, train the tokenizer,
    encode every caption, write the references and the manifest (the whole process);
  * the same image work in a plain PIL script (image_store_vs_pil.py's pil_store: open, EXIF
    transpose, RGB, resize the shorter side, centre crop, append the bytes to one uint8
    file), one image after another, with no caption work at all;
  * `captioner prepare` again on the finished directory (nothing to do);
and prints the times and the ratio.

    /usr/bin/python3 bench/prepare_vs_pil.py --captioner build/apps/captioner
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_store_vs_pil import generate, pil_store, timed, warm_cache  # noqa: E402  (one generator, one PIL pipeline)

SHARED_COCO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                           "coco-val2014-subset", "captions_val2014_subset.json")


def caption_pool():
    """Real COCO captions when the shared data is there, else a small varied grammar."""
    if os.path.isfile(SHARED_COCO):
        with open(SHARED_COCO, encoding="utf-8") as f:
            return [annotation["caption"] for annotation in json.load(f)["annotations"]]
    subjects = ["A man", "Two dogs", "A red bus", "A woman", "A small cat", "Three people", "A plate of food"]
    actions = ["standing next to", "sitting on", "walking past", "looking at", "parked near", "on top of"]
    places = ["a wooden bench.", "the beach.", "a busy street.", "a kitchen table.", "a green field.", "a building."]
    return ["%s %s %s" % (s, a, p) for s in subjects for a in actions for p in places]


def write_annotations(path, file_names):
    pool = caption_pool()
    images, annotations = [], []
    for i, name in enumerate(file_names):
        images.append({"id": i + 1, "file_name": name, "width": 640, "height": 480})
        for k in range(5):
            annotations.append({"image_id": i + 1, "id": 5 * i + k + 1, "caption": pool[(5 * i + k) % len(pool)]})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"info": {"description": "prepare_vs_pil benchmark"}, "images": images,
                   "annotations": annotations}, f)
    return len(annotations)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--captioner", default="build/apps/captioner")
    parser.add_argument("--images", default=os.path.join(tempfile.gettempdir(), "captioner_image_store_bench",
                                                          "jpegs640x480"),
                        help="folder of the generated JPEGs (shared with image_store_vs_pil.py)")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "captioner_prepare_bench"))
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=1, help="rounds, interleaved; the fastest of each is reported")
    args = parser.parse_args()

    generate(args.images, args.count)
    names = sorted(name for name in os.listdir(args.images) if name.endswith(".jpg"))[:args.count]
    if len(names) < args.count:
        sys.exit("found %d JPEGs in %s, not %d" % (len(names), args.images, args.count))
    paths = [os.path.join(args.images, name) for name in names]
    os.makedirs(args.work, exist_ok=True)
    annotation_file = os.path.join(args.work, "captions_val2014.json")
    captions = write_annotations(annotation_file, names)
    megabytes = warm_cache(paths) / 1e6
    print("%d JPEGs, 640x480, %.1f MB, %d captions; stored as %dx%d; %d cores, prepare on %d threads"
          % (len(paths), megabytes, captions, args.size, args.size, os.cpu_count(), args.threads))

    out = os.path.join(args.work, "prepared")
    command = [args.captioner, "prepare", "--coco", annotation_file, "--images", args.images, "--out", out,
               "--image-size", str(args.size), "--threads", str(args.threads),
               "--split.val-size", "500", "--split.test-size", "500"]

    def prepare_fresh():
        if os.path.isdir(out):
            shutil.rmtree(out)
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("captioner prepare failed:\n" + run.stderr)
        with open(os.path.join(out, "manifest.json"), encoding="utf-8") as f:
            stored = json.load(f)["image_store"]["images"]
        if stored != len(paths):
            sys.exit("the store holds %d images, not %d" % (stored, len(paths)))

    def prepare_again():
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0 or "nothing to do" not in run.stderr:
            sys.exit("the rerun did work or failed:\n" + run.stderr)

    pil_output = os.path.join(args.work, "pil.u8")
    actions = {"captioner prepare (from scratch, whole process)": prepare_fresh,
               "PIL script (images only)": lambda: pil_store(paths, args.size, pil_output, False)}
    best = {}
    for _ in range(args.rounds):
        for name, action in actions.items():
            wall, cpu = timed(action)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    best["captioner prepare (rerun, nothing to do)"] = timed(prepare_again)

    pil_wall = best["PIL script (images only)"][0]
    print("\n| what | wall s | CPU s | images/s | PIL's wall / this |\n| --- | ---: | ---: | ---: | ---: |")
    for name, (wall, cpu) in best.items():
        print("| %s | %.2f | %.2f | %.0f | %.1fx |" % (name, wall, cpu, len(paths) / wall, pil_wall / wall))
    print("\ncaptioner prepare is %.1fx faster than the PIL script (wall), doing the caption work as well"
          % (pil_wall / best["captioner prepare (from scratch, whole process)"][0]))
    with open("/proc/loadavg") as f:
        print("load average at the end: %s" % " ".join(f.read().split()[:3]))


if __name__ == "__main__":
    main()
