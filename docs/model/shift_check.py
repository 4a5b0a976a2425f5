"""The batch shift test, measured: the README's tables, and the shipped card's `shift` block refreshed.

Usage:
  python docs/model/shift_check.py features MANIFEST BUNDLE OUT.npz
      every manifest film through BUNDLE's classify route, once: pooled features, calibrated p, the
      gate's verdict, predicted class (the card's threshold), source, split, label, patient.
  python docs/model/shift_check.py tables SHIPPED.npz [--loso SOURCE=FEATURES.npz ...]
      false alarms of the reference fitted as training fits it (directions: training films, levels:
      validation films) on batches of the test films; power under the models trained without a
      source (that source's films alone, half mixed with the model's test films, and with a second
      collection the reference is refitted without); a site after adaptation (the reference given
      half the site's patients, batches of the other half; the mean over ten halvings, and the worst).
  python docs/model/shift_check.py looks SHIPPED.npz [--parts N]
      the look part alone (model/look.py; it reads the films, not the network, so no model trained
      without a source is needed): each source left out of its reference in turn, at the level
      0.02 / N (N parts tested: 3 with both predicted classes, the strictest; 2 with one).
  python docs/model/shift_check.py refresh MANIFEST BUNDLE
      rebuilds the bundle's `shift` block as training does (training/finish.py) and writes it into
      its card, with the false alarms on the test split; on the films the gate accepts here, so
      with the segmenter export that runs here (`covidxray info`): refresh the shipped reference
      where the int8 one runs.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.model import shift

SIZES = (30, 60, 81, 100)
REPEATS = 200
HALVINGS = 10  # random halvings of a site's patients for the after-adaptation rates


def features(manifest: Path, bundle_path: str, out: Path) -> None:
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.training import cache, dataset
    from covidxray_desktop.training.evaluate import route_of, score, split_as_trained

    bundle = load(bundle_path)
    samples = split_as_trained(dataset.discover(manifest)[0], bundle)  # every source, the held-out one too
    decoded, _ = cache.decode(samples, route_of(bundle))
    predictor = Predictor(bundle, decode_limit_s=None)
    s = score(predictor, decoded)
    predictor.close()
    kept = decoded.samples
    np.savez(out, pooled=s["pooled"].astype(np.float32), p=s["p"], accepted=np.array([r is None for r in s["reasons"]]),
             predicted=s["p"] >= float(bundle.card["threshold"]), source=np.array([x.source for x in kept]),
             split=np.array([x.split for x in kept]), label=np.array([x.label for x in kept]),
             patient=np.array([x.patient_id for x in kept]), thumbs=decoded.thumbs.astype(np.float32))


def _load(path):
    d = np.load(path)
    a = d["accepted"]
    return {k: d[k][a] for k in ("pooled", "predicted", "source", "split", "label", "patient", "thumbs") if k in d}


def _fit(f, drop=(), parts=None):
    """The reference as training fits it, without the sources in `drop`. `parts`: the look part
    alone, at the level 0.02 / parts (its share when `parts` parts are tested): every class part
    is left untested."""
    known = ~np.isin(f["source"], list(drop))
    tr, va = known & (f["split"] == "train"), known & (f["split"] == "val")
    looks = (_thumbs(f, va), _thumbs(f, tr), f["source"][tr]) if "thumbs" in f else None
    block = shift.reference(f["pooled"][va], f["predicted"][va], f["source"][va],
                            (f["pooled"][tr], f["predicted"][tr]), looks, labels=f["label"][va])
    return {**block, "min_per_class": 10 ** 9, "alpha": shift.ALPHA / parts} if parts else block


def _thumbs(f, pick):
    """The picked films' thumbnails, or None for a features file made before they were kept."""
    return f["thumbs"][pick] if "thumbs" in f else None


def _patients(f):
    """Each film's patient, named with its source: two collections may number patients alike."""
    return np.char.add(np.char.add(f["source"].astype(str), ":"), f["patient"].astype(str))


def _scores(block, f):
    return shift.novelty(block, f["pooled"], f["predicted"]), shift.looks(block, f.get("thumbs"))


def _rate(block, scored, predicted, draw, repeats=REPEATS, patients=None) -> float:
    """`patients`: each film's, for batches that count them (DICOMs with a PatientID)."""
    scores, coords = scored
    return float(np.mean([shift._flagged(block, scores[i], predicted[i], None if coords is None else coords[i],
                                         None if patients is None else patients[i])
                          for i in (draw() for _ in range(repeats))]))


