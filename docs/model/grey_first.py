"""Give a saved bundle the classifier export that training now writes (model/graph.py), without
retraining: its grey-to-colour entry transposed first, the same arithmetic.

Usage: python docs/model/grey_first.py MANIFEST BUNDLE [--rounds R] [--json OUT]

Rewrites the bundle's classifier export and keeps its segmenter's, after checking on every
validation and test film that the new export's feature maps and logits are the old one's, bit for
bit (so the gate, the calibration and the shift reference, fitted on the old one, still hold);
then times both, alternating, R rounds, in runs of the app's chunk size (medians). A bundle whose
export has no such entry (or has it rewritten already) is refused. Needs the `onnx` package.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.bench import ms_per_film
from covidxray_desktop.model import graph
from covidxray_desktop.model.bundle import export_runtime, load
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.runtime import OnnxPart
from covidxray_desktop.training.evaluate import decoded_as_trained


def convert(manifest: Path, bundle_path: str, rounds: int) -> dict:
    bundle = load(bundle_path)
    runtime = bundle.card.get("runtime") or {}
    if "classifier" not in runtime:
        sys.exit(f"{bundle_path}: has no light-runtime export to rewrite")
    old = bundle.part_bytes("classifier")
    new = graph.faster(old)
    if new == old:
        sys.exit(f"{bundle_path}: its classifier export has no grey-to-colour entry to rewrite (or has it already)")
    decoded, _ = decoded_as_trained(manifest, bundle, splits=("val", "test"))
    network = Network(bundle, runtime="onnx")
    views = np.concatenate([network.views(decoded[s].first) for s in ("val", "test")]).astype(np.float32)
    before, after = OnnxPart(old, name="the old export"), OnnxPart(new, name="the new export")
    a, b = before.run(views), after.run(views)
    same = all(np.array_equal(x, y) for x, y in zip(a, b))
    if not same:
        sys.exit(f"{bundle_path}: the rewritten export differs from the old one (features by at most "
                 f"{float(np.max(np.abs(a[0] - b[0]))):.3g}); nothing was changed")
    times = {"before": [], "after": []}
    test = views[-len(decoded["test"].first):]
    for _ in range(rounds):  # alternating
        for name, part in (("before", before), ("after", after)):
            times[name].append(ms_per_film(part, test))
    keep = {"classifier": new, **(bundle.lung_exports() or {})}
    done = export_runtime(bundle, keep=keep)
    return {"model": done.ident, "was": bundle.ident, "films_checked": len(views), "identical_outputs": same,
            "classifier_ms_per_film": {k: round(statistics.median(v), 3) for k, v in times.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("bundle")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    text = json.dumps(convert(args.manifest, args.bundle, args.rounds), indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
