"""Classification metrics with bootstrap intervals, overall, per class and per source."""
import numpy as np

from covidxray_desktop.model.calibration import expected_calibration_error
from covidxray_desktop.model.figures import wilson


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC as the Mann-Whitney statistic (ties count half); None without both classes."""
    y, p = np.asarray(y), np.asarray(p, float)
    pos, neg = p[y == 1], p[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    values = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(values))
    # average ranks over ties
    _, first, counts = np.unique(values, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[:] = np.repeat(avg, counts)
    pos_ranks = np.empty(len(values))
    pos_ranks[order] = ranks
    return float((pos_ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def auc_interval(y, p, n_boot: int = 1000, seed: int = 0) -> list | None:
    """95 % bootstrap interval, resampling each class separately (keeps both present). Classes told
    apart perfectly give every resample the same AUC, and "1.000 [1.00, 1.00]" read as certainty on
    12 films: there the interval is Wilson's for a share that is all right, of as many films as the
    smaller class holds."""
    y, p = np.asarray(y), np.asarray(p, float)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(pos) == 0 or len(neg) == 0:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        values.append(auc(y[idx], p[idx]))
    lo, hi = np.percentile(values, [2.5, 97.5])
    if hi - lo < 1e-9 and lo in (0.0, 1.0):
        low, high = wilson(min(len(pos), len(neg)), min(len(pos), len(neg)))
        return [round(low, 4), 1.0] if lo == 1.0 else [0.0, round(1 - low, 4)]
    return [round(float(lo), 4), round(float(hi), 4)]


def roc_curve(y, p) -> tuple[np.ndarray, np.ndarray]:
    y, p = np.asarray(y), np.asarray(p, float)
    thresholds = np.concatenate([[np.inf], np.unique(p)[::-1]])
    tpr = np.array([(p[y == 1] >= t).mean() if (y == 1).any() else 0 for t in thresholds])
    fpr = np.array([(p[y == 0] >= t).mean() if (y == 0).any() else 0 for t in thresholds])
    return fpr, tpr


def summary(y, p, threshold: float) -> dict:
    """The metric keys every report uses; undefined ones (one class only) are None."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    pred = (p >= threshold).astype(int)
    tp, tn = int(((pred == 1) & (y == 1)).sum()), int(((pred == 0) & (y == 0)).sum())
    fp, fn = int(((pred == 1) & (y == 0)).sum()), int(((pred == 0) & (y == 1)).sum())
    sens = tp / (tp + fn) if tp + fn else None
    spec = tn / (tn + fp) if tn + fp else None
    value = auc(y, p)
    return {
        "n": int(len(y)), "n_covid": int((y == 1).sum()), "n_normal": int((y == 0).sum()),
        "auc": None if value is None else round(value, 4), "auc_ci95": auc_interval(y, p),
        "accuracy": round((tp + tn) / len(y), 4) if len(y) else None,
        "balanced_accuracy": round((sens + spec) / 2, 4) if sens is not None and spec is not None else None,
        "sensitivity": None if sens is None else round(sens, 4),
        "sensitivity_ci95": wilson(tp, tp + fn),
        "specificity": None if spec is None else round(spec, 4),
        "specificity_ci95": wilson(tn, tn + fp),
        "confusion": {"tp": tp, "fn": fn, "fp": fp, "tn": tn},
        "threshold": round(float(threshold), 4),
        "ece": round(expected_calibration_error(p, y), 4) if len(y) else None,
    }


def full_report(y, p, sources, threshold: float) -> dict:
    """Overall, per class, and per source. A source holding one class is scored against the
    pooled other class, so its AUC says how well that source's images are told apart."""
    y, p, sources = np.asarray(y, int), np.asarray(p, float), np.asarray(sources)
    out = summary(y, p, threshold)
    out["per_class"] = {name: summary(y[y == c], p[y == c], threshold)
                        for c, name in enumerate(("normal", "covid")) if (y == c).any()}
    out["per_source"] = {}
    for s in sorted(set(sources.tolist())):
        mine = sources == s
        classes = set(y[mine].tolist())
        subset = mine if len(classes) > 1 else mine | (y != next(iter(classes)))
        out["per_source"][s] = dict(summary(y[subset], p[subset], threshold), n_source=int(mine.sum()),
                                    scored_against="own images" if len(classes) > 1 else "pooled other class")
    return out
