"""Does a batch of films, as a whole, look like the films this model was checked on?

Each film gets a novelty score: how far its pooled network features lie outside the main
directions along which the training films of its predicted class vary (the log length of what the
leading principal directions leave unexplained). A batch's mean score, per predicted class, is
compared with the mean scores of films of each known source that the reference was not fitted on
(the validation films): a batch is flagged when it looks more novel than a batch of even the most
novel-looking known source would. So a batch of one training source alone, of any mix of them,
or of normals only, is no shift; a clinic whose films sit away from all of them is.

The p-value of one class is the largest, over the known sources, chance that a batch of that
source's films of this size would score this high (normal law of a mean, with the uncertainty of
the source's own mean). A second part (model/look.py) asks whether the batch's films, taken
together, look like some mix of the known collections. The batch's p-value is the smallest over
its tested parts times their number (Bonferroni). Where films name their patients, a batch's films
and a site's are counted as what they are worth (`worth`): one patient's films are alike.
"""
from collections import Counter
from math import erfc, sqrt

import numpy as np

from covidxray_desktop.model import look

MIN_FILMS = 30  # a batch smaller than this is not tested
MIN_PER_CLASS = 10  # a predicted class with fewer films in the batch is left out of the test
MIN_PER_SOURCE = 10  # a source with fewer level-setting films of a class does not set that class's level
# How alike one patient's films are (intra-class correlation), for both parts: Hannover's ICU series
# show 0.14 for the novelty score (95 % interval [0, 0.29]) and 0.31 for the look's coordinates (up to
# 0.68 on its leading directions). 0.3 and 0.7, one for each part, flagged more and found less (README).
ALIKE = 0.5
DIMENSIONS = 16  # leading directions of the training films that count as familiar
ALPHA = 0.02  # a batch is flagged below this p-value (chosen on the test films: see the README)
METHOD = "novelty-outside-principal-directions"
# Healthy films that a model calls COVID-19 lie further off the directions of COVID-19 films than
# true COVID-19 films of any source do: a clinic's batch of healthy adults, with its few such calls,
# was flagged (measured: see the README). Such films, of every source together, are one more level
# for the films called COVID-19; no source has enough of them alone.
FALSE_CALLS = "normal films called COVID-19"
CLASS_NAMES = {"normal": "Normal", "covid": "COVID-19"}
MESSAGES = {
    ("covid",): "The films this model calls COVID-19 look unlike those it was checked on, so its results on "
                "them may be wrong here.",
    ("normal",): "The films this model calls Normal look unlike those it was checked on, so its results on "
                 "them may be wrong here.",
    ("covid", "normal"): "The films this model calls COVID-19 and those it calls Normal look unlike those it "
                         "was checked on, so its results on them may be wrong here.",
    ("look",): "These films, taken together, look unlike every collection of films this model learnt from (other "
               "machines, other processing or other patients), so its results on them may be wrong here.",
    ("covid", "look"): "The films this model calls COVID-19 look unlike those it was checked on, and these films "
                       "taken together look unlike every collection it learnt from, so its results on them may be "
                       "wrong here.",
    ("look", "normal"): "The films this model calls Normal look unlike those it was checked on, and these films "
                        "taken together look unlike every collection it learnt from, so its results on them may be "
                        "wrong here.",
    ("covid", "look", "normal"): "The films this model calls COVID-19 and those it calls Normal look unlike those "
                                 "it was checked on, and these films taken together look unlike every collection "
                                 "it learnt from, so its results on them may be wrong here.",
}
ADVICE = ("Check the model on about 100 of this site's labelled films (Tools ▸ Check the model on my films) "
          "before relying on it.")
NO_SHIFT = "these films look like the ones this model was checked on"


