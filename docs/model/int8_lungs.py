"""Give a saved bundle the int8 lung segmenter export that training saves beside the float one.

Usage: python docs/model/int8_lungs.py MANIFEST BUNDLE [--rounds R] [--json OUT]

Exports the bundle's segmenter again as training's finish does (export.light; the classifier's
export is kept as it is): the first 64 validation films of the split it was trained on are the
parity films, every other one of them sets the int8 segmenter's activation ranges and the rest
check its masks against Keras. A bundle whose one export is int8 (saved before the float one was
kept beside it) keeps it, its gate's, and gets a float one. Then, on
the test split: how much of each film's lung mask the int8 export gives as the float one does
(median and lowest share of pixels, and films below 99 %), Dice of both on the films with lung
masks, per source, and the segmenter's milliseconds a film, float and int8 alternating, R
rounds, in runs of the app's chunk size (medians); on a processor whose int8 arithmetic
saturates (runtime.int8_exact) these are not the app's int8 masks, and it says so. A gate fitted
on the float masks: refit it next (`refit_gate.py`). Needs TensorFlow and the `onnx` package
(installed with tf2onnx); a bundle with both exports already, or none, is refused.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.bench import ms_per_film
from covidxray_desktop.model.bundle import export_runtime, load
from covidxray_desktop.model.lungs import predict, segmenter_input
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.runtime import INT8_LUNGS, OnnxPart, int8_exact
from covidxray_desktop.training.evaluate import decoded_as_trained
from covidxray_desktop.training.lungs import mean_dice


def convert(manifest: Path, bundle_path: str, rounds: int) -> dict:
    bundle = load(bundle_path, keras=True)
    runtime = bundle.card.get("runtime") or {}
    if "lungs" not in runtime or INT8_LUNGS in runtime:
        sys.exit(f"{bundle_path}: needs a bundle whose segmenter has one export (this one has "
                 f"{'both' if runtime.get('lungs') else 'none'})")
    if not int8_exact():
        if runtime["lungs"]["precision"] != "int8":  # before anything is written
            sys.exit(f"{bundle_path}: this processor's int8 arithmetic saturates, so an int8 copy cannot be checked "
                     f"here; run this where `covidxray info` says it is exact")
        print("this processor's int8 arithmetic saturates: the int8 export is compared as it runs here, "
              "not as it runs where the app uses it", file=sys.stderr)
    decoded, _ = decoded_as_trained(manifest, bundle, splits=("val", "test"))
    before = Network(bundle, runtime="onnx")
    # A bundle whose one export is int8 (saved before float was kept beside it) keeps that one: its gate
    # was fitted on its masks; the float one is made anew. A float-only bundle gets its int8 copy made.
    keep = {"classifier": bundle.part_bytes("classifier")}
    if runtime["lungs"]["precision"] == "int8":
        keep.update(bundle.lung_exports())
    done = export_runtime(bundle, {"lungs": before.parity_inputs(decoded["val"].first[:64])["lungs"]}, keep=keep)
    if INT8_LUNGS not in done.card["runtime"]:
        sys.exit(f"{done.ident}: no int8 export was kept (see the log); the bundle's segmenter stays float")
    float_lungs, int8_lungs = (OnnxPart(done.part_bytes(part)) for part in ("lungs", INT8_LUNGS))
    first = np.asarray(decoded["test"].first, np.float32)
    old, new = (predict(part.run, first) for part in (float_lungs, int8_lungs))
    agree = (old == new).reshape(len(first), -1).mean(axis=1)
    names = ("float32", "int8")
    dice = {}
    test, has = decoded["test"], decoded["test"].has_mask
    if has is not None and has.any():
        sources = np.array([s.source for s in test.samples])[has]
        for name, masks in zip(names, (old, new)):
            dice[name] = {source: round(mean_dice(masks[has][sources == source], test.masks[has][sources == source]), 4)
                          for source in sorted(set(sources))}
    x = np.stack([segmenter_input(b) for b in first])[..., None]
    timed = dict(zip(names, (float_lungs, int8_lungs)))
    times = {name: [] for name in timed}
    for _ in range(rounds):  # alternating
        for name, part in timed.items():
            times[name].append(ms_per_film(part, x))
    return {"model": done.ident, "int8_exact_here": int8_exact(), "test_films": len(first),
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
