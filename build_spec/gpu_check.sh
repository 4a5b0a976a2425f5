#!/usr/bin/env bash
# The whole `train` command on a GPU machine, once under JAX and once under PyTorch, timed, with
# the GPU's busy share sampled meanwhile; writes the README's GPU timing rows as JSON.
#
# Prepare on a PC (from the project root): bash ../shared/tools/gpu_pack.sh 224   (makes .gpu/:
# the wheels the GPU image lacks and the shared data at 224 px). Then, on the GPU machine, from
# the project root with .gpu/ carried along:
#     bash build_spec/gpu_check.sh [OUT_DIR]        (OUT_DIR default: gpu-check)
# Needs: python3 with jax[cuda] and torch (CUDA) installed, nvidia-smi. About 6-10 minutes.
set -uo pipefail
OUT="${1:-gpu-check}"
mkdir -p "$OUT"
SITE="$OUT/site"
if [ -d .gpu/whl ]; then
  python3 -m pip install -q --no-index --no-deps --target "$SITE" .gpu/whl/*.whl
fi
DATA="${DATA:-.gpu/data/manifest.csv}"
export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/gpu.txt" 2>&1 || true

for backend in jax torch; do
  # GPU busy share, sampled every 0.5 s while the command runs
  nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 500 > "$OUT/$backend.util" 2>/dev/null &
  sampler=$!
  start=$(date +%s.%N)
  KERAS_BACKEND=$backend python3 -m covidxray_desktop train "$DATA" --epochs 16 --out "$OUT/models" \
    --name "gpu-$backend" --overwrite > "$OUT/$backend.out" 2> "$OUT/$backend.err"
  rc=$?
  end=$(date +%s.%N)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  echo "$backend $rc $start $end" >> "$OUT/runs.txt"
done

python3 - "$OUT" <<'PY'
import json, os, re, sys
out = sys.argv[1]
rows = []
for line in open(os.path.join(out, "runs.txt")):
    backend, rc, start, end = line.split()
    err = open(os.path.join(out, f"{backend}.err"), errors="replace").read()
    util = [float(v) for v in open(os.path.join(out, f"{backend}.util")).read().split() if v.replace(".", "").isdigit()]
    stamps = [(float(t), m) for t, m in re.findall(r"\[\s*(\d+) s\] ([^\n\r]*)", err)]
    def at(prefix):  # seconds since start when the first message with this prefix appeared
        return next((t for t, m in stamps if m.startswith(prefix)), None)
    epochs = [float(s) for s in re.findall(r"epoch \d+/\d+ loss .*?\((\d+) s,", err)]
    card_path = os.path.join(out, "models", f"gpu-{backend}.json")
    card = json.load(open(card_path)) if os.path.exists(card_path) else {}
    after = at("calibrating")
    saved = at("saved")
    rows.append({
        "backend": backend, "exit_code": int(rc), "whole_train_s": round(float(end) - float(start), 1),
        "device": card.get("training", {}).get("device"), "precision": card.get("training", {}).get("precision"),
        "epochs_s": round(sum(epochs), 1), "seconds_per_epoch": round(sum(epochs) / len(epochs), 2) if epochs else None,
        "post_epoch_s": (saved - after) if after is not None and saved is not None else None,
        "gpu_busy_mean_pct": round(sum(util) / len(util), 1) if util else None,
        "val_auc": card.get("metrics", {}).get("val", {}).get("auc"),
        "test_auc": card.get("metrics", {}).get("test", {}).get("auc"),
        "warnings_on_stderr": [l for l in err.splitlines() if re.search(r"warn", l, re.I)][:10],
        "targets": {"whole_train_s": 60 if backend == "jax" else 90, "gpu_busy_mean_pct": 50, "post_epoch_s": 15},
    })
json.dump({"gpu": open(os.path.join(out, "gpu.txt")).read().strip(), "rows": rows},
          open(os.path.join(out, "gpu_timings.json"), "w"), indent=1)
print(json.dumps(rows, indent=1))
PY
