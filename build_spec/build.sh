#!/usr/bin/env bash
# Build the Linux app: dist/covidxray/ (one folder, two executables) and its archive
# dist/covidxray-<version>-linux-<arch>.tar.xz, with a .desktop entry, an icon and install.sh.
#
#   build_spec/build.sh [--python PY] [--gz] [--no-archive]
#
# --python PY   build with this interpreter's environment (it must have the app's dependencies;
#               PyInstaller is added if missing). Default: a clean build venv in build/venv,
#               made from pyproject.toml's dependencies only, so no test tool can slip in.
# --gz          .tar.gz instead of .tar.xz (xz -1 is 25 % smaller than gzip and about as fast).
# --no-archive  the folder only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY="" FORMAT=xz ARCHIVE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --python) PY="$2"; shift 2 ;;
    --gz) FORMAT=gz; shift ;;
    --no-archive) ARCHIVE=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off
started=$(date +%s)

# Only the app's own dependencies (no test extras), read from pyproject.toml.
deps() {
  "$1" - <<'EOF'
import tomllib
for dep in tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]:
    print(dep)
EOF
}
BUILD_TOOLS=("pyinstaller>=6.10,<7" "pyinstaller-hooks-contrib>=2024.8")

if [ -z "$PY" ]; then
  VENV="build/venv"
  BASE="$(command -v python3.11 || command -v python3)"
  stamp="$({ cat pyproject.toml; echo "${BUILD_TOOLS[*]}"; } | sha256sum | cut -c1-16)"
  if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "build.sh: making the build environment $VENV from $BASE"
    rm -rf "$VENV"
    "$BASE" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    deps "$VENV/bin/python" > build/requirements.txt
    "$VENV/bin/python" -m pip install -q -r build/requirements.txt "${BUILD_TOOLS[@]}"
    echo "$stamp" > "$VENV/.stamp"
  fi
  PY="$VENV/bin/python"
else
  "$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q "${BUILD_TOOLS[@]}"
fi
echo "build.sh: $("$PY" -c 'import sys, PyInstaller; print("Python", sys.version.split()[0], "PyInstaller", PyInstaller.__version__)')"

VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' covidxray_desktop/__init__.py)"
ARCH="$(uname -m)"
APP="dist/covidxray"
t0=$(date +%s)
nice -n 10 "$PY" -m PyInstaller --noconfirm --log-level WARN \
  --workpath build/pyinstaller --distpath dist build_spec/covidxray.spec
t1=$(date +%s)

# What a person or a desktop looks for at the top of the folder.
cp LICENSE "$APP/LICENSE.txt"
cp "$APP/_internal/THIRD-PARTY-NOTICES.txt" "$APP/THIRD-PARTY-NOTICES.txt"
cp build_spec/covidxray.desktop "$APP/covidxray.desktop"
cp build_spec/icon.png "$APP/covidxray.png"
cp build_spec/install.sh "$APP/install.sh"
chmod +x "$APP/install.sh"

archive=""
if [ "$ARCHIVE" = 1 ]; then
  archive="dist/covidxray-$VERSION-linux-$ARCH.tar.$FORMAT"
  rm -f "dist/covidxray-$VERSION-linux-$ARCH.tar."*
  # Root's and read-only to others: "sudo tar -x" restores what the archive says, and a builder's own
  # user (often a clinic PC's first user) must not own, nor a loose umask open, what everyone runs.
  pack() { tar -C dist --owner=0 --group=0 --numeric-owner --mode=go-w -cf - covidxray; }
  if [ "$FORMAT" = xz ]; then
    # -1: measured 268 MB in 24-80 s here, against gzip -6: 358 MB in 41 s, and xz -6: 250 MB in 6 min.
    pack | nice -n 10 xz -1 -T0 > "$archive"
  else
    pack | nice -n 10 gzip -6 > "$archive"
  fi
fi
t2=$(date +%s)

mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
folder_bytes=$(du -sb "$APP" | cut -f1)
echo
echo "built covidxray $VERSION in $((t2 - started)) s (PyInstaller $((t1 - t0)) s, archive $((t2 - t1)) s)"
echo "folder:  $APP  $(mb "$folder_bytes")"
[ -n "$archive" ] && echo "archive: $archive  $(mb "$(stat -c %s "$archive")")"
echo "largest parts:"
(cd "$APP/_internal" && du -sb -- * | sort -rn | head -6 || true) | while read -r bytes name; do
  printf "  %8s  %s\n" "$(mb "$bytes")" "$name"
done
if command -v objdump >/dev/null; then
  glibc=$(find "$APP" -type f \( -name '*.so*' -o -name covidxray -o -name covidxray-cli \) -exec objdump -T {} + 2>/dev/null \
    | grep -o 'GLIBC_[0-9.]*' | sort -V -u | tail -1 || true)
  echo "the target needs: ${glibc/_/ } or newer (as on the build machine), libgl1, libegl1, fontconfig, fonts"
fi
