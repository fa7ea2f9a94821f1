#!/usr/bin/env bash
# Data-parallel scaling on this machine: the training throughput of
# experiments/configs/shapes.ini (captions with their images a second, as rank 0 logs them for
# the whole global batch of 64) for
#   1 process x 1 thread, N processes x 1 thread (scripts/launch-local.sh), 1 process x N threads
# and the scaling efficiency rate(N processes) / (N x rate(1 process x 1 thread)).
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
# after the first (start-up and warm-up).
train() {
  local name=$1 processes=$2 threads=$3
  local command=("$captioner" train --config experiments/configs/shapes.ini --data.dir "$work/prep"
    --run.dir "$work/runs" --run.name "$name" --train.epochs 1 --train.eval-images 10 --train.log-every 10
    --threads "$threads")
  if [ "$processes" -gt 1 ]; then command=(scripts/launch-local.sh "$processes" -- "${command[@]}"); fi
  "${command[@]}" >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  python3 - "$work/runs/$name/log.jsonl" <<'PY'
import json, sys
rates = [e["captions_per_second"] for e in map(json.loads, open(sys.argv[1])) if e["type"] == "train"][1:]
print("%.1f" % (sum(rates) / len(rates)))
PY
}

declare -A best=()
for ((round = 1; round <= REPEAT; ++round)); do
  for setting in "1 1" "$N 1" "1 $N"; do
    read -r processes threads <<<"$setting"
    key="${processes}x${threads}"
    rate=$(train "r${round}_$key" "$processes" "$threads")
    echo "round $round: $processes process(es) x $threads thread(s): $rate captions/s"
    if [ -z "${best[$key]:-}" ] || python3 -c "import sys; sys.exit(not $rate > ${best[$key]})"; then best[$key]=$rate; fi
  done
done

python3 - "${best[1x1]}" "${best[${N}x1]}" "${best[1x${N}]}" "$N" <<'PY'
import sys
one, processes, threads, n = map(float, sys.argv[1:])
n = int(n)
print("fastest of the rounds, captions (with their images) a second:")
print("  1 process  x 1 thread : %7.1f" % one)
print("  %d processes x 1 thread : %7.1f  speed-up %.2fx, scaling efficiency %.0f%%" % (n, processes, processes / one, 100 * processes / (n * one)))
print("  1 process  x %d threads: %7.1f  speed-up %.2fx, efficiency %.0f%%" % (n, threads, threads / one, 100 * threads / (n * one)))
PY
