#!/usr/bin/env bash
# The whole pipeline on the built-in synthetic benchmark, in one command:
#   synth -> prepare -> train (the captioner and the blind baseline) -> caption the test
#   split -> score -> the oracle's (held-out human-style caption) score beside them -> the
#   report page (runs/shapes/report.html).
# Expects a build in ./build (the README's first command makes it). Minutes on 2 cores.
# Environment: BUILD (build dir), DATA (where data sets go), RUNS (where runs go),
# QUICK=1 (a few hundred images and one epoch: a smoke test, not a result).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
# Idle OpenMP threads sleep instead of spinning: with anything else on the cores, spinning
# made 2-thread LibTorch steps 4-12x slower here.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
DATA=${DATA:-data}
RUNS=${RUNS:-runs}
captioner="$BUILD/apps/captioner"
capeval="$BUILD/apps/capeval"
for tool in "$captioner" "$capeval"; do
  [ -x "$tool" ] || { echo "quickstart: $tool is missing: build first (see README.md)" >&2; exit 1; }
done

synth_args=()
train_args=(--run.dir "$RUNS" --data.dir "$DATA/shapes-prep")
if [ "${QUICK:-0}" = 1 ]; then
  synth_args=(--count 600 --val-count 100 --test-count 100)
  train_args+=(--train.epochs 1 --train.eval-images 50)
fi

echo "== 1/5 synthetic data set, prepared (decode, resize, SentencePiece)"
BUILD="$BUILD" experiments/prepare_shapes.sh "$DATA" word "${synth_args[@]}"
echo "== 2/5 train the captioner"
"$captioner" train --config experiments/configs/shapes.ini "${train_args[@]}"
echo "== 3/5 train the blind baseline (no image)"
"$captioner" train --config experiments/configs/shapes.ini --config experiments/configs/ablations/blind.ini \
  "${train_args[@]}"
echo "== 4/5 caption and score the test split"
for run in shapes shapes-blind; do
  echo "-- $run"
  "$captioner" caption --run "$RUNS/$run" --split test --score
done
echo "== 5/5 the oracle: each test image's held-out sixth caption against its five references"
"$capeval" --references "$DATA/shapes-prep/references_test.json" --results "$DATA/shapes/oracle_test.json" \
  --json "$RUNS/oracle_scores_test.json"

echo
"$captioner" compare --runs "$RUNS/shapes" "$RUNS/shapes-blind" --out "$RUNS/quickstart"
python3 - "$RUNS" <<'PY'
import json, sys
runs = sys.argv[1]
def cider(path):
    with open(path) as f:
        return json.load(f)["corpus"]["CIDEr"]
model, blind = cider(f"{runs}/shapes/scores_test.json"), cider(f"{runs}/shapes-blind/scores_test.json")
oracle = cider(f"{runs}/oracle_scores_test.json")
print()
print("test CIDEr-D    captioner %.3f    blind baseline %.3f    oracle (held-out caption) %.3f" % (model, blind, oracle))
print("captioner / blind = %.1fx    captioner / oracle = %.0f%%" % (model / max(blind, 1e-9), 100 * model / oracle))
PY
echo
# The page to look at: scores beside the baseline and oracle, curves, captioned test images.
"$captioner" report --run "$RUNS/shapes"
