"""The gate's view check (model/view.py): its threshold rule against one set on sources it never saw.

Usage: python docs/model/view_rules.py MANIFEST BUNDLE [BUNDLE ...]

The shipped rule takes, per source, the 1 % quantile of the check's scores on that source's
frontal films the check was not fitted on (validation films and the training films left out of its
fit), and the lowest of them. The rule before it took validation films only. The third rule scores
each source's validation films by a check fitted without that source's training films, as a new
hospital's films would be scored.
For each bundle (the shipped one, or one of `train --exclude-source S`), every rule is applied to
the same check, fitted as training fits it (training/view_check.py), and this prints the films each
rule refuses: per split and source, the held-out source's films where the bundle has one, and the
real lateral films and CT slices, each patient's judged by a check fitted without them (with that
check's own threshold by the same rule). The view check alone is counted: the gate's other checks
refuse a few films more, the same under every rule.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.model.bundle import load
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.ood import Gate
from covidxray_desktop.model.view import FRONTAL_TAIL, ViewCheck, features, threshold_for
from covidxray_desktop.prepare import Route
from covidxray_desktop.training import cache, dataset, ood_set
from covidxray_desktop.training.evaluate import decoded_as_trained, route_of
from covidxray_desktop.training.view_check import frontal_rows

RULES = ("validation and unfitted training films", "validation films", "sources left out")


def rows(manifest: Path, bundle_path: str) -> dict:
    """The check's feature rows of every film it is fitted on or judged by, through the bundle's networks."""
    bundle = load(bundle_path)
    network, gate = Network(bundle), Gate.from_card(bundle.card["ood"])

    def of(decoded):
        _, pooled, masks = network.passes(decoded.first, 64)
        return features(gate, decoded.thumbs, pooled, masks, decoded.first), np.array([s.source for s in decoded.samples])

    decoded, _ = decoded_as_trained(manifest, bundle)
    out = {split: of(decoded[split]) for split in ("train", "val", "test")}
    pick, rest = frontal_rows(len(decoded["train"].samples))  # as training picks
    out["frontal"] = (out["train"][0][pick], out["train"][1][pick])
    out["unfitted"] = (np.concatenate([out["val"][0], out["train"][0][rest]]),
                       np.concatenate([out["val"][1], out["train"][1][rest]]))
    excluded = set(bundle.card.get("training", {}).get("excluded_sources") or [])
    if excluded:
        held, _ = cache.decode([s for s in dataset.discover(manifest)[0] if s.source in excluded], route_of(bundle))
        out["held out"] = of(held)
    items = ood_set.real(manifest)
    first, thumbs, owner = ood_set.prepared_variants(items, Route(network.size, network.method))
    _, pooled, masks = network.passes(first, 64)
    out["other"] = (features(gate, thumbs, pooled, masks, first), owner)
    patient = ood_set.patients(manifest)
    out["items"] = [(kind, patient[path]) for path, kind in items]
    return out


def threshold(rule: str, check: ViewCheck, frontal, other, val, unfitted) -> float:
    if rule != RULES[2]:
        rows_, sources = unfitted if rule == RULES[0] else val
        return threshold_for(check.scores(rows_), sources, FRONTAL_TAIL)
    rows_, sources = val
    cuts = []
    for source in sorted(set(sources.tolist())):
        mine = sources == source
        if mine.sum() >= 10:
            without = ViewCheck.fit(frontal[0][frontal[1] != source], other, rows_, sources, [], film_numbers=True)
            cuts.append(float(np.quantile(without.scores(rows_[mine]), FRONTAL_TAIL)))
    return min(cuts)


def compare(r: dict) -> dict:
    frontal, (other, owner), val = r["frontal"], r["other"], r["val"]
    check = ViewCheck.fit(frontal[0], other, val[0], val[1], [], film_numbers=True)
    first = {k: int(np.flatnonzero(owner == k)[0]) for k in set(owner.tolist())}  # each film as it is
    out = {}
    for rule in RULES:
        cut = threshold(rule, check, frontal, other, val, r["unfitted"])
        line = {"threshold": round(cut, 2)}
        for split in ("train", "val", "test", "held out"):
            if split in r:
                refused = check.scores(r[split][0]) < cut
                line[split] = (int(refused.sum()), len(refused),
                               {s: (int(refused[r[split][1] == s].sum()), int((r[split][1] == s).sum()))
                                for s in sorted(set(r[split][1].tolist())) if refused[r[split][1] == s].any()})
        caught = {"ct": [0, 0], "lateral": [0, 0]}
        for group in sorted({p for _, p in r["items"]}):
            films = [k for k, (_, p) in enumerate(r["items"]) if p == group and k in first]
            if not films:
                continue
            keep = ~np.isin(owner, films)
            loo = ViewCheck.fit(frontal[0], other[keep], val[0], val[1], [], film_numbers=True)
            loo_cut = threshold(rule, loo, frontal, other[keep], val, r["unfitted"])
            for k, score in zip(films, loo.scores(other[[first[k] for k in films]])):
                caught[r["items"][k][0]][0] += int(score < loo_cut)
                caught[r["items"][k][0]][1] += 1
        line["unseen lateral/CT"] = caught
        out[rule] = line
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("bundles", nargs="+")
    args = parser.parse_args()
    for path in args.bundles:
        for rule, line in compare(rows(args.manifest, path)).items():
            cells = [f"{k} {v[0]}/{v[1]} {v[2]}" if isinstance(v, tuple) else f"{k} {v}" for k, v in line.items()]
            print(f"{Path(path).name}, {rule}: " + "; ".join(cells), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
