"""The model card's schema: every field the app acts on is checked when a bundle is read.

`version` is the day the bundle was saved (and the start of its .keras hash); a bundle's ident
ends with the start of the whole bundle's hash instead (ModelBundle.ident), which covers every file the
runtime reads.

A card is trusted for the threshold that makes labels, the temperature that makes probabilities
and the gate's statistics; a damaged or edited one must be refused with a sentence naming the
field, never turned into confident wrong labels or a traceback.
"""
import math
import re

from covidxray_desktop.errors import ModelError
from covidxray_desktop.imaging.preprocess import KNOWN, LUNG_STAGE

FORMATS = (1, 2)  # 1: a whole-film model; 2: adds the lung segmenter and the light runtime export
MAX_CARD_BYTES = 32 * 2**20  # the gate's statistics are the bulk; 32 MB is far above any real card


# Metrics the app prints and draws as numbers (PDF, report, verdict), wherever they sit in `metrics`.
METRIC_NUMBERS = {"auc", "sensitivity", "specificity", "accuracy", "balanced_accuracy", "ece", "ece_uncalibrated",
                  "threshold", "n", "n_covid", "n_normal", "n_source", "rejected_fraction", "share", "right"}
POINT_NAME = re.compile(r"[a-z][a-z_]{0,30}")  # "custom" is a threshold typed by hand, never a card's point


