"""Score a bundle on labelled films through the classify route (prepare, Predictor.assess).

Used by the training job (val, test, held-out sources), by `evaluate`, and by the site check on a
clinic's own folder; metrics are computed on the films the gate accepts, and refusals are
counted beside them.
"""
from collections import Counter

import numpy as np

from covidxray_desktop import backend
from covidxray_desktop.model import operating
from covidxray_desktop.model.calibration import expected_calibration_error, sigmoid
from covidxray_desktop.prepare import Route
from covidxray_desktop.training import cache, dataset
from covidxray_desktop.training.metrics import full_report, summary, wilson


def route_of(bundle) -> Route:
    return Route(int(bundle.card["input"]["size"]), bundle.card["preprocessing"])


def score(predictor, decoded, batch: int | None = None) -> dict:
    """-> arrays over `decoded`: logits, calibrated p, gate scores, reasons, pooled features."""
    logits, scores, reasons, pooled = [], [], [], []
    batch = batch or backend.scoring_batch()
    for i in range(0, len(decoded.samples), batch):
        out, s, r = predictor.assess(decoded.first[i:i + batch], decoded.thumbs[i:i + batch])
        logits.append(out.logits)
        scores.append(s)
        reasons += r
        pooled.append(out.pooled)
    if not logits:
        return {"logits": np.zeros(0), "p": np.zeros(0), "scores": np.zeros(0), "reasons": [], "pooled": np.zeros((0, 1))}
    logits = np.concatenate(logits)
    return {"logits": logits, "p": predictor.probability(logits), "scores": np.concatenate(scores),
            "reasons": reasons, "pooled": np.concatenate(pooled)}


def report(predictor, decoded, problems=(), threshold: float | None = None) -> dict:
    """Metrics on the accepted films; refused and unreadable ones counted beside them."""
    threshold = predictor.threshold if threshold is None else threshold
    s = score(predictor, decoded)
    y_all = np.array([x.label for x in decoded.samples], int)
    accepted = np.array([r is None for r in s["reasons"]], bool)
    y, p = y_all[accepted], s["p"][accepted]
    sources = [x.source for x, a in zip(decoded.samples, accepted) if a]
    out = full_report(y, p, sources, threshold) if len(y) else {"n": 0}
    rejected = Counter(dataset.CLASSES[x.label] for x, a in zip(decoded.samples, accepted) if not a)
    out["rejected"] = {c: rejected.get(c, 0) for c in dataset.CLASSES}
    n_films = len(decoded.samples) + len(problems)
    out["rejected_fraction"] = round(sum(rejected.values()) / max(n_films, 1), 4)
    out["rejected_ci95"] = wilson(sum(rejected.values()), n_films)
    out["rejected_reasons"] = dict(Counter(r for r in s["reasons"] if r))
    out["rejected_per_source"] = refused_per_source([x.source for x in decoded.samples], s["reasons"])
    out["errors"] = len(problems)
    out["error_messages"] = list(problems)  # each one named: no film drops out without a word
    out["ece_uncalibrated"] = round(expected_calibration_error(sigmoid(s["logits"][accepted]), y), 4) if len(y) else None
    out["model"] = predictor.ident
    # What the network alone would have said, had the gate let everything through.
    out["ignoring_gate"] = summary(y_all, s["p"], threshold) if len(y_all) else {"n": 0}
    out["_y"], out["_p"], out["_sources"] = y, p, sources  # for plots and trade-offs; dropped before saving
    out["_pooled"], out["_accepted"] = s["pooled"], accepted
    return out


def refused_per_source(sources, reasons) -> dict:
    """Per source: films refused of films judged, and why (the gate's own words)."""
    out = {}
    for source, reason in zip(sources, reasons):
        entry = out.setdefault(source, {"rejected": 0, "n": 0, "reasons": {}})
        entry["n"] += 1
        if reason:
            entry["rejected"] += 1
            entry["reasons"][reason] = entry["reasons"].get(reason, 0) + 1
    return {k: out[k] for k in sorted(out)}


