#!/usr/bin/env bash
# The synthetic benchmark, generated and prepared: what quickstart.sh and sweep.sh start from.
#   experiments/prepare_shapes.sh DATA TOKENIZER [synth options...]
# writes DATA/shapes (captioner synth) and DATA/shapes-prep (word tokenizer) or
# DATA/shapes-prep-bpe (TOKENIZER = bpe). Both commands do nothing when their output is
# complete and current. Environment: BUILD (build dir, default build).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 DATA word|bpe [synth options...]" >&2; exit 1; }
data=$1 tokenizer=$2
shift 2
captioner="${BUILD:-build}/apps/captioner"
"$captioner" synth --out "$data/shapes" "$@"
case "$tokenizer" in
  # The synthetic grammar has about a hundred words: a word-level vocabulary of all of them.
  word) out="$data/shapes-prep" tokenizer_args=(--tokenizer.model-type word --tokenizer.vocab-size 1000) ;;
  # Subword pieces for the tokenizer ablation: fewer pieces than words, so words split.
  bpe) out="$data/shapes-prep-bpe" tokenizer_args=(--tokenizer.model-type bpe --tokenizer.vocab-size 80) ;;
  *) echo "$0: tokenizer must be word or bpe, not '$tokenizer'" >&2; exit 1 ;;
esac
"$captioner" prepare --karpathy "$data/shapes/dataset_shapes.json" --images "$data/shapes/images" \
  --out "$out" "${tokenizer_args[@]}" --tokenizer.adjust-vocab-size