def false_alarms(f, drop=(), parts=None) -> dict:
    """On batches of the test films (unseen patients of the sources the reference knows)."""
    block = _fit(f, drop, parts)
    te = (f["split"] == "test") & ~np.isin(f["source"], list(drop))
    return shift.calibration(block, f["pooled"][te], f["predicted"][te], f["source"][te], f["label"][te],
                             repeats=REPEATS, thumbs=_thumbs(f, te))


def power(f, held: str, second: list, parts=None, batch_patients: bool = False) -> dict:
    """`batch_patients`: the batches count their patients (films that carry a PatientID)."""
    rng = np.random.default_rng(0)
    out = {}
    block = _fit(f, [held], parts)
    scores = _scores(block, f)
    ids = _patients(f) if batch_patients else None
    new = np.flatnonzero(f["source"] == held)
    test = np.flatnonzero((f["split"] == "test") & (f["source"] != held))
    for n in (n for n in SIZES if n <= len(new)):  # a small source (jsrt: 81 films) cannot fill the largest batch
        out[f"alone_{n}"] = _rate(block, scores, f["predicted"], lambda: rng.choice(new, n, replace=False),
                                  patients=ids)
        out[f"half_{n}"] = _rate(block, scores, f["predicted"], lambda: np.r_[
            rng.choice(new, n // 2, replace=False), rng.choice(test, n - n // 2, replace=False)], patients=ids)
    if batch_patients:
        return out
    for other in second:  # a second collection the reference does not know (the network did see it)
        block = _fit(f, [held, other], parts)
        scores = _scores(block, f)
        theirs = np.flatnonzero((f["source"] == other) & (f["split"] != "train"))
        if len(new) < 41 or len(theirs) < 40:
            continue
        out[f"with_{other}_81"] = _rate(block, scores, f["predicted"], lambda: np.r_[
            rng.choice(new, 41, replace=False), rng.choice(theirs, 40, replace=False)])
    return out


def adapted(f, site: str, parts=None, by_film: bool = False, batch_patients: bool = False, seed: int = 1) -> dict:
    """The site's patients halved: one half joins the reference (as adapt does), batches of the other.
    `by_film`: its level's uncertainty counts films, not patients (as adapt did before);
    `batch_patients`: the batches count their patients too (films that carry a PatientID);
    `seed`: which halving (and batches)."""
    rng = np.random.default_rng(seed)
    block = _fit(f, [site], parts)
    mine = f["source"] == site
    patients = np.unique(f["patient"][mine])
    first = set(rng.permutation(patients)[:len(patients) // 2].tolist())
    half = mine & np.isin(f["patient"], list(first))
    block = shift.add_source(block, f["pooled"][half], f["predicted"][half], "this site",
                             thumbs=_thumbs(f, half), patients=None if by_film else f["patient"][half])
    scores = _scores(block, f)
    rest = np.flatnonzero(mine & ~half)
    ids = _patients(f) if batch_patients else None
    return {f"site_{n}": _rate(block, scores, f["predicted"], lambda: rng.choice(rest, n, replace=False), patients=ids)
            for n in (30, 60, 100) if n <= len(rest)}


def halvings(f, site: str, parts=None, times: int = HALVINGS, **kw) -> dict:
    """adapted() over `times` halvings of the site's patients: {batch: (mean share flagged, worst,
    halvings that left enough films for it)}. One halving can put the two halves' levels apart by
    chance, a false alarm rate no site expects; patients filmed in series leave halves unequal."""
    runs = [adapted(f, site, parts, seed=seed, **kw) for seed in range(1, times + 1)]
    keys = dict.fromkeys(k for r in runs for k in r)
    return {k: (float(np.mean([r[k] for r in runs if k in r])), float(np.max([r[k] for r in runs if k in r])),
                sum(k in r for r in runs)) for k in keys}


SECOND = {"covid_cxnet": ["ieee8023", "nih_darkcovidnet"], "ieee8023": ["covid_cxnet", "rsna_via_covid19radiography"],
          "nih_darkcovidnet": ["rsna_via_covid19radiography", "covid_cxnet"],
          "rsna_via_covid19radiography": ["nih_darkcovidnet", "ieee8023"],
          "jsrt": ["openist", "covid_cxnet"], "openist": ["nih_darkcovidnet", "ieee8023"],
          "hannover": ["ieee8023", "nih_darkcovidnet"], "kermany_darshan": ["rsna_via_covid19radiography", "covid_cxnet"]}


def tables(shipped: Path, loso: list) -> None:
    fa = false_alarms(_load(shipped))
    print("False alarms (share of batches flagged), shipped model, batches of its test films:\n")
    print("| batch | 30 | 100 | 300 | all at once |\n|---|---|---|---|---|")
    for mix in dict.fromkeys(k.rsplit("_", 1)[0] if not k.endswith("_all") else k.rsplit("_", 2)[0] for k in fa):
        cells = [f"{fa[f'{mix}_{n}']:.3f}" if f"{mix}_{n}" in fa else "-" for n in (30, 100, 300)]
        whole = [f"{v:.0f} ({k.rsplit('_', 2)[1]} films)" for k, v in fa.items() if k.startswith(mix + "_")
                 and k.endswith("_all") and k.rsplit("_", 2)[0] == mix]
        print(f"| {mix} | " + " | ".join(cells) + f" | {whole[0] if whole else '-'} |")
    for item in loso:
        held, path = item.split("=", 1)
        _held_out(_load(path), held)


def _held_out(f, held: str, parts=None) -> None:
    """Power, false alarms and the site after adaptation, with `held` left out of the reference."""
    p = power(f, held, SECOND.get(held, []), parts)
    print(f"\nWithout {held} ({int((f['source'] == held).sum())} films): " +
          ", ".join(f"{k} {v:.2f}" for k, v in p.items()))
    print("  the same, batches counting their patients: " +
          ", ".join(f"{k} {v:.2f}" for k, v in power(f, held, [], parts, batch_patients=True).items()))
    fa = false_alarms(f, [held], parts)
    print(f"  false alarms on the known sources' test films: highest {max(fa.values()):.3f} over {len(fa)} kinds "
          f"of batch; " + ", ".join(f"{k} {v:.3f}" for k, v in fa.items() if v > 0))
    for how, kw in (("", {}), (", batches counting their patients", {"batch_patients": True})):
        rates = halvings(f, held, parts, **kw)
        print(f"  after adaptation to {held}{how}, mean of {HALVINGS} halvings of its patients (worst): " +
              ", ".join(f"{k} {mean:.3f} ({worst:.2f})" + (f" [{n} halvings]" if n < HALVINGS else "")
                        for k, (mean, worst, n) in rates.items()))


def looks(shipped: Path, parts: int = 3) -> None:
    """The look part alone, each source left out of its reference in turn, at its share 0.02 / parts
    of the level (3: both predicted classes tested beside it, the strictest)."""
    f = _load(shipped)
    for held in sorted(set(f["source"].tolist())):
        _held_out(f, held, parts)


def refresh(manifest: Path, bundle_path: str) -> None:
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model.bundle import load, update_card
    from covidxray_desktop.training.evaluate import decoded_as_trained, report
    from covidxray_desktop.training.finish import shift_false_alarms, shift_reference

    bundle = load(bundle_path)
    decoded, _ = decoded_as_trained(manifest, bundle)
    predictor = Predictor(bundle, decode_limit_s=None)
    block = shift_reference(predictor, decoded)
    block["false_alarms"] = shift_false_alarms(block, report(predictor, decoded["test"]), decoded["test"], predictor)
    predictor.close()
    if "power" in bundle.card.get("shift", {}):
        print("the card's old `power` facts are dropped: they were measured on the old test", file=sys.stderr)
    update_card(bundle, shift=block)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("features")
    a.add_argument("manifest", type=Path)
    a.add_argument("bundle")
    a.add_argument("out", type=Path)
    b = sub.add_parser("tables")
    b.add_argument("shipped", type=Path)
    b.add_argument("--loso", nargs="*", default=[], metavar="SOURCE=FEATURES")
    d = sub.add_parser("looks")
    d.add_argument("shipped", type=Path)
    d.add_argument("--parts", type=int, default=3, choices=(1, 2, 3))
    c = sub.add_parser("refresh")
    c.add_argument("manifest", type=Path)
    c.add_argument("bundle")
    args = ap.parse_args(argv)
    if args.what == "features":
        features(args.manifest, args.bundle, args.out)
    elif args.what == "tables":
        tables(args.shipped, args.loso)
    elif args.what == "looks":
        looks(args.shipped, args.parts)
    else:
        refresh(args.manifest, args.bundle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
