"""A model's own figures: the one answer to "how good is this model?" that the status bar, the
About page, the store (and so every PDF) and the "Use this model" warning all give.

A trained model's figures are those of its test split. An adapted model keeps its base model's
card blocks, but those numbers belong to another model at another threshold: its own figures are
those of its site's check part (films the adaptation did not see), measured after adaptation at
its own threshold. Those are measured at the model's default operating point; at another point
the card's counts of films labelled right per population give them (`at_point`), so that a
threshold and the figures beside it always belong together.
"""
import math

from covidxray_desktop.model import operating

KEYS = ("n", "n_covid", "n_normal", "threshold", "auc", "auc_ci95", "sensitivity", "sensitivity_ci95", "specificity",
        "specificity_ci95", "balanced_accuracy", "balanced_accuracy_ci95")


def own(card: dict, point: str | None = None) -> dict:
    """{n, auc, sensitivity, specificity, ... with their _ci95, "where": "test" | "site_check",
    "point": the operating point they were measured at}: at `point` where the card can tell, else
    at the model's default point (a custom threshold's figures are not known)."""
    metrics = card.get("metrics") or {}
    check = ((metrics.get("site") or {}).get("check") or {})
    if card.get("adapted_from") and check.get("after"):
        where, m = "site_check", check["after"]
    else:
        where, m = "test", metrics.get("test") or {}
    out = dict(_pick(m), where=where, point=operating.default(card))
    at = at_point(card, point) if point and point != out["point"] else None
    if at:
        out.update(at, point=point)
        out.pop("balanced_accuracy_ci95", None)
    return out


def at_point(card: dict, point: str) -> dict | None:
    """Threshold, sensitivity, specificity (with their intervals) and balanced accuracy at the
    card's operating point `point`, summed over its populations on the films the model's own
    figures come from; None where the card holds no such counts."""
    metrics = card.get("metrics") or {}
    adapted = card.get("adapted_from") and ((metrics.get("site") or {}).get("check") or {}).get("after")
    trade = (metrics.get("operating_points") or {}).get(point) or {}
    if trade.get("split") != ("site check" if adapted else "test"):
        return None
    totals = {}
    for m in (trade.get("per_source") or {}).values():
        right, n = totals.get(m.get("label"), (0, 0))
        totals[m.get("label")] = (right + int(m["right"]), n + int(m["n"]))
    if not (totals.get("covid", (0, 0))[1] and totals.get("normal", (0, 0))[1]):
        return None
    out = {"threshold": trade["threshold"]}
    for key, label in (("sensitivity", "covid"), ("specificity", "normal")):
        right, n = totals[label]
        out[key], out[f"{key}_ci95"] = round(right / n, 4), wilson(right, n)
    out["balanced_accuracy"] = round((out["sensitivity"] + out["specificity"]) / 2, 4)
    return out


def wilson(k: int, n: int, z: float = 1.96) -> list | None:
    """95 % Wilson score interval of a proportion k / n (sound for small n and for 0 or n)."""
    if n == 0:
        return None
    phat = k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def other_pneumonias(card: dict) -> tuple[int, int] | None:
    """(called COVID-19, judged) among the films of pneumonias that are not COVID-19 that the model was
    scored on (`train`'s other_findings; lung nodules aside): what a "COVID-19" answer can also mean."""
    try:  # a card's keys the checks at load do not cover: an edited card must not stop a batch
        findings = card["metrics"]["other_findings"]["per_finding"]
        called = sum(int(m.get("called_covid", 0)) for f, m in findings.items() if f != "lung nodule")
        judged = sum(int(m.get("n", 0)) - int(m.get("refused", 0)) for f, m in findings.items() if f != "lung nodule")
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return (called, judged) if judged > 0 else None


def before_after(card: dict) -> tuple[dict, dict] | None:
    """An adapted model's check part, scored by its base model and by itself; None otherwise."""
    check = (((card.get("metrics") or {}).get("site") or {}).get("check") or {})
    if not (card.get("adapted_from") and check.get("before") and check.get("after")):
        return None
    return _pick(check["before"]), _pick(check["after"])


def _pick(m: dict) -> dict:
    return {k: m[k] for k in KEYS if m.get(k) is not None}


def interval(m: dict, key: str, digits: int = 3) -> str:
    """0.846 [0.58, 0.96], never a bare number: the interval says how much a few films know."""
    v, ci = m.get(key), m.get(f"{key}_ci95")
    if v is None:
        return "–"
    return f"{v:.{digits}f}" + (f" {bounds(ci)}" if ci else "")


def bounds(ci) -> str:
    """[0.91, 0.98]: rounded outwards, so the interval printed always holds its value (an AUC of 0.999
    read "0.999 [1.00, 1.00]", outside its own interval and seemingly certain)."""
    lo, hi = outward(ci)
    return f"[{lo:.2f}, {hi:.2f}]"


def outward(ci) -> tuple[float, float]:
    """An interval's ends as `bounds` prints them: to two decimals, rounded outwards."""
    return math.floor(round(ci[0] * 100, 6)) / 100, math.ceil(round(ci[1] * 100, 6)) / 100
