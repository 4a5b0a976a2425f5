#!/usr/bin/env bash
# Prove that a built app folder works on this machine; it does not build.
#
#   build_spec/smoke.sh [DIST_DIR]        (default: dist/covidxray, what build.sh makes)
#
# Makes its own inputs (a chest-like PNG, the same film as a JPEG 2000 DICOM, an old CPU's
# cpuinfo), then checks: the folder's contents and licences, the command line of both
# executables (info, classify with heat maps), the AVX refusal, and the window under xvfb-run
# (QT_QPA_PLATFORM=offscreen where xvfb-run is missing): model loaded, both files classified,
# heat map shown, clean exit. Last line: window_s=... first_prediction_s=... (seconds from
# process start). Exit status 1 if any check fails.
#
# Environment: SMOKE_PYTHON (a Python with numpy, Pillow, pydicom and pylibjpeg-openjpeg, to
# make the inputs), SMOKE_WINDOW_MAX (default 1 s), SMOKE_PREDICTION_MAX (default 2 s),
# SMOKE_FILM (a real frontal chest film to use; default: one from ../shared/data when it is there,
# else a drawn one, which the model's gate may refuse).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$(cd "${1:-$ROOT/dist/covidxray}" 2>/dev/null && pwd)" || { echo "smoke: no folder ${1:-$ROOT/dist/covidxray}; build it with build_spec/build.sh" >&2; exit 1; }
APP="$DIST/covidxray" CLI="$DIST/covidxray-cli" INTERNAL="$DIST/_internal"
WINDOW_MAX="${SMOKE_WINDOW_MAX:-1}" PREDICTION_MAX="${SMOKE_PREDICTION_MAX:-2}"
FILM="${SMOKE_FILM:-}"
if [ -z "$FILM" ] && [ -s "$ROOT/../shared/data/manifest.csv" ]; then
  FILM="$ROOT/../shared/data/$(awk -F, '$3 == "hannover" && $6 == "test" { print $1; exit }' "$ROOT/../shared/data/manifest.csv")"
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/covidxray-smoke.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# The app's per-user data, settings and log go to the throw-away folder, never the tester's own.
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_STATE_HOME="$WORK/state" XDG_CACHE_HOME="$WORK/cache"
export TF_CPP_MIN_LOG_LEVEL=2
failed=0
pass() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
has() { grep -q -- "$2" "$1"; }

# --- inputs -------------------------------------------------------------------------------
PY="${SMOKE_PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in "$ROOT/build/venv/bin/python" "$ROOT/.venv/bin/python" python3; do
    if "$candidate" -c "import numpy, PIL, pydicom, openjpeg" 2>/dev/null; then PY="$candidate"; break; fi
  done
fi
[ -n "$PY" ] || { echo "smoke: no Python with numpy, Pillow, pydicom and pylibjpeg-openjpeg to make the inputs (set SMOKE_PYTHON)" >&2; exit 1; }
"$PY" - "$WORK" "$FILM" <<'EOF' || { echo "smoke: could not make the inputs" >&2; exit 1; }
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, JPEG2000Lossless, SecondaryCaptureImageStorage, generate_uid

work, film = Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else ""
if film:  # a real frontal film: the gate lets it through, so the heat map can be checked
    img = np.asarray(Image.open(film).convert("L"), np.float64) / 255
else:  # a crude frontal chest film: bright body, two dark lung fields, a spine
    size, rng = 512, np.random.default_rng(1)
    y, x = np.mgrid[0:size, 0:size] / size
    body = np.exp(-(((x - 0.5) / 0.42) ** 6 + ((y - 0.55) / 0.5) ** 6))
    lungs = sum(np.exp(-(((x - cx) / 0.14) ** 2 + ((y - 0.45) / 0.25) ** 2)) for cx in (0.32, 0.68))
    spine = np.exp(-((x - 0.5) / 0.04) ** 2)
    img = np.clip(0.15 + 0.7 * body - 0.45 * lungs + 0.3 * spine + rng.normal(0, 0.02, (size, size)), 0, 1)
Image.fromarray((img * 255).round().astype(np.uint8), "L").save(work / "chest.png")

