#!/usr/bin/env bash
# Makes the virtual environment with the reference implementation, pycocoevalcap 1.2
# from PyPI, that the parity suite and the benchmark run (default: build/oracle-venv).
# Safe to rerun: an environment that already has 1.2 is left alone.
set -euo pipefail

venv="${1:-build/oracle-venv}"
if [ -x "$venv/bin/python" ] &&
   "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("pycocoevalcap") != "1.2")' 2>/dev/null; then
  echo "setup-oracle: $venv has pycocoevalcap 1.2"
  exit 0
fi
if ! command -v java >/dev/null; then
  echo "setup-oracle: java not found (pycocoevalcap runs its tokenizer in Java); run scripts/install-deps.sh" >&2
  exit 1
fi
python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check pycocoevalcap==1.2; then
  echo "setup-oracle: could not install pycocoevalcap==1.2 from PyPI into $venv" >&2
  exit 1
fi
echo "setup-oracle: installed pycocoevalcap 1.2 into $venv"
