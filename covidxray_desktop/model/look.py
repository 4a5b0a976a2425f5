"""Does a batch of films, taken together, look like some mix of the collections the model learnt from?

The shift test's second part, on the gate's 32 px thumbnail of each film (the film within its
blank borders, equalised) instead of the network's features. Each collection (source) has its own look: its
machines, processing and patients. A film's look is its thumbnail on the 12 leading principal
directions of the training films, whitened by the spread of films within one source. A batch's
mean look is compared with the nearest mix of the known sources' mean looks (validation films):
a batch of one known source, or of any mix of them, lies near that mix; a batch from a collection
unlike all of them (children's films when the model never saw a child's, films digitised from
print) does not, however familiar each film looks to the network.

The batch mean's distance from the nearest mix is tested against its chance spread: films within
a source (1/n), the uncertainty of each source's own mean (1/n_s), and `tau2`, how much patients
of one source differ from other patients of it (the mean excess between each source's training
and validation films' mean looks; that gap holds two patient samples' spread, so the estimate errs
towards no alarm). Its square over that spread is chi-square with 12 degrees of freedom.
"""
from math import exp, isfinite

import numpy as np

DIMENSIONS = 12  # even: the chi-square tail below is exact for even degrees of freedom
MIN_PER_SOURCE = 10  # a source with fewer films does not set a look of its own


def reference(fit_thumbs, fit_sources, level_thumbs, level_sources) -> dict | None:
    """The card's `shift.look` block: directions and spread from `fit_thumbs` (the training films),
    each source's mean look from `level_thumbs` (validation films, which the directions never saw)."""
    x, fit_sources = np.asarray(fit_thumbs, np.float64), np.asarray(fit_sources)
    level, level_sources = np.asarray(level_thumbs, np.float64), np.asarray(level_sources)
    names = sorted(set(fit_sources.tolist()))
    if len(x) <= 4 * DIMENSIONS:
        return None
    mean = x.mean(axis=0)
    basis = np.linalg.svd(x - mean, full_matrices=False)[2][:DIMENSIONS]
    z = (x - mean) @ basis.T
    within = np.concatenate([z[fit_sources == s] - z[fit_sources == s].mean(axis=0) for s in names])
    try:  # too few films beside their sources' means leave the spread singular: no look part then
        whiten = np.linalg.inv(np.linalg.cholesky(within.T @ within / max(len(within) - 1, 1)))
    except np.linalg.LinAlgError:
        return None
    block = {"dimensions": DIMENSIONS, "mean": np.round(mean, 6).tolist(), "basis": np.round(basis, 7).tolist(),
             "whiten": np.round(whiten, 7).tolist(), "tau2": 0.0, "sources": []}
    coords, excess = coordinates(block, level), []
    for name in sorted(set(level_sources.tolist())):
        k, fit = level_sources == name, fit_sources == name
        if k.sum() < MIN_PER_SOURCE:
            continue
        block = add_source(block, None, name, coords=coords[k])
        if fit.sum() >= MIN_PER_SOURCE:  # other patients of the same source: how far apart they sit
            d = coords[k].mean(axis=0) - (z[fit].mean(axis=0) @ whiten.T)
            excess.append(max(0.0, (d @ d - DIMENSIONS * (1 / k.sum() + 1 / fit.sum())) / DIMENSIONS))
    block["tau2"] = round(float(np.mean(excess)) if excess else 0.0, 6)
    return block if block["sources"] else None


def coordinates(block: dict, thumbs) -> np.ndarray:
    """Each film's look: whitened coordinates on the leading directions."""
    t = np.asarray(thumbs, np.float64) - np.asarray(block["mean"])
    return (t @ np.asarray(block["basis"]).T) @ np.asarray(block["whiten"]).T


def add_source(block: dict | None, thumbs, name: str, coords=None, films: float | None = None) -> dict | None:
    """The block with one more known source (a site's adaptation films); fewer than 10 films set none.
    `films`: what they are worth in films, where fewer than they are (patients filmed in series)."""
    if not block:
        return block
    coords = coordinates(block, thumbs) if coords is None else np.asarray(coords, np.float64)
    if len(coords) < MIN_PER_SOURCE:
        return block
    n = len(coords) if films is None else round(float(films), 1)
    centre = {"name": name, "n": n, "centre": np.round(coords.mean(axis=0), 6).tolist()}
    return {**block, "sources": [s for s in block["sources"] if s["name"] != name] + [centre]}


