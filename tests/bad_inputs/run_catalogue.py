#!/usr/bin/env python3
"""The bad-input catalogue: runs every row of the table in tests/bad_inputs/README.md against
the real executables and checks what the table promises.

The table is the test's input (parsed here, so the two cannot drift): id, input, command,
expected error, exit code, files allowed to change. For each row the script builds the row's
input in a fresh folder (SETUPS below, keyed by id: every id needs a row and every row whose
input is not an existing fixture needs a setup), runs the command with bash, and checks:
  - the exit code is the table's;
  - nothing in stdout or stderr looks like a crash (terminate called, a stack trace, a
    sanitizer report, "internal error");
  - a failing row: stderr holds exactly ONE error line, "<program>: <what the table says>"
    (the table's regex, whose {placeholders} name the file), as its last line; any lines
    before it are the command's ordinary progress lines;
  - a failing row: the row's folder holds the same files with the same bytes as before
    (nothing created, nothing changed, nothing half-written), except the table's
    "may change" column;
  - a succeeding row (exit 0): the expected text appears in the output;
  - no temporary file is left anywhere in the row's folder;
  - the shared fixtures (data set, prepared set, runs) are unchanged by every row.
Usage: run_catalogue.py --captioner PATH --capeval PATH --work DIR [--jobs N] [--only ID...]
"""
import argparse
import concurrent.futures
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "README.md")
COLUMNS = ["id", "input", "command", "expected error", "exit", "may change"]
CRASH_MARKERS = ["terminate called", "Aborted", "core dumped", "Segmentation fault", "frame #",
                 "Exception raised from", "Sanitizer", "runtime error:", "Traceback", "internal error",
                 "what():"]
# Lines a command prints while it works (Progress lines, status lines): allowed before the error.
PROGRESS_LINE = re.compile(r"^\s*(synth: |prepare: |images |encoding captions|captioning |epoch |evaluating |"
                           r"resuming |  val @|  e\.g\.|report: )")
TEMPORARY = re.compile(r"\.captioner-tmp-\d+$")
TINY_SPEC = "conv3x8p1 relu pool2 fc16"


def parse_table(path):
    """The rows of the README's table, as dicts keyed by COLUMNS, code spans unwrapped."""
    rows, header_seen = [], False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.startswith("|"):
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            cells = [c.replace("\\|", "|") for c in cells]
            if not header_seen:
                if [c.lower() for c in cells] != COLUMNS:
                    sys.exit(f"{path}:{number}: the table's header must be {COLUMNS}, not {cells}")
                header_seen = True
                continue
            if set("".join(cells)) <= set("-: "):
                continue  # the separator row
            if len(cells) != len(COLUMNS):
                sys.exit(f"{path}:{number}: {len(cells)} cells, expected {len(COLUMNS)}")
            row = dict(zip(COLUMNS, cells))
            for key in ("id", "command", "expected error"):
                row[key] = unwrap(row[key])
            row["may change"] = re.findall(r"`([^`]+)`", row["may change"])  # paths; the rest says why
            row["exit"] = int(row["exit"])
            row["line"] = number
            rows.append(row)
    return rows


def unwrap(cell):
    cell = cell.strip()
    if cell in ("", "-", "—"):
        return ""
    if cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1]
    return cell


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(root):
    """Every file under root (relative path -> SHA-256); symlinks as their target."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root)
            files[relative] = "link:" + os.readlink(path) if os.path.islink(path) else sha256(path)
    return files


def run(command, cwd=None, env=None, timeout=300):
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, errors="replace", timeout=timeout)


def must(result, what):
    if result.returncode != 0:
        sys.exit(f"fixture: {what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


# ---------------------------------------------------------------------------------------
# Inputs: small real files made the way they go wrong in the wild.

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def png_bytes(width, height, rows=None):
    """A real RGB PNG (zlib, CRCs)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    if rows is None:
        rows = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width) for _ in range(3)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg_with_frame_size(source, side):
    """A real JPEG whose start-of-frame header claims side x side pixels."""
    data = bytearray(open(source, "rb").read())
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xC2:
            data[i + 5:i + 9] = struct.pack(">HH", side, side)
            return bytes(data)
        i += 2 + length
    raise RuntimeError("no start-of-frame marker in " + source)


