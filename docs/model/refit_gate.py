"""Refit a bundle's out-of-distribution gate (the card's `ood` block) without retraining its networks.

Usage: python docs/model/refit_gate.py MANIFEST BUNDLE [--json OUT]

Decodes the training and validation films of the split the bundle was trained on, runs them
through the bundle's own networks (the classify route), fits the gate as training does
(training/finish.py fit_gate: statistics from training films, tails from training and validation
films, the view check on all of the data's lateral and CT films, and what it refuses of films it
never saw, each patient left out in turn), and writes the new `ood` block into the card. Then it
scores, through the refitted gate: the validation and test splits (the card's `metrics.val` /
`metrics.test`, refusals per source with their reasons) and the real lateral and CT films
(`metrics.ood_real`; the leave-one-patient-out count is `metrics.ood_real_unseen`). The card's
hash, and so the model's name, change with it; the batch shift test's reference is left as it was.
It fits on the masks of the segmenter export that runs here (the int8 one only where int8
arithmetic is exact: `covidxray info`); refit the shipped gate where the int8 one runs.
"""
import argparse
import json
import sys
from pathlib import Path

from covidxray_desktop.inference import Predictor
from covidxray_desktop.model.bundle import load, update_card
from covidxray_desktop.model.network import Network
from covidxray_desktop.training import ood_set
from covidxray_desktop.training.evaluate import decoded_as_trained, public, report
from covidxray_desktop.training.finish import fit_gate


def refit(manifest: Path, bundle_path: str) -> dict:
    bundle = load(bundle_path)
    decoded, problems = decoded_as_trained(manifest, bundle)
    for split, left_out in problems.items():
        if left_out:
            print(f"{split}: {len(left_out)} films left out: {left_out[:3]}", file=sys.stderr)
    gate, unseen = fit_gate(Network(bundle), decoded, bundle.has_lungs, manifest)
    bundle = update_card(bundle, ood=gate.to_card())
    predictor = Predictor(bundle, decode_limit_s=None)
    try:
        metrics = dict(bundle.card.get("metrics", {}))
        for split in ("val", "test"):
            metrics[split] = public(report(predictor, decoded[split]))
        real = ood_set.real(manifest)
        if real:
            metrics["ood_real"] = ood_set.refusals(bundle, real, predictor)
        if unseen is not None:
            metrics["ood_real_unseen"] = unseen
    finally:
        predictor.close()
    bundle = update_card(bundle, metrics=metrics)
    return {"model": bundle.ident, "view_threshold": gate.view.threshold if gate.view else None,
            **{split: {"rejected_per_source": metrics[split]["rejected_per_source"]} for split in ("val", "test")},
            "ood_real": metrics.get("ood_real"), "ood_real_unseen": metrics.get("ood_real_unseen")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("bundle")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = refit(args.manifest, args.bundle)
    text = json.dumps(out, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
