"""A model's own figures: the one answer to "how good is this model?" that the status bar, the
About page, the store (and so every PDF) and the "Use this model" warning all give.

A trained model's figures are those of its test split. An adapted model keeps its base model's
card blocks, but those numbers belong to another model at another threshold: its own figures are
those of its site's check part (films the adaptation did not see), measured after adaptation at
its own threshold.
"""
KEYS = ("n", "n_covid", "n_normal", "threshold", "auc", "auc_ci95", "sensitivity", "sensitivity_ci95", "specificity",
        "specificity_ci95", "balanced_accuracy", "balanced_accuracy_ci95")


def own(card: dict) -> dict:
    """{n, auc, sensitivity, specificity, ... with their _ci95, "where": "test" | "site_check"}."""
    metrics = card.get("metrics") or {}
    check = ((metrics.get("site") or {}).get("check") or {})
    if card.get("adapted_from") and check.get("after"):
        where, m = "site_check", check["after"]
    else:
        where, m = "test", metrics.get("test") or {}
    return dict(_pick(m), where=where)


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
    return f"{v:.{digits}f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "")
