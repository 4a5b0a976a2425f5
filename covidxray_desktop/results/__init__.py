"""One result type for every route: `classify`, the window, the store, CSV and PDF exports.

A result keeps the calibrated probability and the threshold (and operating point) of the model
that produced it; its label is derived, never stored, so another threshold relabels it without
running anything again.
"""
import datetime as dt
from dataclasses import dataclass, field, fields, replace

from covidxray_desktop.files import display_name, display_path

def decide(p_covid: float | None, threshold: float | None) -> str:
    """The decision rule, the only one in the app: COVID-19 at or above the threshold."""
    if p_covid is None or threshold is None:
        return ""
    return "covid" if p_covid >= threshold else "normal"


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def study_day(text: str) -> str:
    """DICOM's YYYYMMDD as 2024-03-05, as the table, the caption and the CSV give it: a short local date
    (3/5/24) reads as 5 March in one clinic and 3 May in the next. Anything else, as it is."""
    text = text or ""
    if len(text) != 8 or not text.isdigit():
        return text
    try:
        return dt.datetime.strptime(text, "%Y%m%d").strftime("%Y-%m-%d")
    except ValueError:  # 20240230: as the file says
        return text


@dataclass
class Result:
    path: str  # the file as found (may hold surrogates: see display_path)
    status: str  # ok | rejected | error
    p_covid: float | None = None  # calibrated, unrounded
    threshold: float | None = None  # the decision threshold in force when it was made
    operating_point: str = ""  # that threshold's name: balanced, screening, model (a card's one) or custom
    message: str = ""
    model: str = ""  # name@version of the producing model
    model_hash: str = ""  # that bundle's hash: weights and card
    seconds: float = 0.0
    ood_score: float | None = None
    sha256: str | None = None  # of the bytes that were decoded; None: the file was not read
    patient_id: str = ""
    study_uid: str = ""
    study_date: str = ""  # YYYYMMDD as DICOM gives it
    outside_share: float | None = None  # share of the heat map's evidence outside the lungs
    made_with: str = ""  # how the bundle was run (Predictor.made_with): answers are reused only under the same
    heat: object = None  # a cam.HeatMap, or None
    created_at: str = field(default_factory=now)
    transient: bool = False  # an error of the moment (time-out, permission, vanished): never stored
    reused: bool = False  # taken from the store, not computed now
    batch: int | None = None  # the store's batch id, when it was part of one
    # In memory only, never stored:
    logit: float | None = None
    features: object = None  # pooled network features, for the batch shift test
    look: object = None  # the gate's thumbnail of the film, for the shift test's look part
    pixels: object = None  # the decoded film, when a heat-map overlay is to be drawn
    thumbnail: object = None  # small uint8 picture, for the window's table

    @property
    def shown_path(self) -> str:
        return display_path(self.path)

    @property
    def name(self) -> str:
        return display_name(self.path)

    def label(self, threshold: float | None = None) -> str:
        """covid / normal by `threshold` (default: the one it was made with); '' when not ok."""
        if self.status != "ok":
            return ""
        return decide(self.p_covid, self.threshold if threshold is None else threshold)

    def with_changes(self, **changes) -> "Result":
        return replace(self, **changes)


STORED = tuple(f.name for f in fields(Result) if f.name not in
               ("transient", "reused", "logit", "features", "look", "pixels", "thumbnail", "heat", "path", "batch"))
