"""Does a batch of films, as a whole, look like the films this model was validated on?

The network's pooled features of the batch are compared, for each predicted class separately
(so a batch of only normals, or only COVID films, is not a shift), with the validation films of
each training source. The batch's mean feature vector is explained as the best mixture of the
sources' means (any mix of the training sources, one alone included, is no shift); what that
mixture cannot explain, in units of the films' own spread, is the shift. Under no shift the
statistic follows a chi-square law, which gives the p-value.
"""
import numpy as np

MIN_FILMS = 30  # a batch smaller than this is not tested
MIN_PER_CLASS = 10  # a predicted class with fewer films in the batch is left out of the test
MIN_PER_SOURCE = 5  # a source with fewer validation films of a class does not shape its reference
DIMENSIONS = 8  # leading directions of the within-source spread that the test looks along
ALPHA = 0.01  # a batch is flagged below this p-value (see the README for how it was set)
MESSAGE = ("These films differ from the ones this model was checked on: check it on your own films "
           "before relying on it.")


def reference(pooled, predicted_covid, sources, others=None, seed: int = 0) -> dict:
    """The card's `shift` block, from the validation films the gate accepted.

    Films of one patient, or one collection's figures, are more alike than independent draws:
    a plain chi-square would call many a batch of known sources a shift. The over-dispersion
    factor is measured on other films of the same sources that the reference never saw, the
    training films (`others`: pooled features and predicted classes): the smallest factor that
    keeps their batches' false alarms under ALPHA."""
    out = _fit(pooled, predicted_covid, sources)
    if others is not None:
        out["dispersion"] = _dispersion(out, *others, seed=seed)
    return out


def _dispersion(block, pooled, predicted, seed: int, repeats: int = 60) -> float:
    rng = np.random.default_rng(seed)
    pooled, predicted = np.asarray(pooled, np.float64), np.asarray(predicted, bool)
    found = []  # per simulated batch: (statistic, degrees of freedom)
    everyone = np.arange(len(pooled))
    for mix, pool in (("any", everyone), ("normal", everyone[~predicted]), ("covid", everyone[predicted])):
        for n in (30, 100, 300):
            if n > len(pool):
                continue
            for _ in range(repeats):
                pick = rng.choice(pool, n, replace=False)
                result = _statistic(block, pooled[pick], predicted[pick])
                if result is not None:
                    found.append(result)
    for factor in (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0):
        if not found or np.mean([chi2_sf(t / factor, k) < ALPHA for t, k in found]) <= ALPHA * 0.8:
            return factor
    return 20.0


def _fit(pooled, predicted_covid, sources) -> dict:
    pooled = np.asarray(pooled, np.float64)
    predicted = np.asarray(predicted_covid, bool)
    sources = np.asarray(sources)
    out = {"method": "mixture-of-sources residual of the batch mean, per predicted class, chi-square",
           "dimensions": DIMENSIONS, "alpha": ALPHA, "min_films": MIN_FILMS, "classes": {}}
    for c, name in ((False, "normal"), (True, "covid")):
        k = predicted == c
        names = [s for s in sorted(set(sources[k].tolist())) if (k & (sources == s)).sum() >= MIN_PER_SOURCE]
        if not names:
            continue
        groups = [pooled[k & (sources == s)] for s in names]
        means = np.stack([g.mean(axis=0) for g in groups])
        centred = np.concatenate([g - g.mean(axis=0) for g in groups])
        cov = centred.T @ centred / max(len(centred) - 1, 1)
        cov += 0.05 * np.trace(cov) / len(cov) * np.eye(len(cov))
        values, vectors = np.linalg.eigh(cov)
        top = np.argsort(values)[::-1][:DIMENSIONS]
        whiten = vectors[:, top] / np.sqrt(values[top])
        out["classes"][name] = {"sources": names, "counts": [len(g) for g in groups],
                                "means": np.round(means @ whiten, 6).tolist(),
                                "whiten": np.round(whiten, 8).tolist()}
    return out


def add_source(block: dict | None, pooled, predicted_covid, name: str) -> dict | None:
    """The reference with one more source (a site's adaptation films): its batches are no shift."""
    if not block or not block.get("classes"):
        return block
    out = {**block, "classes": {k: dict(v) for k, v in block["classes"].items()}}
    pooled, predicted = np.asarray(pooled, np.float64), np.asarray(predicted_covid, bool)
    for c, label in ((False, "normal"), (True, "covid")):
        ref = out["classes"].get(label)
        k = predicted == c
        if ref is None or k.sum() < MIN_PER_SOURCE:
            continue
        mean = pooled[k].mean(axis=0) @ np.asarray(ref["whiten"])
        ref.update(sources=ref["sources"] + [name], counts=ref["counts"] + [int(k.sum())],
                   means=ref["means"] + [np.round(mean, 6).tolist()])
    return out


