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
the lateral and CT films the data keeps for this, each also flipped, cropped, shrunk, framed
and re-contrasted, so that a few dozen films stand for many; what it refuses of films it never
saw is counted by leaving one patient out at a time (training/view_check.py). Its threshold
comes from frontal films of every source that it did not learn from (validation films and the
training films left out of its fit), so that a frontal film is refused only as rarely as the gate
promises for each source.
"""
import numpy as np

from covidxray_desktop.model import lungs

COMPONENTS = 16  # leading principal components of the thumbnail used as features
DIRECTIONS = 16  # leading directions of the classifier's features (within-class spread)
FRONTAL_TAIL = 0.01  # of each source's frontal films unseen by the fit, at most this share falls below the threshold
L2 = 1e-2


def features(gate, thumbs, pooled, masks, first=None, distances=None) -> np.ndarray:
    """Per film: PCA coefficients, PCA residual, feature distance, lung-shape numbers, then (with
    the first-stage films) the film's own numbers and the features' leading directions.
    A check fitted before the last two existed reads only the columns it knows (ViewCheck).
    `distances`: the gate's (residuals, distances) of these films, where already known."""
    t = np.asarray(thumbs, np.float32) - gate.mean
    coefficients = t @ gate.components[:COMPONENTS].T
    pca, maha = gate.distances(thumbs, pooled) if distances is None else distances
    columns = [coefficients, pca[:, None], maha[:, None]]
    if masks is not None:
        shapes = [_shape_numbers(m) for m in masks]
        columns.append(np.array(shapes, np.float32))
    if first is not None:
        first = np.asarray(first, np.float32)
        first = first.reshape(len(first), first.shape[1], first.shape[2])
        fine = _pooled(first, 128)  # both sets of numbers start from it: pooled once
        columns.append(film_numbers(first, fine))
        if gate.basis is not None:
            columns.append(np.asarray(pooled, np.float64) @ gate.basis[:DIRECTIONS].T)
        if masks is not None:  # last, so that a check fitted before them reads what it knows
            columns.append(lung_numbers(first, masks, fine))
    return np.concatenate(columns, axis=1).astype(np.float64)


