"""Is this a frontal chest film at all? A small learned check inside the gate.

Lateral views and CT slices come close to frontal films on every single measure the gate has
(their lungs are found, their features are not far out), but not on all of them at once. This
check is a logistic regression on a few dozen numbers per film: the thumbnail's leading
principal components and residual, the features' distance and leading directions, the lung
mask's shape, plain numbers of the first-stage film itself (a CT slice in a lung window is
mostly pure black and pure white; an axial slice is a round body on black, symmetric top to
bottom; a lateral view is not symmetric left to right) and of its lung fields (a CT slice's lungs
are near black with sharp specks of vessels, far darker than the body around them; a film's
lungs are grey, crossed by ribs and blurred shadows). It is fitted on training films against
half of the lateral and CT films the data keeps for this (by patient), each also flipped,
cropped, shrunk, framed and re-contrasted, so that a few dozen films stand for many; the other
half is kept to test it. Its threshold comes from validation films of every source, so that a
frontal film is refused only as rarely as the gate promises for each source.
"""
import numpy as np

from covidxray_desktop.model import lungs

COMPONENTS = 16  # leading principal components of the thumbnail used as features
DIRECTIONS = 16  # leading directions of the classifier's features (within-class spread)
FRONTAL_TAIL = 0.01  # of each source's validation films, at most this share falls below the threshold
L2 = 1e-2


def features(gate, thumbs, pooled, masks, first=None) -> np.ndarray:
    """Per film: PCA coefficients, PCA residual, feature distance, lung-shape numbers, then (with
    the first-stage films) the film's own numbers and the features' leading directions.
    A check fitted before the last two existed reads only the columns it knows (ViewCheck)."""
    t = np.asarray(thumbs, np.float32) - gate.mean
    coefficients = t @ gate.components[:COMPONENTS].T
    pca, maha = gate.distances(thumbs, pooled)
    columns = [coefficients, pca[:, None], maha[:, None]]
    if masks is not None:
        shapes = [_shape_numbers(m) for m in masks]
        columns.append(np.array(shapes, np.float32))
    if first is not None:
        columns.append(film_numbers(first))
        if gate.basis is not None:
            columns.append(np.asarray(pooled, np.float64) @ gate.basis[:DIRECTIONS].T)
        if masks is not None:  # last, so that a check fitted before them reads what it knows
            columns.append(lung_numbers(first, masks))
    return np.concatenate(columns, axis=1).astype(np.float64)


