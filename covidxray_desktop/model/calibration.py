"""Turning raw network outputs into calibrated P(COVID), and measuring calibration."""
import numpy as np


def to_logit(raw: np.ndarray, output: str) -> np.ndarray:
    """Network output -> COVID logit. Softmax heads (the article's) give log(p1 / p0)."""
    raw = np.asarray(raw, dtype=np.float64)
    if output == "logit":
        return raw.reshape(-1)
    p = np.clip(raw[:, 1] if raw.ndim == 2 else raw, 1e-7, 1 - 1e-7)
    return np.log(p) - np.log1p(-p)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def log_loss(p: np.ndarray, y: np.ndarray, weights=None) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.average(y * np.log(p) + (1 - y) * np.log(1 - p), weights=weights))


def fit_temperature(logits: np.ndarray, y: np.ndarray, weights=None) -> float:
    """Temperature T minimising the (weighted) log-loss of sigmoid(logit / T) (golden-section on log T)."""
    lo, hi = np.log(0.05), np.log(20.0)

    def loss(log_t):
        return log_loss(sigmoid(logits / np.exp(log_t)), y, weights)

    g = (np.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(80):
        if loss(c) < loss(d):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    return float(np.exp((a + b) / 2))


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """ECE with equal-width bins on P(COVID), the positive-class reliability."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(ece)


def threshold_for_sensitivity(p: np.ndarray, y: np.ndarray, target: float = 0.95) -> float:
    """The highest threshold whose sensitivity (p >= threshold) still reaches `target`."""
    pos = np.sort(np.asarray(p)[np.asarray(y) == 1])
    if len(pos) == 0:
        return 0.5
    allowed_misses = int(np.floor((1 - target) * len(pos) + 1e-9))
    cut = pos[allowed_misses]  # every positive at or above this one is caught
    neg = np.asarray(p)[np.asarray(y) == 0]
    below = neg[neg < cut]
    # Sit halfway into the gap below the cut: sensitivity is kept, and fewer normals flip.
    return float((cut + below.max()) / 2) if len(below) else float(cut)


def probability(p: float, digits: int = 3) -> str:
    """P(COVID) as the window, the reports and the heat-map pictures print it: three decimals, but
    never "1.000" or "0.000", which read as certainty a calibrated model does not have."""
    edge = 10 ** -digits
    if p >= 1 - edge / 2:
        return f">{1 - edge:.{digits}f}"
    if p < edge / 2:
        return f"<{edge:.{digits}f}"
    return f"{p:.{digits}f}"


def stated(p: float, digits: int = 3) -> str:
    """The same as a statement: "P(COVID) = 0.892", "P(COVID) > 0.999"."""
    text = probability(p, digits)
    return f"P(COVID) {text[0]} {text[1:]}" if text[0] in "<>" else f"P(COVID) = {text}"
