"""Operating points: the named thresholds on calibrated P(COVID) a clinic chooses between.

A model card names two, both chosen on the validation split:
- `screening`: the highest threshold keeping sensitivity >= 0.95, whatever it costs the normals;
- `balanced`: among thresholds keeping sensitivity >= 0.90, the one that labels right the largest
  share of the population it serves worst (each source of at least 10 films counts; a source of
  normals is served by its specificity, a source of COVID-19 films by its sensitivity).
The card's default point is `balanced`; its `threshold` stays the default point's, for readers that
know one threshold only. An older card holds that one threshold: it reads as one point, `model`.
A threshold typed by hand is the point `custom`.
"""
import numpy as np

from covidxray_desktop.errors import UsageError

SCREENING, BALANCED, CUSTOM, MODEL = "screening", "balanced", "custom", "model"
DEFAULT = BALANCED
NAMES = {BALANCED: "Balanced", SCREENING: "Screening", MODEL: "Model's own", CUSTOM: "Custom"}  # as people see them
SCREENING_SENSITIVITY = 0.95
BALANCED_SENSITIVITY = 0.90
MIN_SOURCE_FILMS = 10
LOWEST, HIGHEST = 0.001, 0.999  # the thresholds a person can set in the window


CLOSE_ODDS = 2.0  # an answer whose odds lie within this factor of the threshold's is close to it


def close(p_covid: float | None, threshold: float | None) -> bool:
    """Whether an answer lies close to its threshold (odds within a factor of 2): 0.29 against 0.316
    reads "Normal" as firmly as 0.001 does, in a label and a heat map drawn to its own scale."""
    if p_covid is None or threshold is None or not 0 < threshold < 1:
        return False
    p = min(max(p_covid, 1e-9), 1 - 1e-9)
    ratio = (p / (1 - p)) / (threshold / (1 - threshold))
    return 1 / CLOSE_ODDS <= ratio <= CLOSE_ODDS


def groups(y, sources) -> dict:
    """name -> mask of the films of one population: a source of one class is named as it is; a
    source holding both classes is two populations, 'name (COVID-19)' and 'name (normal)'."""
    y = np.asarray(y, int)
    if sources is None:
        return {}
    sources = np.asarray(sources, dtype=object)
    out = {}
    for source in sorted(set(sources.tolist()), key=str):
        mine = sources == source
        classes = sorted(set(y[mine].tolist()))
        for label in classes:
            name = str(source) if len(classes) == 1 else f"{source} ({'COVID-19' if label else 'normal'})"
            out[name] = mine & (y == label)
    return out


def share_right(p, y, mask, threshold: float) -> tuple[int, int]:
    """(films labelled right, films) of one population at `threshold`."""
    p, y = np.asarray(p, float)[mask], np.asarray(y, int)[mask]
    return int(((p >= threshold) == (y == 1)).sum()), int(mask.sum())


def measure(p, y, threshold: float, sources=None, min_films: int = MIN_SOURCE_FILMS) -> dict:
    """What a threshold does on labelled films: sensitivity, specificity, balanced accuracy and the
    population (of at least `min_films`) it serves worst, with the share of its films labelled right."""
    p, y = np.asarray(p, float), np.asarray(y, int)
    called = p >= threshold
    sens = float(called[y == 1].mean()) if (y == 1).any() else None
    spec = float((~called[y == 0]).mean()) if (y == 0).any() else None
    known = [v for v in (sens, spec) if v is not None]
    worst, worst_share = None, None
    for name, mask in groups(y, sources).items():
        right, n = share_right(p, y, mask, threshold)
        if n >= min_films and (worst_share is None or right / n < worst_share):
            worst, worst_share = name, right / n
    return {"sensitivity": _round(sens), "specificity": _round(spec),
            "balanced_accuracy": _round(sum(known) / len(known) if known else None),
            "worst_source": worst, "worst_source_right": _round(worst_share)}


def screening(p, y, sources=None, where: str = "the validation split",
              sensitivity: float = SCREENING_SENSITIVITY) -> dict:
    """The highest threshold whose sensitivity on `where` still reaches `sensitivity`."""
    from covidxray_desktop.model.calibration import threshold_for_sensitivity

    threshold = float(np.clip(threshold_for_sensitivity(p, y, sensitivity), LOWEST, HIGHEST))
    point = _point(threshold, f"sensitivity >= {sensitivity} for COVID-19 on {where} (screening)", p, y, sources)
    found = point["val"]["sensitivity"]
    if found is not None and found < sensitivity - 1e-9:  # its COVID-19 films score below the lowest threshold
        point["rule"] += f"; not met: sensitivity {found:.2f} there at the lowest threshold, {LOWEST}"
    return point