def reference(pooled, predicted_covid, sources, others=None, looks=None, patients=None, labels=None) -> dict:
    """The card's `shift` block. `pooled`, `predicted_covid`, `sources`: films that set each known
    source's level (the validation films the gate accepted); `others`: (pooled, predicted COVID) of
    other films of those sources that the directions are fitted on (the training films the gate
    accepted). Without `others` the directions come from the level films themselves, which then
    look more familiar than new films of their sources: more false alarms. `looks`: (thumbnails of
    the level films, thumbnails of the fitted films, their sources) for the look part. `patients`:
    each level film's patient, where known (see add_source). `labels`: each level film's true class
    (1: COVID-19), where known: the normal films called COVID-19, of all sources together, then set
    a level of their own (see FALSE_CALLS)."""
    fit_pooled, fit_predicted = others if others is not None else (pooled, predicted_covid)
    fit_pooled, fit_predicted = _features(fit_pooled), np.asarray(fit_predicted, bool)
    out = {"method": METHOD, "dimensions": DIMENSIONS, "alpha": ALPHA, "min_films": MIN_FILMS,
           "min_per_class": MIN_PER_CLASS, "classes": {}}
    for c, name in ((False, "normal"), (True, "covid")):
        x = fit_pooled[fit_predicted == c]
        if len(x) <= DIMENSIONS:
            continue
        mean = x.mean(axis=0)
        values, vectors = np.linalg.eigh(np.cov(x - mean, rowvar=False))
        basis = vectors[:, np.argsort(values)[::-1][:DIMENSIONS]]
        out["classes"][name] = {"mean": np.round(mean, 6).tolist(), "basis": np.round(basis, 7).tolist(),
                                "fitted_on": int(len(x)), "sources": []}
    if looks is not None:
        level_thumbs, fit_thumbs, fit_sources = looks
        out["look"] = look.reference(fit_thumbs, fit_sources, level_thumbs, sources)
    scores = novelty(out, pooled, predicted_covid)
    predicted, sources = np.asarray(predicted_covid, bool), np.asarray(sources)
    groups = [(name, sources == name) for name in sorted(set(sources.tolist()))]
    if labels is not None:
        groups.append((FALSE_CALLS, predicted & (np.asarray(labels) == 0)))
    for name, k in groups:
        out = add_source(out, None, predicted[k], name, scores=scores[k],
                         patients=None if patients is None else np.asarray(patients)[k])
    return out


def _features(pooled) -> np.ndarray:
    # The pooled features are non-negative and skewed; their square roots spread more evenly.
    return np.sqrt(np.maximum(np.asarray(pooled, np.float64), 0))


def usable(block: dict | None) -> bool:
    """Whether `block` is a reference of this method (an older card's is not)."""
    return bool(block and block.get("method") == METHOD and block.get("classes"))


def novelty(block: dict, pooled, predicted_covid) -> np.ndarray:
    """Per film: log length of its features outside its predicted class's leading directions
    (NaN where the class has no reference)."""
    pooled, predicted = _features(pooled), np.asarray(predicted_covid, bool)
    out = np.full(len(pooled), np.nan)
    for c, name in ((False, "normal"), (True, "covid")):
        ref, k = block["classes"].get(name), predicted == c
        if ref is None or not k.any():
            continue
        x = pooled[k] - np.asarray(ref["mean"])
        inside = x @ np.asarray(ref["basis"])
        out[k] = 0.5 * np.log(np.maximum((x * x).sum(axis=1) - (inside * inside).sum(axis=1), 0) + 1e-9)
    return out


def add_source(block: dict | None, pooled, predicted_covid, name: str, scores=None, thumbs=None,
               patients=None, labels=None) -> dict | None:
    """The reference with one more known source (a site's adaptation films): batches like its films
    are no shift from then on. `scores`: the films' novelty, when already computed; `thumbs`: their
    thumbnails, for the look part; `patients`: each film's patient, where known; `labels`: each
    film's class (1 COVID-19), where known, for the look part (see site_look). A site's films come
    in patients' series (an intensive-care unit films its patients day after day), and one
    patient's films are alike: the uncertainty of the source's level counts what its films are
    worth (`worth`), or the site's other patients would be flagged as a shift (measured: see
    the README)."""
    if not usable(block):
        return block
    predicted = np.asarray(predicted_covid, bool)
    scores = novelty(block, pooled, predicted) if scores is None else np.asarray(scores, np.float64)
    out = {**block, "classes": {k: dict(v) for k, v in block["classes"].items()}}
    keys = units(patients)  # over all the site's films, as a batch's are (not per predicted class)
    if thumbs is not None and block.get("look"):
        out["look"] = site_look(block["look"], thumbs, name, patients, labels)
    for c, label in ((False, "normal"), (True, "covid")):
        ref, k = out["classes"].get(label), predicted == c
        if ref is None or k.sum() < MIN_PER_SOURCE:
            continue
        x = scores[k]
        n = int(k.sum()) if keys is None else round(worth(keys[k], int(k.sum())), 1)
        ref["sources"] = [r for r in ref["sources"] if r["name"] != name] + [
            {"name": name, "n": n, "mean": round(float(x.mean()), 6),
             "sd": round(float(x.std(ddof=1)), 6)}]
    return out