def film_numbers(first, fine=None) -> np.ndarray:
    """Plain numbers of first-stage films (N x S x S, raw grey levels, borders cropped), whole
    batches at once: every classified film pays for these. `fine`: the films pooled to 128 px."""
    first = np.asarray(first, np.float32)
    first = first.reshape(len(first), first.shape[1], first.shape[2])
    n, r, e = 64, 64 // 12, 8
    s = _halved(fine) if fine is not None else _pooled(first, n)
    whole = (1, 2)
    ring = (s[:, :r].sum(whole) + s[:, -r:].sum(whole) + s[:, :, :r].sum(whole) + s[:, :, -r:].sum(whole)) / (4 * r * n)
    centre = s[:, n // 4:3 * n // 4, n // 4:3 * n // 4].mean(whole)
    corners = np.stack([s[:, :e, :e].mean(whole), s[:, :e, -e:].mean(whole), s[:, -e:, :e].mean(whole),
                        s[:, -e:, -e:].mean(whole)], axis=1)
    mean = s.mean(whole)
    z = s - mean[:, None, None]
    energy = (z * z).sum(whole, dtype=np.float64) + 1e-9
    col = s.mean(axis=1) - mean[:, None]
    row = s.mean(axis=2) - mean[:, None]
    edges = np.abs(np.diff(s, axis=2)).mean(whole) + np.abs(np.diff(s, axis=1)).mean(whole)
    columns = [(first > 0.9).mean(whole), (first < 0.1).mean(whole), ((first > 0.3) & (first < 0.7)).mean(whole),
               first.std(whole), first.mean(whole), ring, centre, corners.max(axis=1), corners.min(axis=1),
               (z * z[:, :, ::-1]).sum(whole, dtype=np.float64) / energy,
               (z * z[:, ::-1]).sum(whole, dtype=np.float64) / energy,
               (col * col[:, ::-1]).sum(axis=1, dtype=np.float64) / ((col ** 2).sum(axis=1, dtype=np.float64) + 1e-9),
               edges, _alike(row[:, :n // 2], row[:, n // 2:][:, ::-1])]
    return np.nan_to_num(np.stack([np.asarray(c, np.float64) for c in columns], axis=1).reshape(-1, 14))


def _alike(a, b) -> np.ndarray:
    """Correlation of each row of a with the same row of b; 0 where either is constant."""
    a, b = a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True)
    scale = np.sqrt((a * a).sum(axis=1, dtype=np.float64) * (b * b).sum(axis=1, dtype=np.float64))
    flat = (a.std(axis=1) == 0) | (b.std(axis=1) == 0)
    return np.where(flat, 0.0, (a * b).sum(axis=1, dtype=np.float64) / np.where(flat, 1.0, scale))


def lung_numbers(first, masks, fine=None) -> np.ndarray:
    """Per film, inside its lung mask, on the film's own grey scale (2nd..98th percentile as 0..1):
    the share of near-black pixels, how much darker the lungs are than the rest, the sharpness of
    their detail (mean absolute Laplacian at 128 px) and the skew of their grey levels. Whole
    batches at once, but the two medians: every classified film pays for these. `fine`: the films
    pooled to 128 px."""
    first = np.asarray(first, np.float32)
    n = len(first)
    rows = np.zeros((n, 4), np.float64)
    if not n:
        return rows
    first = first.reshape(n, first.shape[1], first.shape[2])
    fine = _pooled(first, 128) if fine is None else fine
    coarse = _halved(fine)
    lo, hi = np.percentile(coarse.reshape(n, -1), [2, 98], axis=1)
    span = np.maximum(hi - lo, 1e-3)
    coarse -= lo[:, None, None]
    coarse /= span[:, None, None]
    detail = 4 * fine[:, 1:-1, 1:-1]  # the Laplacian of the rescaled film is the film's own over its span
    for shifted in (fine[:, :-2, 1:-1], fine[:, 2:, 1:-1], fine[:, 1:-1, :-2], fine[:, 1:-1, 2:]):
        detail -= shifted
    np.abs(detail, out=detail)
    mask = np.stack([np.asarray(m, bool) if np.shape(m) == (64, 64) else _pooled_to(np.asarray(m, np.float32), 64) > 0.5
                     for m in masks])
    lungs = mask.sum(axis=(1, 2)).astype(np.float64)
    big = mask.repeat(2, axis=1).repeat(2, axis=2)[:, 1:-1, 1:-1]
    sharp = (detail * big).sum(axis=(1, 2), dtype=np.float64) / np.maximum(big.sum(axis=(1, 2)), 1) / span
    inside = np.where(mask, coarse, 0.0)
    count = np.maximum(lungs, 1)
    dark = ((coarse < 0.15) & mask).sum(axis=(1, 2)) / count
    centred = np.where(mask, coarse - (inside.sum(axis=(1, 2), dtype=np.float64) / count)[:, None, None], 0.0)
    spread = np.sqrt((centred ** 2).sum(axis=(1, 2)) / count)
    skew = (centred ** 3).sum(axis=(1, 2)) / count / (spread ** 3 + 1e-6)
    for k in np.flatnonzero((lungs > 0.02 * 64 * 64) & (lungs < 0.98 * 64 * 64)):  # else: no lung fields to speak of
        darker = np.median(coarse[k][~mask[k]]) - np.median(coarse[k][mask[k]])
        rows[k] = [dark[k], darker, sharp[k], np.clip(skew[k], -5, 5)]
    return np.nan_to_num(rows)


def _pooled(films, n):
    """N x S x S -> N x n x n, each pixel the mean of its block (halving where S is n times 2 or 4)."""
    if films.shape[1:] == (2 * n, 2 * n):
        return _halved(films)
    if films.shape[1:] == (4 * n, 4 * n):
        return _halved(_halved(films))
    return np.stack([_pooled_to(f, n) for f in films]).reshape(len(films), n, n)


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
        self.block = dict(block)  # its own: widening one gate never edits the card it was read from
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
    def fit(cls, frontal, other, unseen_frontal, unseen_sources, fitted_on: list, tail: float = FRONTAL_TAIL,
            film_numbers: bool = False) -> "ViewCheck":
        """frontal / other: feature rows of training films and of the non-frontal films kept for fitting;
        unseen_frontal / unseen_sources: rows of frontal films the fit does not see, and their sources,
        which set the threshold; film_numbers: whether the rows hold the first-stage film's own numbers."""
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
        block["threshold"] = threshold_for(check.scores(unseen_frontal), unseen_sources, tail)
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
