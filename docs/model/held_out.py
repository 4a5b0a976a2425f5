"""The README's leave-one-source-out table, from the bundles of `train --exclude-source S`.

Usage: python docs/model/held_out.py MANIFEST BUNDLE [BUNDLE ...] [--json OUT] [--into SHIPPED] [--scores DIR]
       python docs/model/held_out.py MANIFEST --rows ROWS.json [ROWS.json ...] --into SHIPPED

For each bundle (trained without the sources its card lists as excluded), through the classify
route: the held-out source's films against the test films of the other class (AUC with a
bootstrap interval), and the share of the held-out films labelled right at each operating point
of that run, both chosen on that run's own validation split by model/operating.py (a bundle
trained before the card kept both points gets them here, by the same rule). `--into` writes the
rows, at each run's balanced point, into the shipped bundle's card (`metrics.held_out`), which the
About page shows, beside the rows already there for other sources (a source run again is
replaced); the card's hash, and so the model's name, change with it. `--scores` keeps each run's
calibrated P(COVID), labels and sources of its validation and held-out films (DIR/NAME.npz), so
that operating-point rules can be compared across the runs without scoring them again. `--rows`
takes rows that earlier runs of this script wrote with `--json`, instead of scoring bundles again.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.inference import Predictor
from covidxray_desktop.model import operating
from covidxray_desktop.model.bundle import load
from covidxray_desktop.training import cache, dataset
from covidxray_desktop.training.evaluate import report, route_of
from covidxray_desktop.training.metrics import auc, auc_interval, wilson


def held_out_row(manifest: Path, bundle_path: str, scores: Path | None = None) -> dict:
    bundle = load(bundle_path)
    excluded = set(bundle.card["training"]["excluded_sources"])
    samples = dataset.patient_split(dataset.discover(manifest)[0], bundle.card["training"]["seed"])
    held = [s for s in samples if s.source in excluded]
    classes = {s.label for s in held}
    others = [s for s in samples if s.split == "test" and s.source not in excluded and s.label not in classes]
    val = [s for s in samples if s.split == "val" and s.source not in excluded]
    predictor = Predictor(bundle, decode_limit_s=None)
    scored = {}
    for name, chosen in (("val", val), ("held", held + others)):
        decoded, _ = cache.decode(chosen, route_of(bundle))
        r = report(predictor, decoded)
        kept = [s for s, a in zip(decoded.samples, r["_accepted"]) if a]
        scored[name] = (r["_p"], r["_y"], np.array([s.source for s in kept]), len(decoded.samples) - len(kept))
    predictor.close()
    if scores is not None:
        scores.mkdir(parents=True, exist_ok=True)
        np.savez(scores / f"{Path(bundle_path).stem}.npz", excluded=np.array(sorted(excluded)),
                 **{f"{k}_{name}": np.asarray(v) for name, got in scored.items()
                    for k, v in zip(("p", "y", "source"), got[:3])})
    p_val, y_val, src_val, _ = scored["val"]
    points = {name: point["threshold"] for name, point in operating.choose(p_val, y_val, src_val).items()}
    p, y, src, _ = scored["held"]
    mine = np.isin(src, list(excluded))
    refused = len(held) - int(mine.sum())
    label = next(iter(classes))
    row = {"source": ", ".join(sorted(excluded)), "class": dataset.CLASSES[label], "films": len(held),
           "refused": refused, "auc": round(auc(y, p), 4), "auc_ci95": auc_interval(y, p),
           "against": int((~mine).sum()), "model": bundle.ident, "recipe": recipe(bundle.card),
           "preprocessing": bundle.card["preprocessing"]}
    for point, threshold in points.items():
        right, n = operating.share_right(p, y, mine, threshold)
        row[point] = {"threshold": round(float(threshold), 4), "right": right, "n": n,
                      "share": round(right / max(n, 1), 4), "ci95": wilson(right, n)}
    return row


def recipe(card: dict) -> str:
    """The run's departures from the recipe `train` had then, as train's own options."""
    training = card.get("training", {})
    return " ".join([f"--ablate {a}" for a in training.get("ablations", [])]
                    + [f"--variant {v}" for v in training.get("variants", [])]) or "as it was"


def write_into(bundle, rows) -> None:
    from covidxray_desktop.model.bundle import update_card

    # Rows of sources not run this time stay: each source's run can be added when it is made.
    per_source = dict(((bundle.card["metrics"].get("held_out") or {}).get("per_source") or {}))
    for r in rows:
        point = r["balanced"]
        share = "sensitivity" if r["class"] == "covid" else "specificity"
        per_source[r["source"]] = {"n": point["n"], "auc": r["auc"], "auc_ci95": r["auc_ci95"], share: point["share"],
                                   f"{share}_ci95": point["ci95"], "class": r["class"], "refused": r["refused"],
                                   "threshold": point["threshold"], "operating_point": "balanced", "model": r["model"],
                                   "recipe": r.get("recipe", "as it was"), "preprocessing": r.get("preprocessing")}
    method = ("leave one source out: `covidxray train DATA --exclude-source S` (the same seed; each row names its "
              "run's model and recipe); S's films scored against the other class's test films, at that run's "
              "balanced point")
    per_source = dict(sorted(per_source.items(), key=lambda kv: (kv[1]["class"], kv[0])))  # COVID sources first
    update_card(bundle, metrics=dict(bundle.card["metrics"], held_out={"method": method, "per_source": per_source}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest", type=Path)
    ap.add_argument("bundles", nargs="*")
    ap.add_argument("--rows", type=Path, nargs="+", default=[], metavar="ROWS.json", help="rows kept by --json")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--into", metavar="BUNDLE", help="the shipped bundle whose card gets these rows")
    ap.add_argument("--scores", type=Path, metavar="DIR", help="keep each run's scores here")
    args = ap.parse_args(argv)
    if not args.bundles and not args.rows:
        ap.error("give the bundles to score, or --rows")
    rows = [row for path in args.rows for row in json.loads(path.read_text(encoding="utf-8"))]
    rows += [held_out_row(args.manifest, b, args.scores) for b in args.bundles]
    if args.into:
        write_into(load(args.into), rows)
    print("| held-out source | class | films (refused) | AUC [95 % CI] against the other class's test films "
          "| labelled right at balanced [95 % CI] (threshold) | at screening [95 % CI] (threshold) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        lo, hi = r["auc_ci95"] or (float("nan"), float("nan"))
        cells = [f"{r[k]['share']:.3f} [{r[k]['ci95'][0]:.3f}, {r[k]['ci95'][1]:.3f}] ({r[k]['threshold']:.3f})"
                 for k in ("balanced", "screening")]
        print(f"| {r['source']} | {r['class']} | {r['films']} ({r['refused']}) | {r['auc']:.3f} [{lo:.3f}, {hi:.3f}] "
              f"| {cells[0]} | {cells[1]} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