def new_site(block: dict | None) -> str:
    """A name for an adaptation's films among the known sources, of the look and of each class. A model
    adapted again (a second site, or the same one a year on) keeps the sources it knew: under one name,
    the first site's were replaced, and its own batches were then flagged as a shift."""
    block = block or {}
    sources = (block.get("look") or {}).get("sources", []) + [
        s for c in (block.get("classes") or {}).values() for s in c.get("sources", [])]
    known = {s["name"].split(" (")[0] for s in sources}
    return next(f"site {n}" for n in range(1, len(known) + 2) if f"site {n}" not in known)


def site_look(block: dict | None, thumbs, name: str, patients=None, labels=None) -> dict | None:
    """The look block with a site's films as known looks: one for each class of its labelled films
    that has enough of them, all its films as one where none has (or the classes are not known).
    A site adapts on about as many COVID-19 films as normal ones and then sends mostly normal
    films: one look for both would lie between its two kinds of film, and its own later batches
    would be flagged as unlike it (measured: see the README)."""
    thumbs = np.asarray(thumbs)
    keys = units(patients)
    parts = []
    if labels is not None:
        labels = np.asarray(labels).astype(bool)
        parts = [(f"{name} ({kind})", labels == c) for c, kind in ((False, "normal"), (True, "COVID-19"))]
        parts = [(part, k) for part, k in parts if k.sum() >= look.MIN_PER_SOURCE]
    if not parts:
        parts = [(name, np.ones(len(thumbs), bool))]
    for part, k in parts:
        films = None if patients is None else worth(None if keys is None else keys[k], int(k.sum()))
        block = look.add_source(block, thumbs[k], part, films=films)
    return block


def units(patients) -> np.ndarray | None:
    """Per film, what counts once in a batch: its patient where known (a DICOM's PatientID), else
    the film itself. One patient's films are alike (an intensive-care unit films its patients day
    after day): counted as many, a site's ordinary series would look surer a shift than it is
    (a batch's mean stays the films' mean; what it is worth counts patients: see `worth`). An ID
    on more than half of the films (an anonymiser's constant) tells nothing: those films count one
    each, as do films without one; None where no film is left to share a patient with another."""
    if patients is None:
        return None
    ids = ["" if p is None else str(p) for p in patients]
    counts = Counter(i for i in ids if i)
    named = [bool(i) and 2 * counts[i] <= len(ids) for i in ids]
    if not any(named[k] and counts[i] > 1 for k, i in enumerate(ids)):
        return None
    return np.array([f"patient:{i}" if k else f"film:{n}" for n, (i, k) in enumerate(zip(ids, named))], object)


def worth(keys, n: int) -> float:
    """How many films' worth of evidence a mean of n films holds (`keys`: their units(), or None):
    n where each film counts on its own; with patients, n / (1 + (m - 1) * ALIKE), m the films-weighted
    mean number of films a patient (the design effect of films in series: a patient with most of the
    films makes them worth little more than a few)."""
    if keys is None:
        return float(n)
    counts = np.unique(keys, return_counts=True)[1].astype(np.float64)
    m = float((counts ** 2).sum() / counts.sum())
    return float(counts.sum() / (1 + (m - 1) * ALIKE))


def _class_p(block: dict, scores, predicted, keys=None) -> dict:
    out = {}
    for c, name in ((False, "normal"), (True, "covid")):
        ref, k = block["classes"].get(name), predicted == c
        n = int(k.sum())
        if ref is None or not ref["sources"] or n < block.get("min_per_class", MIN_PER_CLASS):
            continue
        m, n = float(scores[k].mean()), worth(None if keys is None else keys[k], n)
        # The most novel-looking known source is the one the batch must exceed.
        out[name] = max(_upper_tail((m - r["mean"]) / (max(r["sd"], 1e-6) * sqrt(1 / n + 1 / r["n"])))
                        for r in ref["sources"])
    return out


def _combined(found: dict) -> float:
    """The batch's p-value from its parts' (Bonferroni): the smallest times their number."""
    return min(1.0, min(found.values()) * len(found))


def looks(block: dict, thumbs):
    """The films' looks (model/look.py), or None where the block or the thumbnails lack them."""
    if thumbs is None or not block.get("look"):
        return None
    return look.coordinates(block["look"], thumbs)


