"""Score a bundle on labelled files through the same Predictor that `classify` uses."""
from collections import Counter

import numpy as np

from covidxray_desktop.inference import Predictor
from covidxray_desktop.model.calibration import expected_calibration_error, sigmoid
from covidxray_desktop.training import dataset
from covidxray_desktop.training.metrics import full_report, summary


def evaluate_samples(samples, bundle, threshold=None, on_progress=None) -> dict:
    """Metrics on the `ok` rows; rejected and unreadable images are counted beside them."""
    predictor = Predictor(bundle, threshold=threshold)
    y, p, raw, sources = [], [], [], []
    y_any, p_any = [], []  # every image the network saw, the gate's refusals included
    rejected, errors = Counter(), []
    for n, (sample, row) in enumerate(zip(samples, predictor.run([s.file for s in samples])), 1):
        name = dataset.CLASSES[sample.label]
        if row.logit is not None:
            # Not the 4-decimal p_covid of the CSV: an early, unsure model gives logits so close
            # together that rounding ties them, and ties cost AUC that the model does have.
            calibrated = float(sigmoid(row.logit / predictor.temperature))
            y_any.append(sample.label)
            p_any.append(calibrated)
        if row.status == "ok":
            y.append(sample.label)
            p.append(calibrated)
            raw.append(sigmoid(row.logit))
            sources.append(sample.source)
        elif row.status == "rejected":
            rejected[name] += 1
        else:
            errors.append(row.message)
        if on_progress:
            on_progress(n, len(samples))
    report = full_report(y, p, sources, predictor.threshold) if y else {"n": 0}
    report["rejected"] = {c: rejected.get(c, 0) for c in dataset.CLASSES}
    report["rejected_fraction"] = round(sum(rejected.values()) / max(len(samples), 1), 4)
    report["errors"] = len(errors)
    report["error_messages"] = errors[:20]
    report["ece_uncalibrated"] = round(expected_calibration_error(raw, y), 4) if y else None
    report["model"] = bundle.ident
    # What the network alone would have said, had the gate let everything through.
    report["ignoring_gate"] = summary(y_any, p_any, predictor.threshold) if y_any else {"n": 0}
    report["_y"], report["_p"] = np.array(y), np.array(p)  # for plots; dropped before saving
    return report


def split_samples(data, bundle):
    """The data split as the bundle's training job split it (same seed), and its description."""
    samples, described = dataset.discover(data)
    return dataset.patient_split(samples, bundle.card.get("training", {}).get("seed", 0)), described


def evaluate(data, bundle, split: str = "test", threshold=None, on_progress=None) -> dict:
    samples, described = split_samples(data, bundle)
    chosen = [s for s in samples if s.split == split] if split != "all" else samples
    report = evaluate_samples(chosen, bundle, threshold, on_progress)
    report.update(data=described, split=split)
    return report


def public(report: dict) -> dict:
    """The report without its private arrays, ready for JSON."""
    return {k: v for k, v in report.items() if not k.startswith("_")}


def evaluate_ood(bundle, data, out_dir, n_xrays: int = 10) -> dict:
    """Share of made-up non-X-rays refused, per kind (see training/ood_set.py)."""
    from covidxray_desktop.training import ood_set

    samples, _ = split_samples(data, bundle)
    test = [s for s in samples if s.split == "test"]
    picks = [test[i] for i in np.linspace(0, len(test) - 1, min(n_xrays, len(test))).astype(int)]
    items = ood_set.build(out_dir, [s.file for s in picks])
    per_kind, missed = {}, []
    for (path, kind), row in zip(items, Predictor(bundle).run([p for p, _ in items])):
        done = per_kind.setdefault(kind, [0, 0])
        done[0] += row.status != "ok"
        done[1] += 1
        if row.status == "ok":
            missed.append(f"{path.name} (score {row.ood_score})")
    total = sum(v[0] for v in per_kind.values()), sum(v[1] for v in per_kind.values())
    return {"rejected_fraction": round(total[0] / max(total[1], 1), 4), "n": total[1],
            "per_kind": {k: {"rejected": v[0], "n": v[1]} for k, v in sorted(per_kind.items())},
            "accepted": missed}
