#!/usr/bin/env bash
# Expected time per epoch of experiments/configs/coco_karpathy.ini on this machine, without
# COCO's images: trains that config for one short epoch on synthetic 224 x 224 images (the
# step time depends on the image size, the model and the caption lengths, not on what the
# pictures show) and scales captions/s to the Karpathy train split (566,747 captions).
#   bench/coco_step_time.sh [BUILD]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
work=$(mktemp -d /tmp/captioner_coco_step_time.XXXXXX)
trap 'rm -rf "$work"' EXIT
captioner="$BUILD/apps/captioner"
"$captioner" synth --out "$work/shapes" --count 1100 --val-count 50 --test-count 50 --image-size 224 >/dev/null
"$captioner" prepare --karpathy "$work/shapes/dataset_shapes.json" --images "$work/shapes/images" --out "$work/prep" \
  --image-size 224 --tokenizer.model-type word --tokenizer.adjust-vocab-size >/dev/null
"$captioner" train --config experiments/configs/coco_karpathy.ini --data.dir "$work/prep" --run.dir "$work/runs" \
  --run.name coco --train.epochs 1 --train.eval-images 10 --train.log-every 10 --train.warmup-steps 10 \
  >"$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
python3 - "$work/runs/coco/log.jsonl" <<'PY'
import json, sys
rates = [e["captions_per_second"] for e in map(json.loads, open(sys.argv[1])) if e["type"] == "train"][1:]
rate = sum(rates) / len(rates)
captions, batch = 566747, 64
print("coco_karpathy.ini: %.1f captions/s, %.2f s a step of %d, %d steps and %.1f hours an epoch"
      % (rate, batch / rate, batch, -(-captions // batch), captions / rate / 3600))
PY
