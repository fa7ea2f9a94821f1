#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: builds the libFuzzer targets (tests/fuzz, clang, in build-fuzz)
# and runs each for SECONDS (default 60). Exits non-zero on any finding: a crash, a
# sanitizer report, a leak, a timeout (10 s for one input), memory over 2 GB, or an
# exception the parser does not document. Prints executions per second and in total per
# target; logs, corpora and the inputs of findings stay in build-fuzz/fuzz/<target>/.
#
# Environment: CAPTIONER_FUZZ_TARGETS (space-separated names, default all),
# CAPTIONER_FUZZ_NO_BUILD=1 (run what build-fuzz has, e.g. several runs side by side),
# CAPTIONER_SHARED_DATA (default ../shared/data) and CAPTIONER_METEOR_DATA (default
# build/meteor-data), from which extra seeds are sliced at run time when they exist.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS]  (seconds per target, default 60)" >&2
  exit 2
fi
build=build-fuzz
for tool in clang clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (scripts/install-deps.sh installs it)" >&2; exit 2; }
done

if [ "${CAPTIONER_FUZZ_NO_BUILD:-0}" != 1 ]; then
  echo "== building the fuzz targets in $build"
  build_start=$SECONDS
  mkdir -p "$build"
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCAPTIONER_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCAPTIONER_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
  cmake --build "$build" -j"$(nproc)" --target captioner_fuzzers
  echo "built in $((SECONDS - build_start)) s"
fi

mkdir -p "$build/fuzz"
seeds=$(mktemp -d "$build/fuzz/shared-seeds.XXXXXX")
trap 'rm -rf "$seeds"' EXIT
python3 tests/fuzz/shared_seeds.py "$seeds" --shared-data "${CAPTIONER_SHARED_DATA:-../shared/data}" \
  --meteor-data "${CAPTIONER_METEOR_DATA:-build/meteor-data}"

all_targets=$(cd tests/fuzz && ls -1 *_fuzzer.cc | sed 's/_fuzzer\.cc$//')
targets="${CAPTIONER_FUZZ_TARGETS:-$all_targets}"

# Per target: the largest input (-max_len) and its dictionary.
max_len_of() {
  case "$1" in
    image_decode) echo 65536 ;;
    *) echo 8192 ;;
  esac
}
dict_of() {
  case "$1" in
    coco_*|karpathy_split|checkpoint_state) echo tests/fuzz/dict/json.dict ;;
    encoder_spec) echo tests/fuzz/dict/encoder_spec.dict ;;
    config_ini) echo tests/fuzz/dict/config_ini.dict ;;
    flickr8k|ptb_tokenizer|meteor_*) echo tests/fuzz/dict/text.dict ;;
  esac
}

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
findings=()
summary=()
total_execs=0
for target in $targets; do
  binary="$build/tests/fuzz/${target}_fuzzer"
  [ -x "$binary" ] || { echo "fuzz.sh: no target $target ($binary)" >&2; exit 2; }
  work="$build/fuzz/$target"
  rm -rf "$work/findings"  # this run's findings only (the corpus carries over)
  mkdir -p "$work/corpus" "$work/findings"
  corpora=("$work/corpus" "tests/fuzz/corpus/$target")
  [ -d "$seeds/$target" ] && corpora+=("$seeds/$target")
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 -max_len="$(max_len_of "$target")"
           -print_final_stats=1 -artifact_prefix="$work/findings/")
  dict=$(dict_of "$target")
  [ -n "$dict" ] && options+=(-dict="$dict")
  echo "== $target: ${seconds} s"
  status=0
  "$binary" "${options[@]}" "${corpora[@]}" >"$work/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/log" | tail -1)
  total_execs=$((total_execs + ${execs:-0}))
  if [ "$status" -ne 0 ] || grep -q -E "^(==[0-9]+==ERROR|SUMMARY: |.*runtime error: )" "$work/log"; then
    findings+=("$target")
    echo "FINDING in $target (exit $status); log: $work/log; input(s): $(ls "$work/findings" | tr '\n' ' ')"
    grep -E "ERROR|runtime error|FUZZ_CHECK|terminate|SUMMARY|what\(\)" "$work/log" | head -20
  fi
  summary+=("$(printf '%-20s %12s %10s %8s' "$target" "${execs:-?}" "${rate:-?}" "${rss:-?}")")
done

echo
echo "== fuzzing summary (${seconds} s per target)"
printf '%-20s %12s %10s %8s\n' target executions execs/s rss_MB
printf '%s\n' "${summary[@]}"
echo "total executions: $total_execs"
if [ ${#findings[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${findings[*]}" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