def balanced(p, y, sources=None, where: str = "the validation split",
             sensitivity: float = BALANCED_SENSITIVITY) -> dict:
    """Among thresholds keeping sensitivity >= `sensitivity` on `where`, the one whose worst
    population (of at least MIN_SOURCE_FILMS films) has the largest share labelled right; ties go
    to the better balanced accuracy, then to the higher threshold. Without sources (one site), the
    best balanced accuracy. When no threshold keeps that sensitivity: the screening threshold."""
    p, y = np.asarray(p, float), np.asarray(y, int)
    candidates = _candidates(p)
    positives, negatives = np.sort(p[y == 1]), np.sort(p[y == 0])
    if not len(positives):
        return _fallback(p, y, sources, where, sensitivity)
    sens = _at_or_above(positives, candidates) / len(positives)
    spec = 1 - _at_or_above(negatives, candidates) / len(negatives) if len(negatives) else sens
    worst = np.full(len(candidates), np.inf)
    counted = {name: mask for name, mask in groups(y, sources).items() if mask.sum() >= MIN_SOURCE_FILMS}
    for name, mask in counted.items():
        mine = np.sort(p[mask])
        called = _at_or_above(mine, candidates) / len(mine)
        worst = np.minimum(worst, called if y[mask][0] == 1 else 1 - called)
    allowed = sens >= sensitivity - 1e-12
    if not allowed.any():
        return _fallback(p, y, sources, where, sensitivity)
    order = np.lexsort((candidates, (sens + spec) / 2, worst))  # the last key sorts first
    best = next(i for i in order[::-1] if allowed[i])
    how = ("then the largest share labelled right in the source served worst, of those with at least "
           f"{MIN_SOURCE_FILMS} films" if counted else "then the best balanced accuracy")
    return _point(float(candidates[best]), f"sensitivity >= {sensitivity} for COVID-19 on {where}, "
                                           f"{how} (balanced)", p, y, sources)


def choose(p, y, sources=None, where: str = "the validation split") -> dict:
    """Both points, chosen on the same films."""
    return {BALANCED: balanced(p, y, sources, where), SCREENING: screening(p, y, sources, where)}


def card_fields(points: dict, default: str = DEFAULT) -> dict:
    """The card's fields for these points: the block, its default, and the default's threshold and
    rule as the card's one `threshold` and `operating_point` (what older readers and the store use)."""
    points = ordered(points)
    return {"operating_points": points, "default_operating_point": default,
            "threshold": points[default]["threshold"], "operating_point": points[default]["rule"]}


def ordered(points: dict) -> dict:
    """Screening never calls fewer films COVID-19 than balanced. Balanced may choose a threshold
    below screening's, when the population served worst is a source of COVID-19 films (a model
    trained without one source did): there screening takes balanced's threshold."""
    screen, bal = points.get(SCREENING), points.get(BALANCED)
    if screen is None or bal is None or screen["threshold"] <= bal["threshold"]:
        return points
    rule = (f"{screen['rule']}; lowered to the balanced threshold, since that keeps a higher "
            f"sensitivity already")
    return dict(points, **{SCREENING: dict(bal, rule=rule)})


def points(card: dict) -> dict:
    """name -> {threshold, rule, ...}: the card's points; an older card's one threshold as `model`."""
    if card.get("operating_points"):
        return card["operating_points"]
    return {MODEL: {"threshold": card["threshold"], "rule": card.get("operating_point", "")}}


def default(card: dict) -> str:
    return card.get("default_operating_point", DEFAULT) if card.get("operating_points") else MODEL


def check_choice(name: str | None, threshold: float | None) -> None:
    """A named point or a threshold by hand, not both; a threshold inside (0, 1). Else UsageError."""
    if threshold is not None and name is not None:
        raise UsageError("--threshold sets a custom threshold and --operating-point chooses a named one; "
                         "give one of them")
    if threshold is not None and not 0 < threshold < 1:
        raise UsageError("--threshold must be between 0 and 1 (both excluded)")


def resolve(card: dict, name: str | None = None, threshold: float | None = None) -> tuple[str, float]:
    """(point, threshold) in force: a threshold given by hand is `custom`; no name, the default."""
    check_choice(name, threshold)
    if threshold is not None:
        return CUSTOM, float(threshold)
    known = points(card)
    name = default(card) if name is None else name
    if name not in known:
        raise UsageError(f"--operating-point {name}: this model has no such point; it has {', '.join(known)}")
    return name, float(known[name]["threshold"])


def _candidates(p: np.ndarray) -> np.ndarray:
    """A threshold in every gap between neighbouring P(COVID) values, and one at the lowest:
    every way the films can be split, each once."""
    values = np.unique(p)
    if not len(values):
        return np.array([0.5])
    return np.unique(np.clip(np.concatenate([values[:1], (values[:-1] + values[1:]) / 2]), LOWEST, HIGHEST))


def _at_or_above(ordered: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many of the sorted values are >= each threshold."""
    return len(ordered) - np.searchsorted(ordered, thresholds, side="left")


def _fallback(p, y, sources, where: str, sensitivity: float = BALANCED_SENSITIVITY) -> dict:
    threshold = screening(p, y, sources, where, max(sensitivity, SCREENING_SENSITIVITY))["threshold"]
    return _point(threshold, f"the screening threshold: no threshold keeps sensitivity >= {sensitivity} "
                             f"for COVID-19 on {where} (balanced)", p, y, sources)


def _point(threshold: float, rule: str, p, y, sources) -> dict:
    threshold = round(float(threshold), 6)  # as the card keeps it: the figures are the kept threshold's
    return {"threshold": threshold, "rule": rule, "val": measure(p, y, threshold, sources)}


def _round(value):
    return None if value is None else round(float(value), 4)


def carried(before, after, threshold: float) -> float:
    """The threshold on `after` (the same films' P under the adapted network) at the rank that
    `threshold` holds among `before`: the base model's point on the new network's scale, calling
    as many of them COVID-19. Ranks are interpolated between neighbouring films, so that two
    thresholds between the same two films stay two (a few hundred stored films)."""
    before, after = np.sort(np.asarray(before, np.float64)), np.sort(np.asarray(after, np.float64))
    if not len(before) or len(before) != len(after):
        return float(threshold)
    rank = np.interp(threshold, before, np.arange(len(before)))
    return round(float(np.clip(np.interp(rank, np.arange(len(after)), after), LOWEST, HIGHEST)), 6)