def trade_off(scored: dict, points: dict, split: str) -> dict:
    """Per operating point, each population's share of films labelled right (with n and its 95 %
    interval) among the films of `scored` (a report) the gate accepted: what each point gives and
    costs each population, e.g. adult hospitals' normals against children's."""
    y, p, sources = scored["_y"], scored["_p"], scored["_sources"]
    out = {}
    for name, point in points.items():
        per = {}
        for group, mask in operating.groups(y, sources).items():
            right, n = operating.share_right(p, y, mask, point["threshold"])
            per[group] = {"label": dataset.CLASSES[int(y[mask][0])], "n": n, "right": right,
                          "share": round(right / n, 4), "share_ci95": wilson(right, n)}
        out[name] = {"threshold": point["threshold"], "split": split, "per_source": per}
    return out


def split_as_trained(samples, bundle) -> list:
    """The splits the bundle's training used: the same patients land in the same splits."""
    return dataset.patient_split(samples, bundle.card.get("training", {}).get("seed", 0))


def decoded_as_trained(manifest, bundle, splits=("train", "val", "test")) -> tuple[dict, dict]:
    """({split: decoded films}, {split: problems}) of a manifest, split as the bundle's training
    split it and without the sources it left out: what refitting a card's parts starts from."""
    excluded = set(bundle.card.get("training", {}).get("excluded_sources") or [])
    samples = [s for s in split_as_trained(dataset.discover(manifest)[0], bundle) if s.source not in excluded]
    decoded, problems = {}, {}
    for split in splits:
        decoded[split], problems[split] = cache.decode([s for s in samples if s.split == split], route_of(bundle))
    return decoded, problems


def evaluate(data, bundle, split: str = "test", threshold=None, on_progress=None, predictor=None) -> dict:
    """Metrics of `bundle` on labelled data. A folder of class sub-folders is scored whole (it is a
    clinic's own check: no split); a manifest by the split the bundle's training used."""
    from covidxray_desktop.inference import Predictor

    samples, described = dataset.discover(data)
    skipped, unused = list(getattr(samples, "skipped", [])), list(getattr(samples, "unused", []))
    whole = all(not s.split for s in samples) and _is_folder(data)  # a clinic's folder: every film, any --split
    if not whole:
        samples = split_as_trained(samples, bundle)
        if split != "all":
            samples = [s for s in samples if s.split == split]
    predictor = predictor or Predictor(bundle, decode_limit_s=None)
    decoded, problems = cache.decode(samples, route_of(bundle), on_progress)
    out = report(predictor, decoded, skipped + problems, threshold)
    out.update(data=described, split="all films" if whole else split, unused=unused)  # folders not read
    return out


def split_for(data, bundle, n: int) -> list:
    """n test films spread over the test split (or over everything, for a folder)."""
    samples, _ = dataset.discover(data)
    test = [s for s in split_as_trained(samples, bundle) if s.split == "test"] or samples
    return [test[i].file for i in np.linspace(0, len(test) - 1, min(n, len(test))).astype(int)]


def other_findings(predictor, samples) -> dict:
    """Films of neither class (other pneumonias, nodules): the share called COVID-19 per finding."""
    decoded, problems = cache.decode(samples, route_of(predictor.bundle))
    s = score(predictor, decoded)
    per = {}
    for sample, p, reason in zip(decoded.samples, s["p"], s["reasons"]):
        entry = per.setdefault(sample.finding, {"n": 0, "refused": 0, "called_covid": 0})
        entry["n"] += 1
        if reason is not None:
            entry["refused"] += 1
        elif p >= predictor.threshold:
            entry["called_covid"] += 1
    for entry in per.values():
        judged = entry["n"] - entry["refused"]
        entry["share_called_covid"] = round(entry["called_covid"] / judged, 4) if judged else None
        entry["share_ci95"] = wilson(entry["called_covid"], judged)
    return {"per_finding": dict(sorted(per.items(), key=lambda kv: -kv[1]["n"])), "errors": len(problems)}


def public(report: dict) -> dict:
    """The report without its private arrays, ready for JSON."""
    return {k: v for k, v in report.items() if not k.startswith("_")}


def _is_folder(data) -> bool:
    from pathlib import Path

    return Path(data).is_dir()
