"""Give a saved bundle the int8 lung segmenter that training now exports, without retraining.

Usage: python docs/model/int8_lungs.py MANIFEST BUNDLE [--rounds R] [--json OUT]

Exports the bundle's segmenter again as training's finish does (export.light; the classifier's
export is kept as it is): the first 64 validation films of the split it was trained on are the
parity films, every other one of them sets the int8 segmenter's activation ranges and the rest
check its masks against Keras. Then, on
the test split: how much of each film's lung mask the int8 export gives as the float one did
(median and lowest share of pixels, and films below 99 %), Dice of both on the films with lung
masks, per source, and the segmenter's milliseconds a film, float and int8 alternating, R
rounds, in runs of the app's chunk size (medians). The gate was fitted on the float masks: refit
it next (`refit_gate.py`). Needs TensorFlow and the `onnx` package (installed with tf2onnx); a
bundle whose segmenter is int8 already, or has no export, is refused.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.bench import ms_per_film
from covidxray_desktop.model.bundle import export_runtime, load
from covidxray_desktop.model.lungs import segmenter_input
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.runtime import OnnxPart
from covidxray_desktop.training.evaluate import decoded_as_trained
from covidxray_desktop.training.lungs import mean_dice


def convert(manifest: Path, bundle_path: str, rounds: int) -> dict:
    bundle = load(bundle_path, keras=True)
    lungs = (bundle.card.get("runtime") or {}).get("lungs")
    if not lungs or lungs.get("precision") == "int8":
        sys.exit(f"{bundle_path}: needs a bundle whose segmenter has a float export (this one has "
                 f"{'an int8 one' if lungs else 'none'})")
    decoded, _ = decoded_as_trained(manifest, bundle, splits=("val", "test"))
    before = Network(bundle, runtime="onnx")
    float_lungs = OnnxPart(bundle.part_bytes("lungs"))
    done = export_runtime(bundle, {"lungs": before.parity_inputs(decoded["val"].first[:64])["lungs"]},
                          keep={"classifier": bundle.part_bytes("classifier")})
    precision = done.card["runtime"]["lungs"]["precision"]
    after = Network(done, runtime="onnx")
    first = np.asarray(decoded["test"].first, np.float32)
    old, new = before.masks(first), after.masks(first)
    agree = (old == new).reshape(len(first), -1).mean(axis=1)
    names = ("float32", "new export, " + precision)
    dice = {}
    test, has = decoded["test"], decoded["test"].has_mask
    if has is not None and has.any():
        sources = np.array([s.source for s in test.samples])[has]
        for name, masks in zip(names, (old, new)):
            dice[name] = {source: round(mean_dice(masks[has][sources == source], test.masks[has][sources == source]), 4)
                          for source in sorted(set(sources))}
    x = np.stack([segmenter_input(b) for b in first])[..., None]
    timed = dict(zip(names, (float_lungs, OnnxPart(done.part_bytes("lungs")))))
    times = {name: [] for name in timed}
    for _ in range(rounds):  # alternating
        for name, part in timed.items():
            times[name].append(ms_per_film(part, x))
    return {"model": done.ident, "lungs_precision": precision, "test_films": len(first),
            "mask_agreement": {"median": round(float(np.median(agree)), 5), "lowest": round(float(agree.min()), 5),
                               "films_below_0.99": int((agree < 0.99).sum())},
            "test_dice": dice,
            "segmenter_ms_per_film": {k: round(statistics.median(v), 2) for k, v in times.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("bundle")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = json.dumps(convert(args.manifest, args.bundle, args.rounds), indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