def p_value(block: dict, coords, films: float | None = None) -> float:
    """Chance that a batch of known films of this size would lie this far from the nearest mix of
    the known sources' looks. `films`: what the batch is worth in films, where fewer than it holds
    (one patient's films are alike)."""
    coords = np.asarray(coords, np.float64)
    if not np.isfinite(coords).all():
        raise ValueError("a film's look is not a number")
    centres = np.array([s["centre"] for s in block["sources"]]).T  # dimensions x sources
    counts = np.array([s["n"] for s in block["sources"]], np.float64)
    target = coords.mean(axis=0)
    w = nearest_mix(centres, target)
    r = centres @ w - target
    spread = 1 / (films or len(coords)) + float(np.sum(w ** 2 / counts)) + float(block.get("tau2", 0.0))
    return chi2_tail(float(r @ r) / spread, int(block["dimensions"]))


def nearest_mix(centres: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights w >= 0, sum 1, with centres @ w nearest `target`, exactly: an active-set method
    (Lawson and Hanson's, on the simplex). A handful of sources: a few small linear solves, no
    solver library; the shift test's simulations call it thousands of times in training. Where two
    sources' looks coincide, any split between them is as near; the weight goes to one of them."""
    centres, target = np.asarray(centres, np.float64), np.asarray(target, np.float64)
    # Solved about the first centre, in units of the spread: the same mix whatever the scale, and
    # the weights' sum stays exact in the linear solves.
    origin = centres[:, 0]
    scale = max(float(np.abs(centres - origin[:, None]).max()), float(np.abs(target - origin).max()))
    if scale == 0:
        return np.full(centres.shape[1], 1 / centres.shape[1])
    centres, target = (centres - origin[:, None]) / scale, (target - origin) / scale
    gram, lin = centres.T @ centres, centres.T @ target
    w = np.zeros(centres.shape[1])
    w[int(np.argmin(((centres - target[:, None]) ** 2).sum(axis=0)))] = 1.0  # the nearest source
    free = w > 0
    for _ in range(10 * len(w) + 10):
        grad = gram @ w - lin
        slack = grad - grad[free].mean()  # what moving weight onto each source would gain (< 0: it helps)
        slack[free] = 0.0
        j = int(np.argmin(slack))
        if slack[j] >= -1e-12:
            break  # no source left out would bring the mix nearer: optimal
        free[j] = True
        while True:  # the best mix of the free sources; where it leaves the simplex, go to its edge
            z = _best_on(gram, lin, free)
            if (z[free] > 0).all():
                w = z
                break
            leaving = np.flatnonzero(free & (z <= 0))
            gone = w[leaving] - z[leaving]
            steps = np.where(gone > 0, w[leaving] / np.where(gone > 0, gone, 1), 0.0)
            w = w + float(steps.min()) * (z - w)
            free[leaving[int(np.argmin(steps))]] = False
            free &= w > 0
            w[~free] = 0.0
    w = np.maximum(w, 0.0)
    return w / w.sum()


def _best_on(gram, lin, free) -> np.ndarray:
    """The least-squares mix of the free sources with weights summing to 1 (signs unconstrained)."""
    idx = np.flatnonzero(free)
    m = len(idx)
    kkt = np.zeros((m + 1, m + 1))
    kkt[:m, :m] = gram[np.ix_(idx, idx)]
    kkt[:m, m] = kkt[m, :m] = 1.0
    solved = np.linalg.lstsq(kkt, np.r_[lin[idx], 1.0], rcond=None)[0]
    z = np.zeros(len(lin))
    z[idx] = solved[:m]
    return z


def chi2_tail(x: float, dof: int) -> float:
    """P(chi-square with an even number of degrees of freedom > x), exactly."""
    if not isfinite(x):
        return 0.0 if x > 0 else 1.0
    half, term, total = x / 2, 1.0, 1.0
    for i in range(1, dof // 2):
        term *= half / i
        total += term
    return min(1.0, exp(-half) * total)
