"""The README's adaptation table: a stand-in site, adapted with N of its films, judged on the rest.

Usage: python docs/model/adapt_check.py MANIFEST BASE.keras OUT_DIR [--films 25 50 100 300] [--seed 0]

BASE is a model trained without one source S (`train --exclude-source S`). The "site" is every film
of S with, for a COVID-19 source, the adult normals of the test split (`nih_darkcovidnet`,
`rsna_via_covid19radiography`), for a normal source the COVID-19 films of the test split: patients
BASE never saw. For each N, whole patients are drawn
until N / 2 films of each class; `covidxray adapt` runs on them (timed), and `covidxray evaluate`
judges the site's remaining films and the training sources' unseen patients (BASE's test split,
less the films used to adapt) under BASE and under the adapted model. The shift test is run on the
remaining films as one batch under the adapted model, as `classify --summary` would.
"""
import argparse
import csv
import json
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ADULT_NORMALS = ("nih_darkcovidnet", "rsna_via_covid19radiography")
FIELDS = ("file", "label", "source", "patient_id")


def _rows(manifest: Path) -> list[dict]:
    with open(manifest, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["file"] = str((manifest.parent / r["file"]).resolve())
    return rows


def _write(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def _draw(rows, films: int, rng) -> list[dict]:
    """Whole patients, in a seeded random order, until each class has films / 2."""
    chosen = []
    for label in ("covid", "normal"):
        by_patient = defaultdict(list)
        for r in rows:
            if r["label"] == label:
                by_patient[(r["source"], r["patient_id"])].append(r)
        keys = sorted(by_patient)
        rng.shuffle(keys)
        n = 0
        for k in keys:
            if n >= films / 2:
                break
            chosen += by_patient[k]
            n += len(by_patient[k])
    return chosen


def _app(*args) -> None:
    """One app command; its output is shown only when it fails."""
    done = subprocess.run([sys.executable, "-m", "covidxray_desktop", *map(str, args), "--quiet"],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"covidxray {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")


def _evaluate(data: Path, model: Path, out: Path) -> dict:
    _app("evaluate", data, "--model", model, "--split", "all", "--json", out)
    return json.loads(out.read_text(encoding="utf-8"))


def _shift(files, model: Path) -> dict:
    from covidxray_desktop import batch
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model.bundle import load

    bundle = load(model)
    predictor = Predictor(bundle, decode_limit_s=None)
    summary = batch.Summary(bundle)
    for result in predictor.run(files):
        summary.add(result)
    predictor.close()
    return summary.finish()["shift"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("manifest", type=Path)
    ap.add_argument("base", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--films", type=int, nargs="+", default=[25, 50, 100, 300])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    from covidxray_desktop.model.bundle import load

    card = load(args.base).card
    held = set(card["training"]["excluded_sources"])
    rows = _rows(args.manifest.resolve())
    held_class = {r["label"] for r in rows if r["source"] in held}
    if held_class == {"covid"}:
        site = [r for r in rows if r["source"] in held or (r["source"] in ADULT_NORMALS and r["split"] == "test")]
    else:  # a normal source: the test split's COVID-19 films beside it
        site = [r for r in rows if r["source"] in held or (r["label"] == "covid" and r["split"] == "test")]
    unseen = [r for r in rows if r["split"] == "test" and r["source"] not in held]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"site: {len(site)} films ({sum(r['label'] == 'covid' for r in site)} COVID-19; held out: {', '.join(sorted(held))}); "
          f"unseen patients: {len(unseen)} films")
    print("| films to adapt (COVID + normal) | remaining site films | AUC before → after | balanced accuracy "
          "before → after | sensitivity before → after | specificity before → after | refused before → after "
          "| unseen patients AUC before → after | adapt wall time | shift test on the remaining films, adapted |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.films:
        used = _draw(site, n, random.Random(args.seed))
        files = {r["file"] for r in used}
        tag = f"n{n}"
        adapt_csv = _write(args.out / f"{tag}.adapt.csv", used)
        rest = [r for r in site if r["file"] not in files]
        rest_csv = _write(args.out / f"{tag}.rest.csv", rest)
        unseen_csv = _write(args.out / f"{tag}.unseen.csv", [r for r in unseen if r["file"] not in files])
        adapted = args.out / f"{tag}.keras"
        start = time.perf_counter()
        _app("adapt", adapt_csv, "--out", adapted, "--model", args.base, "--seed", args.seed, "--overwrite")
        wall = time.perf_counter() - start
        got = {(which, kind): _evaluate(csv_path, model, args.out / f"{tag}.{which}.{kind}.json")
               for which, model in (("before", args.base), ("after", adapted))
               for kind, csv_path in (("rest", rest_csv), ("unseen", unseen_csv))}
        shift = _shift([r["file"] for r in rest], adapted)

        def pair(kind, key, fmt="{:.3f}"):
            return " → ".join(fmt.format(got[(w, kind)][key]) if got[(w, kind)].get(key) is not None else "-"
                              for w in ("before", "after"))

        def refused(which):
            return sum(got[(which, "rest")]["rejected"].values())

        covid = sum(r["label"] == "covid" for r in used)
        print(f"| {n} ({covid} + {len(used) - covid}) | {len(rest)} | {pair('rest', 'auc')} "
              f"| {pair('rest', 'balanced_accuracy')} | {pair('rest', 'sensitivity')} | {pair('rest', 'specificity')} "
              f"| {refused('before')} → {refused('after')} | {pair('unseen', 'auc')} | {wall:.0f} s "
              f"| p = {shift.get('p_value', float('nan')):.3g}{' (flagged)' if shift.get('detected') else ''} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