def finite(value) -> bool:
    """A JSON number that fits a float: not a bool, not NaN or infinite, not a 400-digit integer."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _number(card: dict, key: str, where: str, low: float, high: float, open_low=False, open_high=False, path=""):
    value = card.get(key)
    if not finite(value):
        raise ModelError(f"{where}: {path}{key} is {_short(value)}, not a number; the card is damaged.")
    if value < low or value > high or (open_low and value == low) or (open_high and value == high):
        raise ModelError(f"{where}: {path}{key} is {value}, outside {'(' if open_low else '['}{low}, {high}"
                         f"{')' if open_high else ']'}; the card is damaged or was edited.")
    return value


def _block(card: dict, key: str, where: str) -> dict:
    value = card.get(key)
    if not isinstance(value, dict) or not value:
        raise ModelError(f"{where}: the card's {key} block is missing or empty; it is damaged or incomplete.")
    return value


def _matrix(block: dict, key: str, where: str, shape: tuple) -> None:
    """A nested list of finite numbers with this shape (None: any length there)."""
    value = block.get(key)

    def check(v, dims):
        if not dims:
            if not finite(v):
                raise ModelError(f"{where}: ood.{key} holds {_short(v)}, not a finite number; the card is damaged.")
            return
        if not isinstance(v, list) or (dims[0] is not None and len(v) != dims[0]) or not v:
            raise ModelError(f"{where}: ood.{key} has the wrong shape; the card is damaged.")
        for item in v:
            check(item, dims[1:])

    check(value, shape)


def validate(card: dict, where: str) -> dict:
    """Return the card if every field the app uses is present and in range; else ModelError."""
    if not isinstance(card, dict):
        raise ModelError(f"{where}: the model card is not a JSON object.")
    if "format_version" not in card:  # another JSON written over it, or never a card: no update helps
        raise ModelError(f"{where}: not a model card (it names no card format); the file may have been "
                         f"replaced. Copy the model's files again from where it came from.")
    if card.get("format_version") not in FORMATS:
        raise ModelError(f"{where}: model card format {card.get('format_version')!r} is not supported "
                         f"(this app reads formats {', '.join(map(str, FORMATS))}); update the app.")
    for key in ("name", "version", "keras_sha256"):
        if not isinstance(card.get(key), str) or not card[key]:
            raise ModelError(f"{where}: the card lacks {key}; it is damaged or incomplete.")
    _number(card, "threshold", where, 0.0, 1.0, open_low=True, open_high=True)
    _operating_points(card, where)
    _number(_block(card, "calibration", where), "temperature", where, 0.0, 100.0, open_low=True)
    size = _block(card, "input", where)
    _number(size, "size", where, 32, 1024)
    if size.get("channels") not in (1, 3) or int(size["size"]) != size["size"]:
        raise ModelError(f"{where}: input.channels must be 1 or 3 and input.size a whole number; the card is damaged.")
    if card.get("preprocessing") not in KNOWN:
        raise ModelError(f"{where}: preprocessing {card.get('preprocessing')!r} is unknown to this app; update it.")
    if card["preprocessing"] in LUNG_STAGE and not isinstance(card.get("lungs"), dict):
        raise ModelError(f"{where}: preprocessing {card['preprocessing']} needs the lungs block (the segmenter); the card is "
                         f"damaged or incomplete.")
    if card.get("output") not in ("logit", "softmax"):
        raise ModelError(f"{where}: output {card.get('output')!r} must be logit or softmax; the card is damaged.")
    ood = _block(card, "ood", where)
    _matrix(ood, "pca_mean", where, (None,))
    _matrix(ood, "pca_components", where, (None, len(ood["pca_mean"])))
    _matrix(ood, "feature_means", where, (None, None))
    width = len(ood["feature_means"][0])
    _matrix(ood, "feature_precision", where, (width, width))
    if ood.get("feature_basis") is not None:  # wide features, projected first (model/ood.py)
        _matrix(ood, "feature_basis", where, (width, None))
        if ood.get("feature_centres") is not None:
            _matrix(ood, "feature_centres", where, (len(ood["feature_means"]), len(ood["feature_basis"][0])))
            _number(ood, "residual_variance", where, 0.0, float("inf"), open_low=True, path="ood.")
    for key in ("pca_quantiles", "maha_quantiles"):
        _matrix(ood, key, where, (None,))
    _metrics(card.get("metrics", {}), where)
    head = card.get("head")
    if head is not None and (not isinstance(head, dict) or not finite(head.get("bias"))
                             or not isinstance(head.get("weights"), list) or not head["weights"]
                             or not all(finite(w) for w in head["weights"])):
        raise ModelError(f"{where}: head must hold a list of weights and a bias, all numbers; the card is damaged.")
    if card["format_version"] >= 2 and "runtime" in card:  # absent: saved off TensorFlow, Keras classifies
        runtime = _block(card, "runtime", where)
        for part in ("classifier",) + (("lungs",) if card.get("lungs") else ()):
            entry = runtime.get(part)
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or not entry.get("file"):
                raise ModelError(f"{where}: runtime.{part} is missing; the bundle's light-runtime export is incomplete.")
    return card


def _operating_points(card: dict, where: str) -> None:
    """Each named point a threshold in (0, 1) with its rule; the default one of them, and the card's
    one `threshold` (what older readers and the store use) the default's. Absent: an older card."""
    block = card.get("operating_points")
    if block is None:
        if card.get("default_operating_point") is not None:
            raise ModelError(f"{where}: default_operating_point is set but operating_points is missing; the card is "
                             f"damaged or incomplete.")
        return
    if not isinstance(block, dict) or not block:
        raise ModelError(f"{where}: operating_points is {_short(block)}, not an object of named points; the card is "
                         f"damaged.")
    for name, point in block.items():
        path = f"operating_points.{name}"
        if not POINT_NAME.fullmatch(name) or name == "custom":
            raise ModelError(f"{where}: {path}: {_short(name)} is not a point's name (a lower-case word, not custom); "
                             f"the card is damaged.")
        if not isinstance(point, dict):
            raise ModelError(f"{where}: {path} is {_short(point)}, not an object with a threshold and a rule; the "
                             f"card is damaged.")
        _number(point, "threshold", where, 0.0, 1.0, open_low=True, open_high=True, path=path + ".")
        if not isinstance(point.get("rule"), str):
            raise ModelError(f"{where}: {path}.rule is {_short(point.get('rule'))}, not a sentence; the card is "
                             f"damaged.")
        val = point.get("val", {})
        if not isinstance(val, dict):
            raise ModelError(f"{where}: {path}.val is {_short(val)}, not an object of results; the card is damaged.")
        for key in ("sensitivity", "specificity", "balanced_accuracy", "worst_source_right"):
            if val.get(key) is not None:
                _number(val, key, where, 0.0, 1.0, path=path + ".val.")
        if val.get("worst_source") is not None and not isinstance(val["worst_source"], str):
            raise ModelError(f"{where}: {path}.val.worst_source is {_short(val['worst_source'])}, not a source's "
                             f"name; the card is damaged.")
    default = card.get("default_operating_point")
    if default not in block:
        raise ModelError(f"{where}: default_operating_point is {_short(default)}, not one of operating_points "
                         f"({', '.join(block)}); the card is damaged or was edited.")
    if abs(block[default]["threshold"] - card["threshold"]) > 1e-9:
        raise ModelError(f"{where}: threshold is {card['threshold']}, but operating_points.{default}.threshold (the "
                         f"default point's) is {block[default]['threshold']}; the card is damaged or was edited.")


def _metrics(metrics, where: str, path: str = "metrics") -> None:
    """Every metric the app formats as a number is one (or absent); every split is an object."""
    if not isinstance(metrics, dict):
        raise ModelError(f"{where}: {path} is {_short(metrics)}, not an object of named results; the card is damaged.")
    for key, value in metrics.items():
        field = f"{path}.{key}"
        if path == "metrics" and not isinstance(value, dict):
            raise ModelError(f"{where}: {field} is {_short(value)}, not an object of results; the card is damaged.")
        if isinstance(value, dict):
            _metrics(value, where, field)
        elif key in METRIC_NUMBERS and value is not None and not finite(value):
            raise ModelError(f"{where}: {field} is {_short(value)}, not a number; the card is damaged or was edited.")
        elif key.endswith("_ci95") and value is not None and (
                not isinstance(value, list) or len(value) != 2 or not all(finite(v) for v in value)):
            raise ModelError(f"{where}: {field} is {_short(value)}, not a pair of numbers; the card is damaged.")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
