"""Results as CSV: the columns of `classify --csv`, the same for history and the window's export."""
import csv
import io

from covidxray_desktop import DISCLAIMER
from covidxray_desktop.files import display_name, display_path, write_output
from covidxray_desktop.results import study_day

# New columns go at the end (before the notice): scripts that read the first ones keep working.
# `operating_point` names the threshold beside it: balanced, screening, model (a card with one) or custom.
# `recorded_at`: when the result was recorded (local time, to the second; an answer served from the
# store, when it was served): `history` lists a film replaced under its old name twice, and this says
# which answer is the newer one.
# `patient_id` and `study_date` (2024-03-05): a DICOM's, to match a row to its patient; empty when anonymised.
# `notice` carries the research-use notice in every exported row: a CSV has no other place for it.
COLUMNS = ["path", "status", "label", "p_covid", "message", "model", "seconds", "ood_score", "heatmap", "threshold",
           "operating_point", "recorded_at", "patient_id", "study_date", "notice"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """A text cell a spreadsheet will not run: a leading =, +, -, @, tab or CR gets a quote before it."""
    return "'" + text if text.startswith(_FORMULA) else text


def row(result, threshold: float | None = None, anonymise: bool = False, heatmap="", point: str | None = None) -> list:
    """One CSV row in COLUMNS order. `threshold` and its `point`: those in force (default: those the
    result was made with); `anonymise`: the file name instead of the full path."""
    used = result.threshold if threshold is None else threshold
    named = result.operating_point if point is None else point
    ok = result.status == "ok"

    def num(v, fmt):
        return "" if v is None else format(v, fmt)

    where = result.name if anonymise else result.shown_path
    message = result.message or ""
    if anonymise:  # messages begin with the file name, which may hold a patient's name
        message = message.replace(display_name(result.path), "the file")
    return [safe_cell(where), result.status, result.label(used), num(result.p_covid if ok else None, ".4f"),
            safe_cell(message), safe_cell(result.model or ""), num(result.seconds, ".3f"),
            num(result.ood_score, ".4f"), safe_cell(display_path(heatmap or "")),
            num(used if ok else None, ".4f"), named if ok else "", result.created_at or "",
            "" if anonymise else safe_cell(result.patient_id or ""), "" if anonymise else safe_cell(study_day(result.study_date)),
            DISCLAIMER]



class Writer:
    """Rows to an open text stream as they come (stdout, or a file being written).

    `threshold` and `point`: None (each result's own), a value, or a function of the result."""

    def __init__(self, stream, threshold=None, anonymise: bool = False, point=None):
        self.stream, self.anonymise = stream, anonymise
        self.threshold = threshold if callable(threshold) else (lambda _r: threshold)
        self.point = point if callable(point) else (lambda _r: point)
        self._csv = csv.writer(stream)
        self._csv.writerow(COLUMNS)
        stream.flush()

    def write(self, result, heatmap="") -> None:
        self._csv.writerow(row(result, self.threshold(result), self.anonymise, heatmap, self.point(result)))
        self.stream.flush()


def write(path, results, threshold=None, anonymise: bool = False, point=None, excel: bool = False) -> int:
    """A whole CSV file, written atomically: it is complete or absent (a pipe or a device gets it as
    it is). Returns the rows written. `excel`: begin with UTF-8's byte-order mark, without which Excel
    reads the file in the PC's own code page (Chinese file names came out garbled on a Chinese PC)."""
    buf = io.StringIO()
    writer = Writer(buf, threshold, anonymise, point)
    n = 0
    for r in results:
        writer.write(r)
        n += 1
    write_output(path, buf.getvalue().encode("utf-8-sig" if excel else "utf-8"))
    return n
