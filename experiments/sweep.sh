#!/usr/bin/env bash
# The ablations of the synthetic benchmark, trained, captioned and scored on test, then one
# table (captioner compare): best val and test scores of every run with the settings in
# which they differ, as markdown and CSV; and a beam-width sweep of the base run.
#   experiments/sweep.sh            # all runs: six trainings of ~9 minutes on 2 cores (the blind one ~1)
#   EPOCHS=2 experiments/sweep.sh   # shorter runs
# Environment: BUILD, DATA, RUNS as in quickstart.sh; EPOCHS overrides every run's epochs;
# BEAMS (default "1 3 5 10"); QUICK=1 (a few hundred images: a smoke test, not a result).
# Runs that exist are resumed (finished ones are left as they are).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
DATA=${DATA:-data}
RUNS=${RUNS:-runs}
BEAMS=${BEAMS:-1 3 5 10}
captioner="$BUILD/apps/captioner"
[ -x "$captioner" ] || { echo "sweep: $captioner is missing: build first (see README.md)" >&2; exit 1; }

synth_args=()
common=(--config experiments/configs/shapes.ini --run.dir "$RUNS")
if [ "${QUICK:-0}" = 1 ]; then
  synth_args=(--count 600 --val-count 100 --test-count 100)
  common+=(--train.epochs 1 --train.eval-images 50)
fi
[ -n "${EPOCHS:-}" ] && common+=(--train.epochs "$EPOCHS")

experiments/prepare_shapes.sh "$DATA" word "${synth_args[@]}"
experiments/prepare_shapes.sh "$DATA" bpe "${synth_args[@]}"

# name | prepared data | the ablation's config (empty: the base experiment)
sweep=(
  "shapes|shapes-prep|"
  "shapes-blind|shapes-prep|experiments/configs/ablations/blind.ini"
  "shapes-init-input|shapes-prep|experiments/configs/ablations/init_input.ini"
  "shapes-no-bow|shapes-prep|experiments/configs/ablations/no_bow.ini"
  "shapes-bpe|shapes-prep-bpe|experiments/configs/ablations/tokenizer_bpe.ini"
  "shapes-scratch|shapes-prep|experiments/configs/ablations/scratch_conv.ini"
)
run_dirs=()
for entry in "${sweep[@]}"; do
  IFS='|' read -r name data ablation <<<"$entry"
  echo "== $name"
  args=("${common[@]}")
  [ -n "$ablation" ] && args+=(--config "$ablation")
  "$captioner" train "${args[@]}" --data.dir "$DATA/$data" --run.name "$name"
  "$captioner" caption --run "$RUNS/$name" --split test --score
  run_dirs+=("$RUNS/$name")
done

echo "== beam widths on $RUNS/shapes"
beam_table="$RUNS/sweep_beams.md"
{
  echo "| beam | test Bleu_4 | test ROUGE_L | test CIDEr |"
  echo "| ---: | ---: | ---: | ---: |"
} >"$beam_table.tmp"
for beam in $BEAMS; do
  "$captioner" caption --run "$RUNS/shapes" --split test --decode.strategy beam --decode.beam "$beam" \
    --out "$RUNS/shapes/results_test_beam$beam.json" >/dev/null
  "$BUILD/apps/capeval" --references "$DATA/shapes-prep/references_test.json" \
    --results "$RUNS/shapes/results_test_beam$beam.json" --json "$RUNS/shapes/scores_test_beam$beam.json" >/dev/null
  python3 - "$RUNS/shapes/scores_test_beam$beam.json" "$beam" >>"$beam_table.tmp" <<'PY'
import json, sys
scores = json.load(open(sys.argv[1]))["corpus"]
print("| %s | %.3f | %.3f | %.3f |" % (sys.argv[2], scores["Bleu_4"], scores["ROUGE_L"], scores["CIDEr"]))
PY
done
mv "$beam_table.tmp" "$beam_table"

echo "== all runs"
"$captioner" compare --runs "${run_dirs[@]}" --out "$RUNS/sweep"
echo
cat "$beam_table"
echo "wrote $RUNS/sweep.md, $RUNS/sweep.csv and $beam_table"
