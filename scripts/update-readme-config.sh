#!/usr/bin/env bash
# Regenerates the README's config reference (between <!-- config-reference:begin --> and
# <!-- config-reference:end -->) from `captioner config-reference`, i.e. from the option
# definitions themselves. The unit test ReadmeConfigReference fails until this is rerun
# after an option changes.   scripts/update-readme-config.sh [BUILD_DIR (default build)]
set -euo pipefail
cd "$(dirname "$0")/.."
captioner="${1:-build}/apps/captioner"
[ -x "$captioner" ] || { echo "update-readme-config: $captioner is missing: build first" >&2; exit 1; }
reference=$(mktemp)
trap 'rm -f "$reference" README.md.tmp' EXIT
"$captioner" config-reference > "$reference"
python3 - "$reference" <<'PY'
import sys
begin, end = "<!-- config-reference:begin -->\n", "<!-- config-reference:end -->"
text = open("README.md", encoding="utf-8").read()
if begin not in text or end not in text:
    sys.exit("update-readme-config: README.md has no config-reference markers")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
with open("README.md.tmp", "w", encoding="utf-8") as out:
    out.write(head + begin + open(sys.argv[1], encoding="utf-8").read() + end + tail)
PY
mv README.md.tmp README.md
echo "update-readme-config: README.md's config reference regenerated"
