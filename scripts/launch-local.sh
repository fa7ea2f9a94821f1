#!/usr/bin/env bash
# Starts N local processes of a data-parallel command, like `torchrun --standalone
# --nproc-per-node N`: each gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE and the
# rendezvous MASTER_ADDR=127.0.0.1, MASTER_PORT (a free port unless MASTER_PORT is set).
# When one process fails, the others are stopped and the script exits with its code;
# it exits 0 when every process did.
#
#   scripts/launch-local.sh 2 -- build/apps/captioner train --config experiments/shapes.ini
set -uo pipefail

usage() {
  echo "usage: $0 N -- COMMAND [ARGS...]   (N >= 1 local processes)" >&2
  exit 2
}
[ $# -ge 3 ] && [ "$2" = "--" ] || usage
count=$1
shift 2
[[ "$count" =~ ^[1-9][0-9]*$ ]] || usage

port=${MASTER_PORT:-}
if [ -z "$port" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || {
    echo "$0: cannot find a free port (set MASTER_PORT)" >&2
    exit 1
  }
fi

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  # Whatever ignores TERM for 5 s is killed.
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && return
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
}
trap 'stop_all; exit 130' INT TERM

for ((rank = 0; rank < count; ++rank)); do
  RANK=$rank WORLD_SIZE=$count LOCAL_RANK=$rank LOCAL_WORLD_SIZE=$count \
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port "$@" &
  pids+=($!)
done

remaining=$count
while [ $remaining -gt 0 ]; do
  finished=""
  wait -n -p finished "${pids[@]}"
  code=$?
  [ -n "$finished" ] || continue  # a signal interrupted the wait
  remaining=$((remaining - 1))
  if [ $code -ne 0 ]; then
    for ((rank = 0; rank < count; ++rank)); do
      [ "${pids[$rank]}" = "$finished" ] && echo "$0: rank $rank exited with code $code; stopping the others" >&2
    done
    stop_all
    wait 2>/dev/null
    exit $code
  fi
done
exit 0