class Fixtures:
    """The shared inputs, made once with the real tools: a tiny synthetic set, two prepared
    sets (word and BPE vocabularies), a trained run on each, and a run killed mid-training."""

    def __init__(self, args):
        self.captioner, self.capeval = args.captioner, args.capeval
        self.root = os.path.join(args.work, "fixtures")
        self.env = dict(os.environ, XDG_DATA_HOME=os.path.join(args.work, "no-xdg-data"))
        shutil.rmtree(args.work, ignore_errors=True)
        os.makedirs(self.root)
        os.chmod(args.work, 0o755)  # the unwritable-folder rows run as an unprivileged user
        r = self.root
        self.shapes, self.prep, self.prep_bpe = f"{r}/shapes", f"{r}/prep", f"{r}/prep_bpe"
        self.runs = f"{r}/runs"
        self.tiny_ini = f"{r}/tiny.ini"
        c = self.captioner
        timings = []
        must(run([c, "synth", "--out", self.shapes, "--count", "40", "--val-count", "8", "--test-count", "8",
                  "--image-size", "32", "--threads", "1"], env=self.env), "synth")
        for out, tokenizer in ((self.prep, ["--tokenizer.model-type", "word", "--tokenizer.adjust-vocab-size"]),
                               (self.prep_bpe, ["--tokenizer.model-type", "bpe", "--tokenizer.vocab-size", "60"])):
            must(run([c, "prepare", "--karpathy", f"{self.shapes}/dataset_shapes.json", "--images", f"{self.shapes}/images",
                      "--out", out, "--image-size", "32", "--threads", "1"] + tokenizer, env=self.env), "prepare")
        write(self.tiny_ini, f"[data]\ndir = {self.prep}\n[encoder]\nspec = {TINY_SPEC}\nimage-size = 32\n"
                             "[decoder]\nembedding-size = 8\nhidden-size = 16\n"
                             "[train]\nepochs = 1\nbatch-size = 8\neval-every = 3\nwarmup-steps = 1\nworkers = 1\n"
                             "patience = 0\n[decode]\nstrategy = greedy\nmax-length = 8\n"
                             f"[run]\ndir = {self.runs}\n")
        must(run([c, "train", "--threads", "1", "--config", self.tiny_ini, "--run.name", "word"], env=self.env), "train")
        must(run([c, "train", "--threads", "1", "--config", self.tiny_ini, "--run.name", "bpe",
                  "--data.dir", self.prep_bpe], env=self.env), "train (bpe)")
        self.run, self.run_bpe = f"{self.runs}/word", f"{self.runs}/bpe"
        # The word run captioned and scored on test, as `captioner report` needs.
        must(run([c, "caption", "--run", self.run, "--split", "test", "--score", "--threads", "1"], env=self.env),
             "caption --score")
        self.nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups" if os.geteuid() == 0 else ""
        self.before = snapshot(self.root)

    def killed_run_command(self, run_dir):
        """The training command of a run that gets killed (40 epochs: long enough to be caught).
        The resolved config holds the run's folder, so a killed run is made where it resumes."""
        return [self.captioner, "train", "--threads", "1", "--config", self.tiny_ini, "--train.epochs", "40",
                "--run.dir", os.path.dirname(run_dir), "--run.name", os.path.basename(run_dir)]

    def make_killed_run(self, run_dir):
        """Trains run_dir until its second checkpoint and kills it (SIGKILL)."""
        child = subprocess.Popen(self.killed_run_command(run_dir), env=self.env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        sidecar = f"{run_dir}/checkpoints/last.pt.json"
        deadline = time.time() + 120
        while time.time() < deadline and child.poll() is None:
            try:
                if json.load(open(sidecar)).get("step", 0) >= 6:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        child.kill()
        child.wait()
        if json.load(open(sidecar)).get("finished", True):
            raise RuntimeError("the run to be killed finished first")
        # A kill that lands while a checkpoint is written leaves its temporary, which the next
        # run rightly deletes: the cases compare the folder before and after, so the fixture
        # starts without it whatever moment the kill hit.
        for leftover in glob.glob(f"{run_dir}/**/*.captioner-tmp-*", recursive=True):
            os.remove(leftover)

    def placeholders(self, case_dir):
        return {"captioner": self.captioner, "capeval": self.capeval, "case": case_dir, "shapes": self.shapes,
                "prep": self.prep, "prep_bpe": self.prep_bpe, "run": self.run, "run_bpe": self.run_bpe,
                "tiny_ini": self.tiny_ini, "nobody": self.nobody}


# ---------------------------------------------------------------------------------------
# One setup per row whose input has to be made; keyed by the row's id.

def results_of(fx):
    return json.load(open(f"{fx.run}/results_test.json")) if os.path.exists(f"{fx.run}/results_test.json") else None


def good_results(fx):
    return [{"image_id": image["id"], "caption": "a red circle"}
            for image in json.load(open(f"{fx.prep}/references_test.json"))["images"]]


def dump(value):
    return json.dumps(value, indent=1)


def karpathy(fx):
    return json.load(open(f"{fx.shapes}/dataset_shapes.json"))


def copy_images(fx, case, replace=None, data=None):
    shutil.copytree(f"{fx.shapes}/images", f"{case}/images")
    if replace:
        write(f"{case}/images/{replace}", data)


def copy_run(fx, case, source=None, name="run"):
    shutil.copytree(source or fx.run, f"{case}/{name}")


def insert_line(path, index, line):
    lines = open(path).read().splitlines()
    lines.insert(index, line)
    write(path, "\n".join(lines) + "\n")


def hold_resume(fx, case):
    """A first resume of the killed run, holding it (stopped once it has the run's lock)."""
    fx.make_killed_run(f"{case}/runs/killed")
    first = subprocess.Popen(fx.killed_run_command(f"{case}/runs/killed"), env=fx.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    lock = f"{case}/runs/killed/.lock"
    deadline = time.time() + 60
    # /proc/locks shows the first resume's flock without taking the lock from it.
    while not any(f" {first.pid} " in line and line.split()[1] == "FLOCK" for line in open("/proc/locks")):
        if time.time() > deadline or first.poll() is not None:
            first.kill()
            raise RuntimeError("the first resume never took the run's lock")
        time.sleep(0.001)
    first.send_signal(signal.SIGSTOP)  # it writes nothing while the second one runs

    def after():
        first.kill()  # killed again, as a user would stop it
        first.wait()
        with open(lock) as f:  # a killed process leaves no stale lock: a third resume may start
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return after


SETUPS = {
    # capeval
    "capeval-empty-results": lambda fx, c: write(f"{c}/results.json", b""),
    "capeval-truncated-json": lambda fx, c: write(f"{c}/results.json", dump(good_results(fx))[:70]),
    "capeval-wrong-shape": lambda fx, c: write(f"{c}/results.json", json.dumps({"image_id": 1, "caption": "a red circle"})),
    "capeval-other-dataset": lambda fx, c: write(
        f"{c}/results.json", dump([{"image_id": 391895 + r["image_id"], "caption": r["caption"]} for r in good_results(fx)])),
    "capeval-duplicate-results": lambda fx, c: write(f"{c}/results.json", dump(good_results(fx) + good_results(fx)[:1])),
    "capeval-string-ids": lambda fx, c: write(
        f"{c}/results.json", dump([{"image_id": str(r["image_id"]), "caption": r["caption"]} for r in good_results(fx)])),
    "capeval-nan": lambda fx, c: write(f"{c}/results.json", dump(good_results(fx)).replace('"image_id": 1,', '"image_id": NaN,', 1)),
    "capeval-huge-number": lambda fx, c: write(f"{c}/results.json", dump(good_results(fx)).replace('"image_id": 1,', '"image_id": 1e999,', 1)),
    "capeval-invalid-utf8": lambda fx, c: write(f"{c}/results.json", dump(good_results(fx)).encode().replace(b"a red", b"a \xff\xfered", 1)),
    "capeval-long-caption": lambda fx, c: write(f"{c}/results.json", dump(
        [dict(r, caption=("a red circle to the left of a blue square " * 2500)[:100000]) if i == 0 else r
         for i, r in enumerate(good_results(fx))])),
    "capeval-references-folder": lambda fx, c: (write(f"{c}/results.json", dump(good_results(fx))), os.makedirs(f"{c}/refs")),
    "capeval-unwritable-folder": lambda fx, c: (write(f"{c}/results.json", dump(good_results(fx))), os.makedirs(f"{c}/out"),
                                                os.chmod(f"{c}/out", 0o555)),
    "capeval-full-disk": lambda fx, c: (write(f"{c}/results.json", dump(good_results(fx))),
                                        write(f"{c}/scores.json", '{"old": "scores, kept whole"}\n')),
    # prepare
    "prepare-empty-split-file": lambda fx, c: write(f"{c}/split.json", b""),
    "prepare-truncated-json": lambda fx, c: write(f"{c}/split.json", json.dumps(karpathy(fx))[:500]),
    "prepare-wrong-shape": lambda fx, c: write(f"{c}/split.json", json.dumps(karpathy(fx)["images"])),
    "prepare-invalid-utf8": lambda fx, c: write(f"{c}/split.json", json.dumps(karpathy(fx)).encode().replace(
        b'"raw": "a', b'"raw": "\xc3\x28a', 1)),
    "prepare-duplicate-images": lambda fx, c: write(f"{c}/split.json", json.dumps(
        dict(karpathy(fx), images=karpathy(fx)["images"] + karpathy(fx)["images"][:1]))),
    "prepare-long-caption": lambda fx, c: write(f"{c}/split.json", json.dumps(dict(karpathy(fx), images=[
        dict(im, sentences=[dict(im["sentences"][0], raw=("a red circle above a big blue star " * 3000)[:100000])] +
             im["sentences"][1:]) if i == 0 else im for i, im in enumerate(karpathy(fx)["images"])]))),
    "prepare-zero-byte-image": lambda fx, c: copy_images(fx, c, "000020.jpg", b""),
    "prepare-png-named-jpg": lambda fx, c: copy_images(fx, c, "000020.jpg", png_bytes(32, 32)),
    "prepare-huge-image-header": lambda fx, c: copy_images(
        fx, c, "000020.jpg", jpeg_with_frame_size(f"{fx.shapes}/images/000020.jpg", 20000)),
    "prepare-huge-png-header": lambda fx, c: copy_images(
        fx, c, "000020.jpg", png_bytes(20000, 20000, rows=b"\x00" * 64)),
    "prepare-images-not-a-folder": None,
    "prepare-split-file-is-a-folder": None,
    "prepare-unwritable-out": lambda fx, c: (os.makedirs(f"{c}/out"), os.chmod(f"{c}/out", 0o555)),
    "prepare-full-disk": None,
    "prepare-unknown-config-key": lambda fx, c: write(f"{c}/prepare.ini", "[tokenizer]\nvocab = 50\n"),
    # synth
    "synth-out-is-a-file": lambda fx, c: write(f"{c}/data", "not a folder\n"),
    "synth-foreign-folder": lambda fx, c: write(f"{c}/data/notes.txt", "my notes\n"),
    "synth-no-training-images": None,
    "synth-unwritable": lambda fx, c: (os.makedirs(f"{c}/out"), os.chmod(f"{c}/out", 0o555)),
    "synth-unknown-config-key": lambda fx, c: write(f"{c}/synth.ini", "count = 10\nimages = 5\n"),
    # inspect
    "inspect-vanishing-volume": None,
    "inspect-inexact-division": None,
    "inspect-unknown-layer": None,
    "inspect-huge-image-size": None,
    "inspect-config-is-a-folder": lambda fx, c: os.makedirs(f"{c}/experiment.ini"),
    # train
    "train-negative-learning-rate": lambda fx, c: write(f"{c}/lr.ini", "[train]\nlearning-rate = -0.001\n"),
    "train-nan-learning-rate": lambda fx, c: write(f"{c}/lr.ini", "[train]\nlearning-rate = nan\n"),
    "train-unknown-config-key": lambda fx, c: write(f"{c}/typo.ini", "[train]\nepohcs = 3\n"),
    "train-no-dataset": None,
    "train-damaged-image-store": lambda fx, c: (shutil.copytree(fx.prep, f"{c}/prep"),
                                                 os.truncate(f"{c}/prep/images.u8", 3000)),
    "train-killed-run-resumed-twice": hold_resume,
    "train-full-disk": lambda fx, c: fx.make_killed_run(f"{c}/runs/killed"),
    "train-unwritable-run-folder": lambda fx, c: (os.makedirs(f"{c}/runs"), os.chmod(f"{c}/runs", 0o555)),
    # caption
    "caption-checkpoint-other-vocabulary": lambda fx, c: (
        copy_run(fx, c), shutil.copy(f"{fx.run_bpe}/checkpoints/best.pt", f"{c}/run/checkpoints/best.pt"),
        shutil.copy(f"{fx.run_bpe}/checkpoints/best.pt.json", f"{c}/run/checkpoints/best.pt.json")),
    "caption-truncated-checkpoint": lambda fx, c: (
        copy_run(fx, c), os.truncate(f"{c}/run/checkpoints/best.pt", 3000)),
    "caption-zero-byte-image": lambda fx, c: write(f"{c}/photo.jpg", b""),
    "caption-png-named-jpg": lambda fx, c: write(f"{c}/photo.jpg", png_bytes(48, 40)),
    "caption-huge-image-header": lambda fx, c: write(
        f"{c}/photo.jpg", jpeg_with_frame_size(f"{fx.shapes}/images/000001.jpg", 20000)),
    "caption-empty-folder": lambda fx, c: os.makedirs(f"{c}/photos"),
    "caption-list-names-missing-file": lambda fx, c: write(f"{c}/list.txt", "holiday/missing.jpg\n"),
    "caption-not-a-run": lambda fx, c: os.makedirs(f"{c}/run"),
    "caption-out-is-a-folder": lambda fx, c: os.makedirs(f"{c}/results.json"),
    "caption-unwritable-out": lambda fx, c: (os.makedirs(f"{c}/out"), os.chmod(f"{c}/out", 0o555)),
    "caption-full-disk": lambda fx, c: write(f"{c}/results.json", '[{"image_id": 1, "caption": "the old results"}]\n'),
    # report
    "report-not-a-run": lambda fx, c: os.makedirs(f"{c}/run"),
    "report-not-captioned": lambda fx, c: copy_run(fx, c, fx.run_bpe, "runs/run"),
    "report-damaged-log": lambda fx, c: (copy_run(fx, c, fx.run, "runs/run"), insert_line(f"{c}/runs/run/log.jsonl", 1, "[1, 2]")),
    "report-results-wrong-shape": lambda fx, c: (copy_run(fx, c, fx.run, "runs/run"), write(f"{c}/runs/run/results_test.json", "{}\n")),
    "report-gallery-too-small": None,
    "report-unwritable-out": lambda fx, c: (os.makedirs(f"{c}/out"), os.chmod(f"{c}/out", 0o555)),
    "report-full-disk": lambda fx, c: write(f"{c}/report.html", "<p>the old report</p>\n"),
}


# ---------------------------------------------------------------------------------------

def expand(text, values, as_regex=False):
    def substitute(match):
        key = match.group(1)
        if key not in values:
            raise KeyError(f"unknown placeholder {{{key}}}")
        return re.escape(values[key]) if as_regex else values[key]
    return re.sub(r"\{([a-z_]+)\}", substitute, text)


def check_case(row, fx, work):
    problems = []
    case_dir = os.path.join(work, "cases", row["id"])
    os.makedirs(case_dir)
    os.chmod(case_dir, 0o755)
    values = fx.placeholders(case_dir)
    setup = SETUPS.get(row["id"])
    after = setup(fx, case_dir) if setup else None
    after = after if callable(after) else None
    before = snapshot(case_dir)
    command = expand(row["command"], values)
    start = time.time()
    try:
        result = run(["bash", "-c", command], cwd=case_dir, env=fx.env, timeout=120)
    except subprocess.TimeoutExpired:
        return [f"did not finish in 120 s: {command}"], 120.0
    finally:
        if after:
            try:
                after()
            except Exception as error:  # reported as the row's failure
                problems.append(f"after the command: {error!r}")
    seconds = time.time() - start
    output = result.stdout + result.stderr
    if result.returncode != row["exit"]:
        problems.append(f"exit code {result.returncode}, expected {row['exit']}")
    for marker in CRASH_MARKERS:
        if marker in output:
            problems.append(f"output contains {marker!r}")
    expected = re.compile(expand(row["expected error"], values, as_regex=True))
    if row["exit"] != 0:
        lines = [part for line in result.stderr.split("\n") for part in line.split("\r") if part.strip()]
        error_prefix = re.compile(r"^(capeval|captioner \w+): ")
        errors = [line for line in lines if error_prefix.match(line)]
        if len(errors) != 1 or not lines or lines[-1] != errors[0]:
            problems.append(f"stderr should end with exactly one error line, got {len(errors)}")
        else:
            message = error_prefix.sub("", errors[0])
            if not expected.search(message):
                problems.append(f"the error does not match the table: {message!r}")
        for line in lines[:-1]:
            if not PROGRESS_LINE.match(line):
                problems.append(f"stderr has a line that is neither progress nor the error: {line!r}")
        after_files = snapshot(case_dir)
        allowed = set(row["may change"])
        for path in sorted(set(before) | set(after_files)):
            if path in allowed:
                continue
            if path not in before:
                problems.append(f"left a file behind: {path}")
            elif path not in after_files:
                problems.append(f"removed a file: {path}")
            elif before[path] != after_files[path]:
                problems.append(f"changed a file: {path}")
    elif not expected.search(output):
        problems.append(f"expected {row['expected error']!r} in the output")
    for folder, _, names in os.walk(case_dir):
        for name in names:
            relative = os.path.relpath(os.path.join(folder, name), case_dir)
            # One the setup's own killed process left (before the command ran) is not the command's.
            if (TEMPORARY.search(name) or name.endswith(".partial")) and relative not in before:
                problems.append(f"temporary file left: {relative}")
    if problems:
        problems.append("command: " + command)
        problems.append("stderr: " + result.stderr.strip()[-2000:])
    return problems, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captioner", required=True)
    parser.add_argument("--capeval", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    args.captioner, args.capeval, args.work = map(os.path.abspath, (args.captioner, args.capeval, args.work))
    rows = parse_table(README)
    ids = [row["id"] for row in rows]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        sys.exit(f"{README}: ids used twice: {sorted(duplicates)}")
    unknown = set(SETUPS) - set(ids)
    if unknown:
        sys.exit(f"setups without a row in {README}: {sorted(unknown)}")
    missing = set(ids) - set(SETUPS)
    if missing:
        sys.exit(f"rows without an entry in SETUPS (None if the command needs no input made): {sorted(missing)}")
    if len(rows) < 30:
        sys.exit(f"{README}: {len(rows)} cases; the catalogue has at least 30")
    if args.only:
        rows = [row for row in rows if row["id"] in args.only]
    started = time.time()
    fx = Fixtures(args)
    print(f"fixtures made in {time.time() - started:.1f} s; {len(rows)} cases from {README}", flush=True)
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [(row, pool.submit(check_case, row, fx, args.work)) for row in rows]
        for row, future in futures:
            try:
                problems, seconds = future.result()
            except Exception as error:
                problems, seconds = [f"the driver failed: {error!r}"], 0.0
            status = "ok  " if not problems else "FAIL"
            print(f"{status} {row['id']:<40} exit {row['exit']}  {seconds:5.1f} s", flush=True)
            for problem in problems:
                print(f"       {problem}")
            failures += bool(problems)
    fixtures_after = snapshot(fx.root)
    changed = {p for p in set(fx.before) | set(fixtures_after) if fx.before.get(p) != fixtures_after.get(p)}
    if changed:
        print(f"FAIL the shared fixtures changed: {sorted(changed)}")
        failures += 1
    print(f"{len(rows) - failures} of {len(rows)} cases passed in {time.time() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
