#!/usr/bin/env python3
"""Kill test: every writer is run as a real process and killed with SIGKILL at random moments
(seeded), and after every kill each output it owns must be the old complete file or the new
complete file, never a mix or a torn one.

Writers: util/file's write_file_atomically itself on 8 MiB self-checking files (both entry
points, through captioner_atomic_write_tool), capeval --json, captioner caption --out,
captioner train (checkpoints, sidecars, log), captioner prepare (the prepared set, the image
store), captioner synth (images and JSON files).

Temporary files: a kill may leave "<name>.captioner-tmp-<pid>" (write_file_atomically's
temporary file) or the image store's resume state (images.u8.partial, images.journal.json);
every reader opens outputs by their exact names, so none takes them for outputs; train,
prepare, synth, caption and capeval delete the temporaries of dead processes when they next
write in the folder (checked after the last, uninterrupted run of train, prepare and synth).
Usage: kill_test.py --captioner PATH --capeval PATH --atomic-write-tool PATH --work DIR [--seed N]
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile

TEMPORARY = re.compile(r"\.captioner-tmp-\d+$")
RESUME_STATE = {"images.u8.partial", "images.journal.json", ".lock"}
TINY_SPEC = "conv3x8p1 relu pool2 fc16"


class Failure(Exception):
    pass


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def run(command, env, timeout=300):
    result = subprocess.run(command, env=env, capture_output=True, text=True, errors="replace", timeout=timeout)
    if result.returncode != 0:
        raise Failure(f"{' '.join(command)} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def run_and_kill(command, env, delay):
    """Starts command, SIGKILLs it after `delay` seconds (if still running). True if it was killed."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        return True


def timed(command, env):
    start = time.time()
    run(command, env)
    return time.time() - start


def kill_delay(rng, duration):
    # Half the kills anywhere in the run, half in its last part, where most writers write.
    return rng.uniform(0, 1.1 * duration) if rng.random() < 0.5 else rng.uniform(0.6 * duration, 1.1 * duration)


def stray_files(folder):
    """Files a kill may leave that are not outputs: write_file_atomically's temporaries."""
    found = []
    for root, _, names in os.walk(folder):
        found += [os.path.join(root, n) for n in names if TEMPORARY.search(n)]
    return found


def check_json(path):
    try:
        return json.loads(read(path))
    except ValueError as error:
        raise Failure(f"{path}: not complete JSON after a kill ({error})")


# ---------------------------------------------------------------------------------------

def atomic_write_trials(args, env, rng, folder, trials):
    """write_file_atomically on 8 MiB files: after each kill the file is a whole file of the
    last completed generation or of the one being written."""
    target = os.path.join(folder, "payload.bin")
    duration = timed([args.atomic_write_tool, target, "0", "8"], env)
    last_whole = 0
    killed = 0
    for generation in range(1, trials + 1):
        mode = ["pieces"] if generation % 2 else []
        command = [args.atomic_write_tool, target, str(generation), "8"] + mode
        killed += run_and_kill(command, env, kill_delay(rng, duration))
        if not os.path.exists(target):
            raise Failure(f"{target}: gone after a kill")
        data = read(target)
        header, _, payload = data.partition(b"\n")
        try:
            meta = json.loads(header)
        except ValueError:
            raise Failure(f"{target}: torn header after a kill at generation {generation}")
        if meta["bytes"] != len(payload) or meta["sha256"] != sha256_bytes(payload):
            raise Failure(f"{target}: generation {meta['generation']} with a damaged payload")
        if meta["generation"] not in (last_whole, generation):
            raise Failure(f"{target}: generation {meta['generation']}, expected {last_whole} or {generation}")
        last_whole = meta["generation"]
    return f"{trials} trials, {killed} killed mid-run (a whole write takes {duration:.2f} s)"


def without_timings(data):
    report = json.loads(data)
    report.pop("timings_seconds", None)
    return report


def alternating_trials(name, commands, target, env, rng, trials, duration, signature=lambda data: data):
    """A writer with two inputs giving two different outputs A and B (measured first by
    uninterrupted runs): after each kill the target is A or B, never a mix. Compared byte for
    byte, or by `signature` for outputs that record their own timings."""
    expected = []
    for command in commands:
        run(command, env)
        expected.append(signature(read(target)))
    if expected[0] == expected[1]:
        raise Failure(f"{name}: the two inputs give the same output; the test could not tell them apart")
    killed = 0
    for trial in range(trials):
        killed += run_and_kill(commands[trial % 2], env, kill_delay(rng, duration))
        try:
            data = signature(read(target))
        except ValueError:
            data = None  # torn JSON
        if data not in expected:
            raise Failure(f"{name}: {target} is neither of the two complete outputs after a kill (trial {trial})")
    return f"{trials} trials, {killed} killed mid-run"