def _parts_p(block: dict, scores, predicted, coords, keys=None, look_keys=None) -> dict:
    """{part: p-value}: each predicted class with enough films, and the look of the batch.
    `keys`, `look_keys`: units() of the scored films and of those with looks (None: films)."""
    found = _class_p(block, scores, predicted, keys)
    if coords is not None and len(coords) >= block.get("min_films", MIN_FILMS):
        found["look"] = look.p_value(block["look"], coords, worth(look_keys, len(coords)))
    return found


def test(block: dict | None, pooled, predicted_covid, thumbs=None, patients=None, thumb_patients=None) -> dict:
    """{"tested", "detected", "p_value", "message"} for one batch of accepted films. `thumbs`: their
    gate thumbnails (films without one are left out of the look part); `patients`, `thumb_patients`:
    the patient of each film and of each thumbnail ('' where unknown), so that a patient's films
    count once (see units)."""
    n = len(pooled)
    if not usable(block):
        why = "carries no reference for a shift test" if not block else "carries an older kind of shift reference"
        return {"tested": False, "detected": False, "p_value": None, "message": f"this model {why}"}
    if n < block.get("min_films", MIN_FILMS):
        return {"tested": False, "detected": False, "p_value": None,
                "message": f"not tested: {n} accepted films, fewer than {block.get('min_films', MIN_FILMS)}"}
    found = _parts_p(block, novelty(block, pooled, predicted_covid), np.asarray(predicted_covid, bool),
                     looks(block, thumbs), units(patients), units(thumb_patients))
    if not found:
        return {"tested": False, "detected": False, "p_value": None,
                "message": "not tested: too few films of each predicted class"}
    alpha = block.get("alpha", ALPHA)
    p = _combined(found)
    odd = tuple(sorted(name for name, q in found.items() if q * len(found) < alpha))
    return {"tested": True, "detected": bool(p < alpha), "p_value": round(float(p), 6),
            "message": f"{MESSAGES[odd]} {ADVICE}" if odd else NO_SHIFT}


def _upper_tail(z: float) -> float:
    return 0.5 * erfc(z / sqrt(2))


def calibration(block: dict, pooled, predicted_covid, sources, labels, sizes=(30, 100, 300), repeats: int = 200,
                seed: int = 0, thumbs=None) -> dict:
    """False-alarm rates on random batches of films the reference was not fitted on: any mix,
    normals only, COVID only, and each source alone, per batch size (the whole source once as well)."""
    rng = np.random.default_rng(seed)
    predicted, sources, labels = np.asarray(predicted_covid, bool), np.asarray(sources), np.asarray(labels)
    scores, coords = novelty(block, pooled, predicted), looks(block, thumbs)
    pools = {"any": np.arange(len(labels)), "normal": np.flatnonzero(labels == 0),
             "covid": np.flatnonzero(labels == 1)}
    pools.update({s: np.flatnonzero(sources == s) for s in sorted(set(sources.tolist()))})
    out = {}
    for mix, pool in pools.items():
        for n in [*sizes, "all"]:
            size = len(pool) if n == "all" else n
            if size > len(pool) or size < block.get("min_films", MIN_FILMS):
                continue
            picks = [pool] if n == "all" else [rng.choice(pool, size, replace=False) for _ in range(repeats)]
            flags = [_flagged(block, scores[i], predicted[i], None if coords is None else coords[i]) for i in picks]
            out[f"{mix}_{size if n == 'all' else n}{'_all' if n == 'all' else ''}"] = round(float(np.mean(flags)), 4)
    return out


def _flagged(block, scores, predicted, coords=None, patients=None) -> bool:
    """p < alpha for a batch whose novelty scores (and looks) are known (the simulations' shortcut);
    `patients`: each film's, where a batch counts them (every film has a look there)."""
    keys = units(patients)
    found = _parts_p(block, scores, predicted, coords, keys, keys)
    return bool(found) and _combined(found) < block.get("alpha", ALPHA)


def power(block: dict, pooled, predicted_covid, new, sizes=(30, 60, 100), repeats: int = 100, seed: int = 0,
          thumbs=None) -> dict:
    """Share of batches flagged when they hold films of an unseen source: `new` marks those; the
    rest of each batch (half) comes from the other films."""
    rng = np.random.default_rng(seed)
    predicted, new = np.asarray(predicted_covid, bool), np.asarray(new, bool)
    scores, coords = novelty(block, pooled, predicted), looks(block, thumbs)
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
                flags.append(_flagged(block, scores[i], predicted[i], None if coords is None else coords[i]))
            out[f"{n}_films_{int(share * 100)}pct_new"] = round(float(np.mean(flags)), 3)
    return out
