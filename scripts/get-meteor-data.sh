#!/usr/bin/env bash
# Gets the data METEOR 1.5 reads for English into DIR, once, for capeval's METEOR:
# the function words, non-breaking prefixes and WordNet synonym files from inside the
# meteor-1.5.jar of pycocoevalcap 1.2, and its paraphrase table paraphrase-en.gz.
#
#   scripts/get-meteor-data.sh [DIR] [--from-venv VENV]
#
# DIR defaults to capeval's default folder, ${XDG_DATA_HOME:-~/.local/share}/captioner/meteor-1.5.
# With --from-venv the files come from a virtual environment that has pycocoevalcap 1.2
# (such as the parity suite's oracle, scripts/setup-oracle.sh); otherwise from the
# pycocoevalcap 1.2 wheel on PyPI (pip download, about 100 MB). Every file's SHA-256 is
# checked, and DIR appears whole or not at all (built in a temporary folder, then renamed).
set -euo pipefail

dir=""
venv=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from-venv) venv="${2:?--from-venv needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) [ -z "$dir" ] || { echo "get-meteor-data: one DIR only" >&2; exit 1; }; dir="$1"; shift ;;
  esac
done
dir="${dir:-${XDG_DATA_HOME:-$HOME/.local/share}/captioner/meteor-1.5}"

# What METEOR 1.5 for pycocoevalcap 1.2 reads, and their SHA-256.
expected="2ae0d5b8c29e2993a0f442b065b946d1a17fbfe8538e66bf5931c4a248cf4c3a  function/english.words
bd909f364224748976f9b8b7cdeb4f9be3bf7c8e66a10f1ed268b12d904ab876  nonbreaking/english.prefixes
20b7cf6ae1cba2395d714d8c2ec2992e88c6d1c75c7c30aa480c6a2a9bb8fef9  synonym/english.synsets
5feb8fcb5b349d035df1a448149c2ccc860bf32e4b9eea8c8e4f113e90a5a962  synonym/english.exceptions
c147ac7d2c91f2fbb3ad31e4b352235061eb83145e0434daf217ee9ca5975f48  paraphrase-en.gz"

if [ -d "$dir" ] && (cd "$dir" && sha256sum --quiet --check <<<"$expected" >/dev/null 2>&1); then
  echo "get-meteor-data: $dir already has METEOR 1.5's data"
  exit 0
fi
if [ -e "$dir" ]; then
  echo "get-meteor-data: $dir exists but does not hold METEOR 1.5's data; remove it or give another DIR" >&2
  exit 1
fi
for tool in unzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "get-meteor-data: $tool not found (run scripts/install-deps.sh)" >&2; exit 1; }
done

parent="$(dirname "$dir")"
mkdir -p "$parent"
work="$(mktemp -d "$parent/.meteor-data.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [ -n "$venv" ]; then
  meteor="$(echo "$venv"/lib/python3*/site-packages/pycocoevalcap/meteor)"
  [ -f "$meteor/meteor-1.5.jar" ] || { echo "get-meteor-data: $venv has no pycocoevalcap/meteor/meteor-1.5.jar" >&2; exit 1; }
else
  command -v python3 >/dev/null || { echo "get-meteor-data: python3 not found" >&2; exit 1; }
  echo "get-meteor-data: downloading the pycocoevalcap 1.2 wheel from PyPI"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
       --dest "$work/wheel" pycocoevalcap==1.2; then
    echo "get-meteor-data: could not download pycocoevalcap==1.2 from PyPI" >&2
    exit 1
  fi
  unzip -q "$work"/wheel/pycocoevalcap-1.2-*.whl 'pycocoevalcap/meteor/*' -d "$work/wheel"
  meteor="$work/wheel/pycocoevalcap/meteor"
fi

out="$work/data"
mkdir -p "$out"
unzip -q "$meteor/meteor-1.5.jar" function/english.words nonbreaking/english.prefixes \
  synonym/english.synsets synonym/english.exceptions -d "$out"
cp "$meteor/data/paraphrase-en.gz" "$out/"
if ! (cd "$out" && sha256sum --quiet --check <<<"$expected"); then
  echo "get-meteor-data: the files do not have the expected SHA-256 (not pycocoevalcap 1.2's METEOR?)" >&2
  exit 1
fi
echo "$expected" >"$out/SHA256SUMS"
mv -T "$out" "$dir"
echo "get-meteor-data: METEOR 1.5's data is in $dir"