def train_trials(args, env, rng, fixtures, trials):
    """A run killed again and again while resuming: every checkpoint is a whole zip archive
    (CRCs checked) and its sidecar whole JSON; the last, uninterrupted resume finishes."""
    runs = os.path.join(fixtures["root"], "kill-runs")
    command = [args.captioner, "train", "--threads", "1", "--config", fixtures["tiny_ini"], "--train.epochs", "20",
               "--run.dir", runs, "--run.name", "killed"]
    checkpoints = os.path.join(runs, "killed", "checkpoints")
    killed = 0
    for trial in range(trials):
        killed += run_and_kill(command, env, rng.uniform(1.0, 4.0))
        for name in ("last.pt", "best.pt"):
            path = os.path.join(checkpoints, name)
            if os.path.exists(path):
                with zipfile.ZipFile(path) as archive:
                    if archive.testzip() is not None:
                        raise Failure(f"{path}: a damaged member after a kill")
            if os.path.exists(path + ".json"):
                check_json(path + ".json")
    run(command, env)
    state = check_json(os.path.join(checkpoints, "last.pt.json"))
    if not state.get("finished"):
        raise Failure("the run did not finish after its kills")
    steps = [json.loads(line).get("step") for line in read(os.path.join(runs, "killed", "log.jsonl")).splitlines()]
    if steps != sorted(steps):
        raise Failure(f"log.jsonl: steps out of order after resumes: {steps}")
    if stray_files(os.path.join(runs, "killed")):
        raise Failure(f"temporary files left after the final resume: {stray_files(os.path.join(runs, 'killed'))}")
    return f"{trials} trials, {killed} killed mid-run, finished at step {state['step']}"


def prepared_outputs_valid(out):
    for name in os.listdir(out):
        path = os.path.join(out, name)
        if TEMPORARY.search(name) or name in RESUME_STATE:
            continue
        if name.endswith(".json"):
            check_json(path)
        elif name == "captions.jsonl":
            for line in read(path).splitlines():
                json.loads(line)
    if os.path.exists(os.path.join(out, "images.json")):
        store = check_json(os.path.join(out, "images.json"))
        size = os.path.getsize(os.path.join(out, "images.u8"))
        if size != store["count"] * store["size"] ** 2 * 3:
            raise Failure(f"{out}/images.u8: {size} bytes, images.json says {store['count']} images")
    if os.path.exists(os.path.join(out, "manifest.json")):  # written last: it vouches for every file
        manifest = check_json(os.path.join(out, "manifest.json"))
        for name, digest in manifest["files"].items():
            if sha256_bytes(read(os.path.join(out, name))) != digest:
                raise Failure(f"{out}/{name}: does not match the manifest after a kill")


def folder_trials(name, command, out, reference, check, env, rng, trials, duration, ignore=()):
    """A writer of a whole folder, killed again and again (fresh, or resuming the last): after
    each kill every output present is whole (check); the final run's files are byte for byte
    those of an uninterrupted run (reference), and no temporary file is left."""
    killed = 0
    for trial in range(trials):
        if trial % 2 == 0:
            shutil.rmtree(out, ignore_errors=True)  # a fresh run; odd trials resume the killed one
        killed += run_and_kill(command, env, kill_delay(rng, duration))
        if os.path.exists(out):
            check(out)
    run(command, env)
    check(out)
    for root, _, names in os.walk(reference):
        for file_name in names:
            relative = os.path.relpath(os.path.join(root, file_name), reference)
            if relative in ignore:
                continue
            mine = os.path.join(out, relative)
            if not os.path.exists(mine) or read(mine) != read(os.path.join(root, file_name)):
                raise Failure(f"{name}: {relative} differs from an uninterrupted run's after the kills")
    if stray_files(out):
        raise Failure(f"{name}: temporary files left after the final run: {stray_files(out)}")
    return f"{trials} trials, {killed} killed mid-run, final files identical to an uninterrupted run"


