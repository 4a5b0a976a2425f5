"""Is this a frontal chest film at all? A small learned check inside the gate.

Lateral views and CT slices come close to frontal films on every single measure the gate has
(their lungs are found, their features are not far out), but not on all of them at once. This
check is a logistic regression on a few dozen numbers per film: the thumbnail's leading
principal components and residual, the features' distance, and the lung mask's shape. It is
fitted on training films against half of the lateral and CT films the data keeps for this
(by patient); the other half is kept to test it. Its threshold comes from validation films of
every source, so that a frontal film is refused only as rarely as the gate promises.
"""
import numpy as np

from covidxray_desktop.model import lungs

COMPONENTS = 16  # leading principal components of the thumbnail used as features
FRONTAL_TAIL = 0.003  # of each source's validation films, at most this share falls below the threshold
L2 = 1e-2


def features(gate, thumbs, pooled, masks) -> np.ndarray:
    """Per film: PCA coefficients, PCA residual, feature distance, lung-shape numbers."""
    t = np.asarray(thumbs, np.float32) - gate.mean
    coefficients = t @ gate.components[:COMPONENTS].T
    pca, maha = gate.distances(thumbs, pooled)
    columns = [coefficients, pca[:, None], maha[:, None]]
    if masks is not None:
        shapes = [_shape_numbers(m) for m in masks]
        columns.append(np.array(shapes, np.float32))
    return np.concatenate(columns, axis=1).astype(np.float64)


def _shape_numbers(mask) -> list:
    s = lungs.shape(mask)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    top = rows[0] / h if len(rows) else 0.0
    bottom = (rows[-1] + 1) / h if len(rows) else 0.0
    width = (cols[-1] + 1 - cols[0]) / w if len(cols) else 0.0
    return [s["area"], s["left_area"], s["right_area"], s["balance"], s["gap"], s["left_height"], s["right_height"],
            top, bottom, width]


class ViewCheck:
    def __init__(self, block: dict):
        self.block = block
        self.mean = np.asarray(block["mean"], np.float64)
        self.scale = np.asarray(block["scale"], np.float64)
        self.weights = np.asarray(block["weights"], np.float64)
        self.bias = float(block["bias"])
        self.threshold = float(block["threshold"])

    def scores(self, x) -> np.ndarray:
        """Logit of 'frontal chest film' per film (higher: more frontal-like)."""
        z = (np.asarray(x, np.float64) - self.mean) / self.scale
        return z @ self.weights + self.bias

    def refuses(self, x) -> np.ndarray:
        return self.scores(x) < self.threshold

    @classmethod
    def fit(cls, frontal, other, val_frontal, val_sources, fitted_on: list) -> "ViewCheck":
        """frontal / other: feature rows of training films and of the non-frontal films kept for fitting."""
        frontal, other = np.asarray(frontal, np.float64), np.asarray(other, np.float64)
        mean, scale = frontal.mean(axis=0), frontal.std(axis=0) + 1e-6
        x = (np.concatenate([frontal, other]) - mean) / scale
        y = np.concatenate([np.ones(len(frontal)), np.zeros(len(other))])
        # Each side weighs half, however few the non-frontal films are.
        w = np.where(y == 1, 0.5 / len(frontal), 0.5 / max(len(other), 1))
        weights, bias = np.zeros(x.shape[1]), 0.0
        for _ in range(3000):  # plain gradient descent on the weighted, L2-penalised log-loss
            p = 1 / (1 + np.exp(-np.clip(x @ weights + bias, -30, 30)))
            g = w * (p - y)
            weights -= 0.5 * (x.T @ g + L2 * weights)
            bias -= 0.5 * g.sum()
        block = {"mean": mean, "scale": scale, "weights": weights, "bias": bias, "threshold": -np.inf,
                 "fitted_on": sorted(fitted_on)}
        check = cls(block)
        scores = check.scores(val_frontal)
        sources = np.asarray(val_sources)
        cuts = [np.quantile(scores[sources == s], FRONTAL_TAIL) for s in sorted(set(sources.tolist()))
                if (sources == s).sum() >= 10]
        block["threshold"] = float(min(cuts)) if cuts else float(np.quantile(scores, FRONTAL_TAIL))
        return cls(block)

    def to_card(self) -> dict:
        return {k: (np.round(np.asarray(v, np.float64), 8).tolist() if isinstance(v, np.ndarray) else v)
                for k, v in self.block.items()}