def film_numbers(first) -> np.ndarray:
    """Plain numbers of first-stage films (N x S x S, raw grey levels, borders cropped)."""
    rows = []
    for film in np.asarray(first, np.float32):
        film = film.reshape(film.shape[0], film.shape[1])
        n = 64
        s = _pooled_to(film, n)
        r = n // 12
        ring = np.concatenate([s[:r].ravel(), s[-r:].ravel(), s[:, :r].ravel(), s[:, -r:].ravel()])
        centre = s[n // 4:3 * n // 4, n // 4:3 * n // 4]
        corners = [s[:8, :8].mean(), s[:8, -8:].mean(), s[-8:, :8].mean(), s[-8:, -8:].mean()]
        z = s - s.mean()
        energy = float((z * z).sum()) + 1e-9
        col = s.mean(axis=0) - s.mean()
        row = s.mean(axis=1) - s.mean()
        half_a, half_b = row[:n // 2], row[n // 2:][::-1]
        rows_alike = float(np.corrcoef(half_a, half_b)[0, 1]) if half_a.std() > 0 and half_b.std() > 0 else 0.0
        edges = np.abs(np.diff(s, axis=1)).mean() + np.abs(np.diff(s, axis=0)).mean()
        rows.append([(film > 0.9).mean(), (film < 0.1).mean(), ((film > 0.3) & (film < 0.7)).mean(), film.std(),
                     film.mean(), ring.mean(), centre.mean(), max(corners), min(corners),
                     float((z * z[:, ::-1]).sum()) / energy, float((z * z[::-1]).sum()) / energy,
                     float((col * col[::-1]).sum() / ((col ** 2).sum() + 1e-9)), edges, rows_alike])
    return np.nan_to_num(np.array(rows, np.float64).reshape(-1, 14))


def lung_numbers(first, masks) -> np.ndarray:
    """Per film, inside its lung mask, on the film's own grey scale (2nd..98th percentile as 0..1):
    the share of near-black pixels, how much darker the lungs are than the rest, the sharpness of
    their detail (mean absolute Laplacian at 128 px) and the skew of their grey levels."""
    first = np.asarray(first, np.float32)
    n = len(first)
    first = first.reshape(n, first.shape[1], first.shape[2])
    fine = _halved(first) if first.shape[1:] == (256, 256) else \
        np.stack([_pooled_to(f, 128) for f in first]).reshape(n, 128, 128)
    coarse = _halved(fine)
    rows = np.zeros((n, 4), np.float64)
    if not n:
        return rows
    lo, hi = np.percentile(coarse.reshape(n, -1), [2, 98], axis=1)
    span = np.maximum(hi - lo, 1e-3)[:, None, None]
    coarse = (coarse - lo[:, None, None]) / span
    fine = (fine - lo[:, None, None]) / span
    detail = np.abs(4 * fine[:, 1:-1, 1:-1] - fine[:, :-2, 1:-1] - fine[:, 2:, 1:-1] - fine[:, 1:-1, :-2]
                    - fine[:, 1:-1, 2:])
    for k in range(n):
        mask = np.asarray(masks[k], bool)
        if mask.shape != (64, 64):
            mask = _pooled_to(mask.astype(np.float32), 64) > 0.5
        if not 0.02 < mask.mean() < 0.98:  # no lung fields to speak of: the lung-shape numbers tell
            continue
        inside, outside = coarse[k][mask], coarse[k][~mask]
        centred = inside - inside.mean()
        skew = float((centred ** 3).mean() / (inside.std() ** 3 + 1e-6))
        sharp = detail[k][np.repeat(np.repeat(mask, 2, 0), 2, 1)[1:-1, 1:-1]].mean()
        rows[k] = [(inside < 0.15).mean(), np.median(outside) - np.median(inside), sharp, np.clip(skew, -5, 5)]
    return np.nan_to_num(rows)


def _halved(films):
    """N x 2S x 2S -> N x S x S by the mean of each 2 x 2 block (strided: far quicker than a reshaped mean)."""
    return (films[:, ::2, ::2] + films[:, 1::2, ::2] + films[:, ::2, 1::2] + films[:, 1::2, 1::2]) * 0.25


def _pooled_to(film, n):
    h, w = film.shape
    film = film[: h - h % n, : w - w % n]
    return film.reshape(n, film.shape[0] // n, n, film.shape[1] // n).mean(axis=(1, 3))


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

    @property
    def needs_film(self) -> bool:
        """Whether it reads the first-stage film's own numbers (checks fitted since they exist)."""
        return bool(self.block.get("film_numbers", False))

    def scores(self, x) -> np.ndarray:
        """Logit of 'frontal chest film' per film (higher: more frontal-like)."""
        x = np.asarray(x, np.float64)[:, : len(self.mean)]
        z = (x - self.mean) / self.scale
        return z @ self.weights + self.bias

    @classmethod
    def fit(cls, frontal, other, val_frontal, val_sources, fitted_on: list, tail: float = FRONTAL_TAIL,
            film_numbers: bool = False) -> "ViewCheck":
        """frontal / other: feature rows of training films and of the non-frontal films kept for fitting;
        film_numbers: whether the rows hold the first-stage film's own numbers."""
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
                 "fitted_on": sorted(fitted_on), "frontal_tail": tail, "film_numbers": film_numbers}
        check = cls(block)
        block["threshold"] = threshold_for(check.scores(val_frontal), val_sources, tail)
        return cls(block)

    def to_card(self) -> dict:
        return {k: (np.round(np.asarray(v, np.float64), 8).tolist() if isinstance(v, np.ndarray) else v)
                for k, v in self.block.items()}


def threshold_for(scores, sources, tail: float) -> float:
    """The lowest of the sources' `tail` quantiles: no source (of 10 films or more) loses more."""
    scores, sources = np.asarray(scores, np.float64), np.asarray(sources)
    cuts = [np.quantile(scores[sources == s], tail) for s in sorted(set(sources.tolist()))
            if (sources == s).sum() >= 10]
    return float(min(cuts)) if cuts else float(np.quantile(scores, tail))