def synth_outputs_valid(out):
    for root, _, names in os.walk(out):
        for name in names:
            path = os.path.join(root, name)
            if TEMPORARY.search(name):
                continue
            if name.endswith(".json"):
                check_json(path)
            elif name.endswith(".jpg"):
                data = read(path)
                if not (data.startswith(b"\xff\xd8") and data.rstrip(b"\x00").endswith(b"\xff\xd9")):
                    raise Failure(f"{path}: a torn JPEG after a kill")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captioner", required=True)
    parser.add_argument("--capeval", required=True)
    parser.add_argument("--atomic-write-tool", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--only", help="run only the writers whose name contains this")
    args = parser.parse_args()
    args.captioner, args.capeval, args.atomic_write_tool, args.work = map(
        os.path.abspath, (args.captioner, args.capeval, args.atomic_write_tool, args.work))
    rng = random.Random(args.seed)
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(args.work, "no-xdg-data"))
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    started = time.time()
    c = args.captioner
    w = args.work
    synth = [c, "synth", "--count", "40", "--val-count", "8", "--test-count", "8", "--image-size", "32", "--threads", "1"]
    synth_seconds = timed(synth + ["--out", f"{w}/shapes"], env)
    prepare = [c, "prepare", "--karpathy", f"{w}/shapes/dataset_shapes.json", "--images", f"{w}/shapes/images",
               "--image-size", "32", "--threads", "1", "--tokenizer.model-type", "word", "--tokenizer.adjust-vocab-size"]
    prepare_seconds = timed(prepare + ["--out", f"{w}/prep"], env)
    tiny_ini = f"{w}/tiny.ini"
    with open(tiny_ini, "w") as f:
        f.write(f"[data]\ndir = {w}/prep\n[encoder]\nspec = {TINY_SPEC}\nimage-size = 32\n"
                "[decoder]\nembedding-size = 8\nhidden-size = 16\n[train]\nepochs = 1\nbatch-size = 8\neval-every = 3\n"
                "warmup-steps = 1\nworkers = 1\npatience = 0\n[decode]\nstrategy = greedy\nmax-length = 8\n"
                f"[run]\ndir = {w}/runs\n")
    run([c, "train", "--threads", "1", "--config", tiny_ini, "--run.name", "word"], env)
    fixtures = {"root": w, "tiny_ini": tiny_ini}
    print(f"fixtures made in {time.time() - started:.1f} s (synth {synth_seconds:.1f} s, prepare {prepare_seconds:.1f} s)",
          flush=True)

    results_a = [{"image_id": i["id"], "caption": "a red circle"} for i in json.loads(read(f"{w}/prep/references_test.json"))["images"]]
    results_b = [dict(r, caption="a blue square above a green star") for r in results_a]
    for name, results in (("a", results_a), ("b", results_b)):
        with open(f"{w}/results_{name}.json", "w") as f:
            json.dump(results, f)
    capeval = [[args.capeval, "--references", f"{w}/prep/references_test.json", "--results", f"{w}/results_{n}.json",
                "--json", f"{w}/scores.json"] for n in ("a", "b")]
    caption = [[c, "caption", "--run", f"{w}/runs/word", "--split", "test", "--threads", "1", "--out", f"{w}/captions.json",
                "--decode.max-length", length] for length in ("8", "3")]

    writers = [
        ("write_file_atomically, 8 MiB", lambda: atomic_write_trials(args, env, rng, w, 20)),
        ("capeval --json", lambda: alternating_trials("capeval", capeval, f"{w}/scores.json", env, rng, 30,
                                                      timed(capeval[0], env), signature=without_timings)),
        ("captioner caption --out", lambda: alternating_trials("caption", caption, f"{w}/captions.json", env, rng, 5,
                                                               timed(caption[0], env))),
        ("captioner train (checkpoints)", lambda: train_trials(args, env, rng, fixtures, 5)),
        ("captioner prepare", lambda: folder_trials("prepare", prepare + ["--out", f"{w}/prep-killed"], f"{w}/prep-killed",
                                                    f"{w}/prep", prepared_outputs_valid, env, rng, 6, prepare_seconds,
                                                    ignore=("manifest.json",))),
        ("captioner synth", lambda: folder_trials("synth", synth + ["--out", f"{w}/shapes-killed"], f"{w}/shapes-killed",
                                                  f"{w}/shapes", synth_outputs_valid, env, rng, 6, synth_seconds,
                                                  ignore=("synth.json",))),
    ]
    failures = 0
    writers = [(name, trial) for name, trial in writers if not args.only or args.only in name]
    for name, trial in writers:
        start = time.time()
        try:
            summary = trial()
            print(f"ok   {name:<32} {summary} ({time.time() - start:.1f} s)", flush=True)
        except (Failure, OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            print(f"FAIL {name:<32} {error}", flush=True)
            failures += 1
    print(f"{len(writers) - failures} of {len(writers)} writers passed in {time.time() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
