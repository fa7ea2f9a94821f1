#!/usr/bin/env bash
# Data-parallel scaling on this machine: the training throughput of
# experiments/configs/shapes.ini (captions with their images a second, as rank 0 logs them for
# the whole global batch of 64) for
#   1 process x 1 thread, N processes x 1 thread (scripts/launch-local.sh), 1 process x N threads
# and the scaling efficiency rate(N processes) / (N x rate(1 process x 1 thread)); also the
# CPU time (user + system, every process) per 1,000 captions of each whole run (start-up and
# the 10-image evaluation included), which other load on the machine does not inflate: the
# cost of the data-parallel machinery itself.
# Each setting runs REPEAT times, alternating, and keeps its fastest run (the machine is shared).
#   bench/ddp_scaling.sh [BUILD] [N] [REPEAT]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${2:-2}
REPEAT=${3:-2}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
work=$(mktemp -d /tmp/captioner_ddp_scaling.XXXXXX)
trap 'rm -rf "$work"' EXIT
captioner="$BUILD/apps/captioner"
# 800 training images, 5 captions each: an epoch of 63 steps.
"$captioner" synth --out "$work/shapes" --count 900 --val-count 50 --test-count 50 --image-size 64 >/dev/null
"$captioner" prepare --karpathy "$work/shapes/dataset_shapes.json" --images "$work/shapes/images" --out "$work/prep" \
  --image-size 64 --tokenizer.model-type word --tokenizer.adjust-vocab-size >/dev/null

# train NAME PROCESSES THREADS: one epoch; prints the mean captions/s of its log windows
# after the first (start-up and warm-up) and the CPU seconds of the run per 1,000 captions.
train() {
  local name=$1 processes=$2 threads=$3
  local command=("$captioner" train --config experiments/configs/shapes.ini --data.dir "$work/prep"
    --run.dir "$work/runs" --run.name "$name" --train.epochs 1 --train.eval-images 10 --train.log-every 10
    --threads "$threads")
  if [ "$processes" -gt 1 ]; then command=(scripts/launch-local.sh "$processes" -- "${command[@]}"); fi
  python3 - "$work/$name.cpu" "${command[@]}" >"$work/$name.log" 2>&1 <<'PY' || { cat "$work/$name.log" >&2; exit 1; }
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process the run waited for
open(sys.argv[1], "w").write("%.3f" % (usage.ru_utime + usage.ru_stime))
sys.exit(code)
PY
  python3 - "$work/runs/$name/log.jsonl" "$(cat "$work/$name.cpu")" <<'PY'
import json, sys
entries = [e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "train"]
rates = [e["captions_per_second"] for e in entries][1:]
print("%.1f %.2f" % (sum(rates) / len(rates), 1000 * float(sys.argv[2]) / 4000))
PY
}

declare -A best=() cpu=()
for ((round = 1; round <= REPEAT; ++round)); do
  for setting in "1 1" "$N 1" "1 $N"; do
    read -r processes threads <<<"$setting"
    key="${processes}x${threads}"
    read -r rate seconds <<<"$(train "r${round}_$key" "$processes" "$threads")"
    echo "round $round: $processes process(es) x $threads thread(s): $rate captions/s, $seconds CPU s per 1000 captions"
    if [ -z "${best[$key]:-}" ] || python3 -c "import sys; sys.exit(not $rate > ${best[$key]})"; then best[$key]=$rate; fi
    if [ -z "${cpu[$key]:-}" ] || python3 -c "import sys; sys.exit(not $seconds < ${cpu[$key]})"; then cpu[$key]=$seconds; fi
  done
done

python3 - "${best[1x1]}" "${best[${N}x1]}" "${best[1x${N}]}" "$N" "${cpu[1x1]}" "${cpu[${N}x1]}" "${cpu[1x${N}]}" <<'PY'
import sys
one, processes, threads, n, cpu_one, cpu_processes, cpu_threads = map(float, sys.argv[1:])
n = int(n)
print("fastest of the rounds, captions (with their images) a second:")
print("  1 process  x 1 thread : %7.1f" % one)
print("  %d processes x 1 thread : %7.1f  speed-up %.2fx, scaling efficiency %.0f%%" % (n, processes, processes / one, 100 * processes / (n * one)))
print("  1 process  x %d threads: %7.1f  speed-up %.2fx, efficiency %.0f%%" % (n, threads, threads / one, 100 * threads / (n * one)))
print("least CPU seconds per 1000 captions (whole run): 1 x 1: %.2f, %d x 1: %.2f (%+.0f%%), 1 x %d: %.2f (%+.0f%%)"
      % (cpu_one, n, cpu_processes, 100 * (cpu_processes / cpu_one - 1), n, cpu_threads, 100 * (cpu_threads / cpu_one - 1)))
PY