def test(block: dict | None, pooled, predicted_covid) -> dict:
    """{"tested", "detected", "p_value", "message"} for one batch of accepted films."""
    n = len(pooled)
    if not block or not block.get("classes"):
        return {"tested": False, "detected": False, "p_value": None,
                "message": "this model carries no reference for a shift test"}
    if n < block.get("min_films", MIN_FILMS):
        return {"tested": False, "detected": False, "p_value": None,
                "message": f"not tested: {n} accepted films, fewer than {block.get('min_films', MIN_FILMS)}"}
    p = p_value(block, pooled, predicted_covid)
    if p is None:
        return {"tested": False, "detected": False, "p_value": None,
                "message": "not tested: too few films of each predicted class"}
    detected = p < block.get("alpha", ALPHA)
    return {"tested": True, "detected": bool(detected), "p_value": round(float(p), 6),
            "message": MESSAGE if detected else "these films look like the ones this model was checked on"}


def p_value(block: dict, pooled, predicted_covid) -> float | None:
    result = _statistic(block, pooled, predicted_covid)
    if result is None:
        return None
    statistic, dof = result
    return chi2_sf(statistic / block.get("dispersion", 1.0), dof)


def _statistic(block: dict, pooled, predicted_covid):
    """(chi-square statistic, degrees of freedom) of a batch against the reference, or None."""
    pooled = np.asarray(pooled, np.float64)
    predicted = np.asarray(predicted_covid, bool)
    statistic, dof = 0.0, 0
    for c, name in ((False, "normal"), (True, "covid")):
        ref = block["classes"].get(name)
        k = predicted == c
        if ref is None or k.sum() < MIN_PER_CLASS:
            continue
        means, whiten = np.asarray(ref["means"]), np.asarray(ref["whiten"])
        z = pooled[k].mean(axis=0) @ whiten
        w = simplex_least_squares(means.T, z)
        residual = z - means.T @ w
        # The batch mean's own noise plus that of the source means it was explained by.
        variance = 1 / k.sum() + float((w ** 2 / np.asarray(ref["counts"])).sum())
        statistic += float(residual @ residual) / variance
        dof += whiten.shape[1]
    return None if dof == 0 else (statistic, dof)


def simplex_least_squares(a: np.ndarray, b: np.ndarray, iterations: int = 300) -> np.ndarray:
    """argmin ||a w - b|| over w >= 0, sum(w) = 1 (projected gradient; a few sources only)."""
    n = a.shape[1]
    w = np.full(n, 1 / n)
    step = 1 / (np.linalg.norm(a, 2) ** 2 + 1e-12)
    for _ in range(iterations):
        w = _project(w - step * (a.T @ (a @ w - b)))
    return w


def _project(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u)
    rho = np.nonzero(u * np.arange(1, len(v) + 1) > css - 1)[0][-1]
    return np.maximum(v - (css[rho] - 1) / (rho + 1), 0)


def chi2_sf(x: float, k: int) -> float:
    """Upper tail of the chi-square law with k degrees of freedom (k even or odd), no SciPy."""
    if x <= 0:
        return 1.0
    if k % 2 == 0:  # closed form: Poisson sum
        term, total = 1.0, 1.0
        for i in range(1, k // 2):
            term *= (x / 2) / i
            total += term
        return float(min(1.0, np.exp(-x / 2) * total))
    # Wilson-Hilferty cube-root approximation, accurate to ~1e-3 here
    from math import erfc, sqrt

    z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / sqrt(2 / (9 * k))
    return 0.5 * erfc(z / sqrt(2))


def calibration(block: dict, pooled, predicted_covid, labels, sizes=(30, 100, 300), repeats: int = 200,
                seed: int = 0) -> dict:
    """False-alarm rates on random batches of films the model was not fitted on (any class mix,
    one class only), per batch size: the test's promise, checked."""
    rng = np.random.default_rng(seed)
    pooled, predicted, labels = np.asarray(pooled), np.asarray(predicted_covid, bool), np.asarray(labels)
    out = {}
    for mix, pool in (("any", np.arange(len(labels))), ("normal", np.flatnonzero(labels == 0)),
                      ("covid", np.flatnonzero(labels == 1))):
        for n in sizes:
            if n > len(pool):
                continue
            alarms = [p_value(block, pooled[i], predicted[i]) for i in
                      (rng.choice(pool, n, replace=False) for _ in range(repeats))]
            out[f"{mix}_{n}"] = round(float(np.mean([a is not None and a < block["alpha"] for a in alarms])), 4)
    return out


def power(block: dict, pooled, predicted_covid, new, sizes=(30, 60, 100), repeats: int = 100, seed: int = 0) -> dict:
    """Share of batches flagged when they hold films of an unseen source: `new` marks those; the
    rest of each batch (half) comes from the other films."""
    rng = np.random.default_rng(seed)
    pooled, predicted, new = np.asarray(pooled), np.asarray(predicted_covid, bool), np.asarray(new, bool)
    fresh, known = np.flatnonzero(new), np.flatnonzero(~new)
    out = {}
    for n in sizes:
        for share in (1.0, 0.5):
            k = int(n * share)
            if k > len(fresh) or n - k > len(known):
                continue
            flags = []
            for _ in range(repeats):
                i = np.r_[rng.choice(fresh, k, replace=False), rng.choice(known, n - k, replace=False)]
                p = p_value(block, pooled[i], predicted[i])
                flags.append(p is not None and p < block["alpha"])
            out[f"{n}_films_{int(share * 100)}pct_new"] = round(float(np.mean(flags)), 3)
    return out
