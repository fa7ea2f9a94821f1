#!/usr/bin/python3
"""The image store against the same work in a plain Python/PIL script, in one run.

Generates COUNT 640x480 JPEGs once (photo-like: smooth colour fields, edges and grain, about
the size of COCO's), then on a warm page cache times
  * bench/image_store_bench (build_image_store: decode, shorter-side resize, centre crop,
    one uint8 array), from scratch, on THREADS threads;
  * PIL, plain: open, EXIF transpose, RGB, resize (bilinear, antialiased), crop, append the
    bytes to one file, one image after another in one process;
  * PIL with draft(): the same, but letting libjpeg decode at a reduced scale first (the
    trick a careful script would use; the store does the same with DCT scaling);
and prints the times, the ratios and how far the pixels of the two arrays are apart.

    python3 bench/image_store_vs_pil.py --bench-binary build/bench/image_store_bench
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image, ImageOps


def generate(folder, count, seed=1):
    """COUNT 640x480 JPEGs (quality 90); skipped when already there."""
    stamp = os.path.join(folder, "done.json")
    wanted = {"count": count, "seed": seed, "version": 1}
    if os.path.exists(stamp) and json.load(open(stamp)) == wanted:
        return
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    start = time.time()
    for i in range(count):
        coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
        image = np.asarray(Image.fromarray(coarse).resize((640, 480), Image.BICUBIC), dtype=np.int16)
        # Edges: a few hard-edged rectangles; grain: per-pixel noise.
        for _ in range(4):
            x, y = rng.integers(0, 560), rng.integers(0, 400)
            w, h = rng.integers(20, 200), rng.integers(20, 200)
            image[y:y + h, x:x + w] = rng.integers(0, 256, size=3)
        image = image + rng.integers(-24, 25, size=image.shape, dtype=np.int16)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
            os.path.join(folder, "img%05d.jpg" % i), quality=90)
        if (i + 1) % 1000 == 0:
            print("generated %d/%d (%.0f s)" % (i + 1, count, time.time() - start), file=sys.stderr)
    json.dump(wanted, open(stamp, "w"))


def warm_cache(paths):
    total = 0
    for path in paths:
        with open(path, "rb") as f:
            total += len(f.read())
    return total


def pil_store(paths, size, out_path, draft):
    with open(out_path, "wb") as out:
        for path in paths:
            image = Image.open(path)
            if draft:
                image.draft("RGB", (size, size))
            image = ImageOps.exif_transpose(image).convert("RGB")
            width, height = image.size
            scale = size / min(width, height)
            new_width, new_height = max(size, round(width * scale)), max(size, round(height * scale))
            image = image.resize((new_width, new_height), Image.BILINEAR)
            left, top = (new_width - size) // 2, (new_height - size) // 2
            image = image.crop((left, top, left + size, top + size))
            out.write(np.asarray(image, dtype=np.uint8).tobytes())


def timed(action):
    """(wall seconds, CPU seconds of this process and its children) of action()."""
    before_wall, before = time.perf_counter(), os.times()
    action()
    after = os.times()
    cpu = (after.user - before.user) + (after.system - before.system) + \
          (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return time.perf_counter() - before_wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-binary", default="build/bench/image_store_bench")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "captioner_image_store_bench"))
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=1, help="rounds, interleaved; the fastest of each is reported")
    args = parser.parse_args()

    images = os.path.join(args.work, "jpegs640x480")
    generate(images, args.count)
    paths = sorted(os.path.join(images, name) for name in os.listdir(images) if name.endswith(".jpg"))[:args.count]
    if len(paths) < args.count:
        sys.exit("found %d JPEGs in %s, not %d" % (len(paths), images, args.count))
    listed = os.path.join(args.work, "listed")  # exactly these files, for the store
    if os.path.isdir(listed):
        shutil.rmtree(listed)
    os.makedirs(listed)
    for path in paths:
        os.symlink(path, os.path.join(listed, os.path.basename(path)))
    megabytes = warm_cache(paths) / 1e6
    print("%d JPEGs, 640x480, %.1f MB (%.0f KB each), stored as %dx%d; %d cores, the store on %d threads"
          % (len(paths), megabytes, 1000 * megabytes / len(paths), args.size, args.size, os.cpu_count(), args.threads))

    store = os.path.join(args.work, "store")
    in_process = []

    def build_store():
        run = subprocess.run([args.bench_binary, "--images", listed, "--out", store, "--size", str(args.size),
                              "--threads", str(args.threads), "--fresh"], check=True, capture_output=True, text=True)
        report = json.loads(run.stdout.strip().splitlines()[-1])
        if report["stored"] != len(paths):
            sys.exit("the store holds %d images, not %d" % (report["stored"], len(paths)))
        in_process.append(report["seconds"])

    outputs = {"PIL": os.path.join(args.work, "pil.u8"), "PIL + draft()": os.path.join(args.work, "pil_draft.u8")}
    actions = {"image store (whole process)": build_store,
               "PIL": lambda: pil_store(paths, args.size, outputs["PIL"], False),
               "PIL + draft()": lambda: pil_store(paths, args.size, outputs["PIL + draft()"], True)}
    best = {}
    for _ in range(args.rounds):
        for name, action in actions.items():
            wall, cpu = timed(action)
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    best["image store (build_image_store in process)"] = (min(in_process), None)

    print("\n| what | wall s | CPU s | images/s | PIL's wall / this |\n| --- | ---: | ---: | ---: | ---: |")
    order = ["image store (build_image_store in process)", "image store (whole process)", "PIL", "PIL + draft()"]
    for name in order:
        wall, cpu = best[name]
        print("| %s | %.2f | %s | %.0f | %.1fx |" % (name, wall, "" if cpu is None else "%.2f" % cpu,
                                                   len(paths) / wall, best["PIL"][0] / wall))
    store_wall = best["image store (whole process)"][0]
    print("\nthe store (whole process) is %.1fx faster than PIL and %.1fx faster than PIL + draft() (wall);"
          % (best["PIL"][0] / store_wall, best["PIL + draft()"][0] / store_wall))
    print("CPU per image: store %.2f ms, PIL %.2f ms, PIL + draft() %.2f ms"
          % tuple(1000 * best[name][1] / len(paths) for name in ["image store (whole process)", "PIL", "PIL + draft()"]))
    with open("/proc/loadavg") as f:
        print("load average at the end: %s" % " ".join(f.read().split()[:3]))
    store_pixels = np.fromfile(os.path.join(store, "images.u8"), dtype=np.uint8).astype(np.int16)
    for name, path in outputs.items():
        difference = np.abs(store_pixels - np.fromfile(path, dtype=np.uint8).astype(np.int16))
        print("pixels, store vs %s: mean |difference| %.2f of 255, 99th percentile %d"
              % (name, difference.mean(), np.percentile(difference, 99)))


if __name__ == "__main__":
    main()
