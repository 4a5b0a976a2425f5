#!/usr/bin/env bash
# The README's pictures, taken from the real window under a virtual X server (Debian: apt install xvfb).
# Usage: bash docs/screenshots.sh [DATA_DIR]   (default: ../shared/data, the project's shared X-rays)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${1:-../shared/data}"
PY="${PYTHON:-.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"  # a first start: default layout
# A few films of the test split (unseen patients), COVID-19 first: the first row shows its heat map.
mapfile -t files < <("$PY" - "$DATA" <<'PY'
import csv, sys
from pathlib import Path
data = Path(sys.argv[1])
rows = [r for r in csv.DictReader(open(data / "manifest.csv")) if r["split"] == "test"]
want = {"hannover": 2, "ieee8023": 2, "kermany_darshan": 2, "rsna_via_covid19radiography": 2, "nih_darkcovidnet": 2}
for source, n in want.items():
    for r in [r for r in rows if r["source"] == source][:n]:
        print(data / r["file"])
PY
)
# Copies in a folder of their own: the table shows where films live, not where this checkout is.
mkdir -p "$work/Radiology/ward 3"
for f in "${files[@]}"; do cp "$f" "$work/Radiology/ward 3/"; done
mapfile -t files < <(for f in "${files[@]}"; do echo "$work/Radiology/ward 3/$(basename "$f")"; done)
shoot() {  # output, extra arguments
  local out=$1; shift
  xvfb-run -a -s "-screen 0 1400x900x24" "$PY" -m covidxray_desktop gui "${files[@]}" \
    --db "$work/$(basename "$out").sqlite3" --screenshot "$out" "$@"  # a store each: fresh rows
  echo "wrote $out"
}
shoot docs/screenshots/main.png --lang en
shoot docs/screenshots/main_zh_CN.png --lang zh_CN
xvfb-run -a -s "-screen 0 1400x900x24" env PYTHONPATH=. "$PY" docs/screenshot_training.py "$DATA" docs/screenshots/training.png
echo "wrote docs/screenshots/training.png"
