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
for lang in en zh_CN; do
  xvfb-run -a -s "-screen 0 1440x900x24" env PYTHONPATH=. "$PY" docs/screenshots.py "$DATA" docs/screenshots "$lang"
done
echo "wrote $(ls docs/screenshots/*.png | tr '\n' ' ')"
