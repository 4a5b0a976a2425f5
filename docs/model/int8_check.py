"""What an int8 copy of a bundle's classifier would cost and buy: speed, ranking, answers.

Usage: python docs/model/int8_check.py MANIFEST BUNDLE [--calibration N] [--rounds R] [--json OUT]

Quantises the bundle's classifier export with ONNX Runtime's static quantisation (per channel,
QDQ, unsigned activations and signed weights: the fast path on x86), its activation ranges
calibrated on N validation films. Then, on the test split through the bundle's own lung view:
milliseconds a film of the classifier alone (float and int8 alternating, R rounds, medians, in
runs of the app's chunk size), test AUC of both, how far the int8 logits and pooled features
(what the gate and the shift test read) lie from the float ones, and the labels that change at
the card's default point, before and after calibration and the operating points are fitted
again on the int8 copy's validation logits. Needs the `onnx` package (installed with tf2onnx).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from covidxray_desktop.model import operating
from covidxray_desktop.model.bundle import load
from covidxray_desktop.model.calibration import fit_temperature, sigmoid
from covidxray_desktop.model.export import quantised
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.runtime import OnnxPart
from covidxray_desktop.training.evaluate import decoded_as_trained
from covidxray_desktop.training.metrics import auc


def views(network, decoded) -> np.ndarray:
    x = network.views(np.asarray(decoded.first, np.float32))
    return np.repeat(x, 3, axis=-1) if network.channels == 3 and x.shape[-1] == 1 else x


def check(manifest: Path, bundle_path: str, n_calibration: int, rounds: int) -> dict:
    bundle = load(bundle_path)
    decoded, _ = decoded_as_trained(manifest, bundle, splits=("val", "test"))
    network = Network(bundle, runtime="onnx")
    x = {split: views(network, decoded[split]) for split in ("val", "test")}
    y = {split: np.array([s.label for s in decoded[split].samples]) for split in ("val", "test")}
    sources = {split: [s.source for s in decoded[split].samples] for split in ("val", "test")}
    pick = np.random.default_rng(0).choice(len(x["val"]), min(n_calibration, len(x["val"])), replace=False)
    parts = {"float": OnnxPart(bundle.part_bytes("classifier")),
             "int8": OnnxPart(quantised(bundle.part_bytes("classifier"), x["val"][np.sort(pick)]))}
    times = {name: [] for name in parts}
    for _ in range(rounds):
        for name, part in parts.items():
            start = time.perf_counter()
            part.run(x["test"])
            times[name].append((time.perf_counter() - start) * 1000 / len(x["test"]))
    out = {name: {split: part.run(x[split]) for split in ("val", "test")} for name, part in parts.items()}
    z = {name: {split: out[name][split][1].reshape(-1) for split in out[name]} for name in out}
    pooled = {name: out[name]["test"][0].mean(axis=(1, 2)) for name in out}
    t = float(bundle.card["calibration"]["temperature"])
    default = operating.points(bundle.card)[operating.default(bundle.card)]["threshold"]
    as_carded = {name: sigmoid(z[name]["test"] / t) >= default for name in z}
    t8 = fit_temperature(z["int8"]["val"], y["val"])
    refit = operating.choose(sigmoid(z["int8"]["val"] / t8), y["val"], sources["val"])[operating.DEFAULT]
    int8_refit = sigmoid(z["int8"]["test"] / t8) >= refit["threshold"]
    test = y["test"].astype(bool)
    delta = np.abs(z["int8"]["test"] - z["float"]["test"])
    return {
        "model": bundle.ident, "calibration_films": len(pick), "test_films": len(test),
        "ms_per_film": {name: round(float(np.median(v)), 2) for name, v in times.items()},
        "speed_ratio": round(float(np.median(times["float"]) / np.median(times["int8"])), 2),
        "test_auc": {name: round(auc(y["test"], z[name]["test"]), 4) for name in z},
        "logit_change": {"median": round(float(np.median(delta)), 3), "max": round(float(delta.max()), 3)},
        "pooled_feature_correlation": round(float(np.corrcoef(pooled["float"].ravel(), pooled["int8"].ravel())[0, 1]), 4),
        "labels_changed_at_card_point": int(np.sum(as_carded["float"] != as_carded["int8"])),
        "sens_spec": {
            "float, card": _sens_spec(as_carded["float"], test),
            "int8, card": _sens_spec(as_carded["int8"], test),
            "int8, refitted": _sens_spec(int8_refit, test),
        },
        "labels_changed_after_refit": int(np.sum(as_carded["float"] != int8_refit)),
    }


def _sens_spec(called: np.ndarray, covid: np.ndarray) -> list:
    return [round(float(np.mean(called[covid])), 3), round(float(np.mean(~called[~covid])), 3)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("bundle")
    parser.add_argument("--calibration", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = json.dumps(check(args.manifest, args.bundle, args.calibration, args.rounds), indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