meta = FileMetaDataset()
meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds = FileDataset(str(work / "chest.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
ds.Modality, ds.PatientID, ds.ViewPosition = "DX", "SMOKE-0001", "PA"
ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
arr = (img * 4095).round().astype(np.uint16)
ds.Rows, ds.Columns = arr.shape
ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
ds.PixelData = arr.tobytes()
ds.compress(JPEG2000Lossless, arr, encoding_plugin="pylibjpeg")
ds.save_as(work / "chest.dcm", enforce_file_format=True)

(work / "old-cpuinfo").write_text(
    "processor\t: 0\nmodel name\t: Intel(R) Core(TM)2 Duo CPU E8400\n"
    "flags\t\t: fpu vme de pse tsc msr pae sse sse2 ssse3 sse4_1 lm\n")
EOF
PNG="$WORK/chest.png" DCM="$WORK/chest.dcm"
echo "inputs: chest.png and chest.dcm ($("$PY" -c "import pydicom, sys; print(pydicom.dcmread(sys.argv[1]).file_meta.TransferSyntaxUID.name)" "$DCM")), made with $PY"

# --- the folder -----------------------------------------------------------------------------
check "executables covidxray and covidxray-cli" test -x "$APP" -a -x "$CLI"
M="$INTERNAL/resources/models"
check "default model, its card, its light-runtime exports and the int8 probe bundled" test -s "$M/default.keras" \
  -a -s "$M/default.json" -a -s "$M/default.classifier.onnx" -a -s "$M/default.lungs.onnx" -a -s "$M/default.lungs_int8.onnx" \
  -a -s "$INTERNAL/resources/probes/int8_saturation.onnx"
check "desktop entry, icon, install.sh, LICENSE.txt" test -s "$DIST/covidxray.desktop" -a -s "$DIST/covidxray.png" -a -x "$DIST/install.sh" -a -s "$DIST/LICENSE.txt"
NOTICES="$INTERNAL/THIRD-PARTY-NOTICES.txt"
notices_ok() {
  [ -s "$NOTICES" ] || return 1
  local word
  for word in "MIT License" "PySide6" "GNU LESSER GENERAL PUBLIC LICENSE" "TensorFlow" "keras" "pydicom" \
              "pylibjpeg-openjpeg" "python-gdcm" "numpy" "pillow" "onnxruntime" "reportlab" "isal" \
              "Python Software Foundation" "research use" "Hannover" "Kermany" "JSRT" "ChestX-ray14" "OpenIST" \
              "Apache-2.0"; do
    grep -qi -- "$word" "$NOTICES" || { echo "      notices lack '$word'"; return 1; }
  done
}
check "third-party notices: project, Qt (LGPL text), every dependency, model data licences" notices_ok
no_gpl_or_dev() {
  local found
  found="$(cd "$INTERNAL" && find . \( -iname 'pylibjpeg_libjpeg*' -o -name 'libjpeg' -o -name '_libjpeg*' \
           -o -name 'jpeg_ls' -o -name '_CharLS*' -o -name 'libreadline*' -o -name 'pytest' -o -name '_pytest' \
           -o -name 'hypothesis' -o -name 'tensorboard' -o -name 'matplotlib' -o -name 'QtWebEngine*' \
           -o -name 'libQt6Qml*' -o -name 'libQt6Quick*' \) -print | head -5)"
  [ -z "$found" ] || { echo "      found: $found"; return 1; }
}
check "no GPL decoder, readline, test tool, TensorBoard, QML or WebEngine inside" no_gpl_or_dev
metadata_ok() {
  local d
  for d in pydicom pylibjpeg pylibjpeg_openjpeg python_gdcm; do
    compgen -G "$INTERNAL/$d-*.dist-info/METADATA" >/dev/null || { echo "      no $d metadata"; return 1; }
  done
  grep -q "pylibjpeg.pixel_data_decoders" "$INTERNAL"/pylibjpeg_openjpeg-*.dist-info/entry_points.txt
}
check "decoder plug-ins' package metadata and entry points collected" metadata_ok

# --- the command line -------------------------------------------------------------------------
"$CLI" --version > "$WORK/version.txt" 2>&1
check "covidxray-cli --version" has "$WORK/version.txt" "covidxray"
"$CLI" info > "$WORK/info.txt" 2>&1
info_ok() { has "$WORK/info.txt" "default@" && grep -q "JPEG 2000: .*pylibjpeg" "$WORK/info.txt" \
  && grep -q "saves its lung segmenter: in float" "$WORK/info.txt" \
  && ! grep -q "quantiser cannot be loaded\|probe could not be run" "$WORK/info.txt" \
  && grep -q "runs its lung segmenter: in" "$WORK/info.txt" \
  && grep -q "writes heat-map PNGs with: ISA-L" "$WORK/info.txt"; }
check "covidxray-cli info: the bundled model, pylibjpeg found for JPEG 2000, the int8 quantiser and probe, ISA-L load" info_ok
[ "$failed" = 0 ] || sed 's/^/      /' "$WORK/info.txt"

classify_with() {  # BINARY NAME: both inputs, CSV and heat maps
  local exe="$1" name="$2" out="$WORK/$2"
  mkdir -p "$out"
  "$exe" classify "$PNG" "$DCM" --csv "$out/rows.csv" --heatmaps "$out/heat" --db "$out/results.sqlite3" --quiet \
    > "$out/stdout.txt" 2> "$out/stderr.txt" || { echo "      exit $?: $(tail -3 "$out/stderr.txt")"; return 1; }
  "$PY" - "$out/rows.csv" <<'EOF'
import csv, sys
from pathlib import Path
from PIL import Image

rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 2, f"{len(rows)} rows"
for row in rows:
    assert row["status"] in ("ok", "rejected"), f"{Path(row['path']).name}: {row['status']} {row['message']}"
    if row["status"] == "ok":
        with Image.open(row["heatmap"]) as im:
            assert im.format == "PNG" and min(im.size) >= 128, row["heatmap"]
    print(f"      {Path(row['path']).name}: {row['status']} {row['label']} p_covid={row['p_covid']} "
          f"heat map {Path(row['heatmap']).name if row['heatmap'] else '-'} {row['message']}")
EOF
}
check "covidxray-cli classify PNG + JPEG 2000 DICOM, with heat maps" classify_with "$CLI" cli
check "covidxray (the windowed executable) classify, same results" classify_with "$APP" app
same_results() { diff <(cut -d, -f2-4 "$WORK/cli/rows.csv") <(cut -d, -f2-4 "$WORK/app/rows.csv") >/dev/null; }
check "both executables agree" same_results

refuses_old_cpu() {
  local rc=0
  COVIDXRAY_CPUINFO="$WORK/old-cpuinfo" timeout 60 "$CLI" train "$WORK" > /dev/null 2> "$WORK/avx.txt" || rc=$?
  [ "$rc" = 2 ] && has "$WORK/avx.txt" "AVX" && [ "$(wc -l < "$WORK/avx.txt")" = 1 ] || { echo "      exit $rc: $(cat "$WORK/avx.txt")"; return 1; }
}
check "no AVX: training refused with one line and exit 2, before TensorFlow loads" refuses_old_cpu
classifies_old_cpu() {  # classifying needs no TensorFlow, so an old CPU still classifies
  COVIDXRAY_CPUINFO="$WORK/old-cpuinfo" timeout 120 "$CLI" classify "$PNG" --db "$WORK/old.sqlite3" --quiet \
    > "$WORK/old.csv" 2> "$WORK/old.txt" && grep -q "chest.png" "$WORK/old.csv"
}
check "no AVX: classifying still works (ONNX Runtime, no TensorFlow)" classifies_old_cpu

# --- the window -------------------------------------------------------------------------------
cat > "$WORK/launch.sh" <<'EOF'
#!/usr/bin/env bash
# Run the window once; stamp each stderr line with the seconds since process start.
out="$1"; shift
t0=$(date +%s.%N)
COVIDXRAY_TIMING=1 timeout 180 "$@" 2>&1 >"$out.out" | while IFS= read -r line; do
  printf '%s %s\n' "$(awk -v now="$(date +%s.%N)" -v t0="$t0" 'BEGIN { printf "%.3f", now - t0 }')" "$line"
done > "$out.err"
echo "${PIPESTATUS[0]}" > "$out.rc"
EOF
if command -v xvfb-run >/dev/null; then
  how="xvfb-run"
  display() { xvfb-run -a -s "-screen 0 1366x900x24" "$@"; }
else
  how="QT_QPA_PLATFORM=offscreen"
  echo "note: xvfb-run is not installed: the window runs with QT_QPA_PLATFORM=offscreen (no X server)"
  display() { QT_QPA_PLATFORM=offscreen "$@"; }
fi
stamp() { awk -v key="$2=" 'index($2, key) == 1 { printf "%.2f", $1; exit }' "$1"; }
own() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
window_ok() {
  [ "$rc" = 0 ] || { echo "      exit status $rc"; return 1; }
  [ -n "$w" ] || { echo "      no window_shown_s line"; return 1; }
  [ -n "$f" ] || { echo "      no first_prediction_s line"; return 1; }
}
clean_exit() { ! grep -Eq "Traceback|\[PYI-[0-9]+:ERROR\]|QThread: Destroyed|Segmentation|Fatal Python|^[0-9.]+ covidxray: " "$1"; }
no_leftovers() {  # decoder workers and multiprocessing's tracker go with the app
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    pgrep -f "^$APP" >/dev/null || return 0
    sleep 0.3
  done
  echo "      still running: $(pgrep -af "^$APP" | head -3)"
  return 1
}
heat_shown() {
  [ -s "$1" ] || { echo "      no screenshot"; return 1; }
  "$PY" - "$1" <<'PYTHON'
import sys
import numpy as np
from PIL import Image

# The film is grey; the heat map is orange (COVID-19 evidence) or blue (Normal) over it. Count
# those pixels inside the viewer's picture (the right part of the window, left of its caption):
# the table's blue selection lies to the left, the legend's colour bar (~1,800 px) to the right.
with Image.open(sys.argv[1]) as im:
    size, hsv = im.size, np.asarray(im.convert("RGB").convert("HSV")).astype(float)
w = hsv.shape[1]
hsv = hsv[:, int(w * 0.6):int(w * 0.84)]
h, s, v = hsv[..., 0] * 360 / 255, hsv[..., 1] / 255, hsv[..., 2] / 255
coloured = ((h > 10) & (h < 45)) | ((h > 185) & (h < 220))
n = int((coloured & (s > 0.25) & (v > 0.2)).sum())
print(f"      screenshot {size[0]}x{size[1]}: {n} heat-map-coloured pixels in the viewer")
sys.exit(0 if n > 1500 else 1)
PYTHON
}
# Two starts: the functional checks hold for each; the timings are the faster start's (other
# load on the machine only ever slows a start down).
window_s="" first_s=""
for run in 1 2; do
  out="$WORK/gui$run"
  display bash "$WORK/launch.sh" "$out" "$APP" gui "$PNG" "$DCM" --db "$out.sqlite3" --screenshot "$out.png"
  rc="$(cat "$out.rc" 2>/dev/null || echo none)"
  w="$(stamp "$out.err" window_shown_s)" f="$(stamp "$out.err" first_prediction_s)"
  echo "start $run: window ${w:-none} s, first prediction ${f:-none} s after process start" \
       "(the app's own count from package import: $(own "$out.err" window_shown_s), $(own "$out.err" first_prediction_s))"
  before="$failed"
  check "window ($how): shown, default model loaded, both files classified, exit 0" window_ok
  check "window: no traceback, crash or error on the way out" clean_exit "$out.err"
  check "window: no worker process left behind" no_leftovers
  check "window: screenshot with the heat map over the first film" heat_shown "$out.png"
  if [ "$failed" != "$before" ]; then
    echo "--- window stderr (seconds since start) ---"; sed 's/^/  /' "$out.err" | tail -25
    break
  fi
  if [ -z "$first_s" ] || awk -v a="$f" -v b="$first_s" 'BEGIN { exit !(a < b) }'; then
    window_s="$w" first_s="$f"
  fi
done
in_time() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'; }
check "window shown within ${WINDOW_MAX} s of process start (${window_s:-none} s)" in_time "$window_s" "$WINDOW_MAX"
check "first prediction within ${PREDICTION_MAX} s of process start (${first_s:-none} s)" in_time "$first_s" "$PREDICTION_MAX"

if [ "$failed" = 0 ]; then echo "smoke: all checks passed on $DIST"; else echo "smoke: some checks FAILED on $DIST"; fi
echo "window_s=${window_s:-none} first_prediction_s=${first_s:-none}"
exit $((failed > 0))
