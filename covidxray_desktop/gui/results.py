"""The results table's data: one row per (file, model), its label from the threshold of the model
that made it (the threshold box applies to the current model's rows only)."""
import functools
from collections import Counter
from pathlib import Path

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap

from covidxray_desktop.files import display_path
from covidxray_desktop.gui import messages
from covidxray_desktop.model.calibration import probability
from covidxray_desktop.results import study_day

THUMB = 48  # thumbnail side in pixels
# The model beside the answer: with two models' rows for one film (Classify again) it tells them apart.
# What a clinic reads first comes first: a refusal's reason stands in its status, so a laptop's screen shows it.
COLUMNS = ["thumbnail", "file", "label", "p_covid", "status", "model", "patient_id", "study_date", "folder", "time"]
ROW_ROLE = Qt.UserRole + 2
# Rows that arrive on a sorted list are put in place one by one up to this many; more (a history's
# chunk of 500, films answered from the store) sort the list once, as one change.
INSERT_AT_MOST = 50
_COLOURS = {"covid": QColor(200, 50, 45), "normal": QColor(30, 130, 60)}

translate = QCoreApplication.translate


class ResultsModel(QAbstractTableModel):
    # A stored row's picture, asked for when a view first shows the row: drawing every listed film's
    # at each start read a year's films again (46,000 still to go after 40 s at 125 a second).
    thumbnailWanted = Signal(str, str, str)  # path, model hash, sha256 of what it was made from ("": unknown)
    placed = Signal()  # after rows were put in place one by one (`placing` meanwhile)

    def __init__(self, threshold: float = 0.5, parent=None):
        super().__init__(parent)
        self._asked: set = set()  # (path, model hash) whose picture was asked for
        self.placing = False  # rows are being put in place one by one: `placed` follows
        self.rows: list = []
        self._where: dict[tuple, int] = {}  # (path, model hash) -> row: a file run again updates its row
        self.threshold = threshold  # the threshold box: for the current model's rows
        self.point = ""  # its operating point's name (balanced, screening, custom...)
        self.current = ""  # the current model's bundle hash
        self._pixmaps: dict[int, QPixmap] = {}
        self._order = None  # (column name, Qt sort order) the rows are kept in, once a header was clicked
        self._keys: dict = {}  # id(row) -> (row, its sort key): each chunk that arrives reads only its own
        self._aligned: list | None = None  # the rows' sort keys in their order, while it is known

    def headers(self) -> list[str]:
        names = {"thumbnail": "Image", "file": "File", "folder": "Folder", "label": "Label", "p_covid": "P(COVID)",
                 "status": "Status", "model": "Model", "patient_id": "Patient ID",
                 "study_date": "Study date", "time": "Time"}
        return [translate("ResultsModel", names[c]) for c in COLUMNS]

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headers()[section]
        return None

    def add_rows(self, rows: list) -> None:
        fresh: list = []
        moved = False  # a row replaced by one that sorts elsewhere
        for row in rows:
            key = (row.path, row.model_hash)
            i = self._where.get(key)
            if i is None:
                self._where[key] = len(self.rows) + len(fresh)
                fresh.append(row)
            elif i >= len(self.rows):  # twice in this very chunk: the later one wins
                fresh[i - len(self.rows)] = row
            else:
                if row.thumbnail is None:
                    row.thumbnail = self.rows[i].thumbnail
                moved = moved or (self._order is not None and self._key(self.rows[i]) != self._key(row))
                self.rows[i] = row
                self._aligned = None
                self._pixmaps.pop(i, None)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        if fresh and self._order is not None and not moved and len(fresh) <= INSERT_AT_MOST:
            self._insert_sorted(fresh)
            return
        if fresh:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()
        self._resort()

    def _insert_sorted(self, fresh: list) -> None:
        """A few rows into a long sorted table, each where it belongs: sorting the whole table again
        for each chunk of a batch told every view and filter that all rows had moved, which froze the
        window for 57 of 60 s while 1,500 films came into a sorted table of 51,200."""
        descending = self._order[1] == Qt.DescendingOrder
        keys = self._aligned if self._aligned is not None and len(self._aligned) == len(self.rows) else \
            [self._key(r) for r in self.rows]
        self.placing = True
        try:
            self._place(fresh, keys, descending)
        finally:
            self.placing = False
        self._aligned = keys
        self._where = {(r.path, r.model_hash): i for i, r in enumerate(self.rows)}
        self.placed.emit()

    def _place(self, fresh: list, keys: list, descending: bool) -> None:
        for row in fresh:
            key, lo, hi = self._key(row), 0, len(keys)
            while lo < hi:  # after the rows that sort equal: the order a stable sort gives
                mid = (lo + hi) // 2
                if (key > keys[mid]) if descending else (key < keys[mid]):
                    hi = mid
                else:
                    lo = mid + 1
            self.beginInsertRows(QModelIndex(), lo, lo)
            self.rows.insert(lo, row)
            keys.insert(lo, key)
            self._pixmaps = {i + (i >= lo): picture for i, picture in self._pixmaps.items()}
            self.endInsertRows()

    def _key(self, row):
        """Its sort key by the column the table is sorted by, read once per row."""
        known = self._keys.get(id(row))
        if known is None or known[0] is not row:  # a new row, or a replaced one
            known = self._keys[id(row)] = (row, self._sort_key(row, self._order[0]))
        return known[1]

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        """Keep the rows sorted by this column. Sorted here, one Python sort on keys read once: the
        proxy's own sort asked for two values across the Qt boundary per comparison, which froze the
        window for 19 s at 50,000 rows."""
        self._order = (COLUMNS[column], order) if 0 <= column < len(COLUMNS) else None
        self._keys, self._aligned = {}, None
        self._resort()

    def _resort(self) -> None:
        if self._order is None or len(self.rows) < 2:
            return
        order = self._order[1]
        keys = [self._key(row) for row in self.rows]
        new = sorted(range(len(keys)), key=keys.__getitem__, reverse=order == Qt.DescendingOrder)  # stable
        self._aligned = [keys[i] for i in new]
        if all(i == k for i, k in enumerate(new)):
            return
        self.layoutAboutToBeChanged.emit()
        moved = [0] * len(new)
        for position, old in enumerate(new):
            moved[old] = position
        before = self.persistentIndexList()  # the selection and the current row follow their rows
        self.rows = [self.rows[i] for i in new]
        self._where = {(r.path, r.model_hash): i for i, r in enumerate(self.rows)}
        self._pixmaps = {moved[i]: picture for i, picture in self._pixmaps.items()}
        self.changePersistentIndexList(before, [self.index(moved[i.row()], i.column()) for i in before])
        self.layoutChanged.emit()

    def has(self, row) -> bool:
        """Whether a row of this file by this model is on the list."""
        return (row.path, row.model_hash) in self._where

    def set_thumbnail(self, path: str, model_hash: str, picture) -> None:
        i = self._where.get((path, model_hash))
        if i is not None:
            self.rows[i].thumbnail = picture
            self._pixmaps.pop(i, None)
            self.dataChanged.emit(self.index(i, 0), self.index(i, 0))

    def remove(self, rows) -> int:
        """Take these rows off the table (the store keeps every result); how many went."""
        gone = {id(r) for r in rows}
        keep = [r for r in self.rows if id(r) not in gone]
        removed = len(self.rows) - len(keep)
        if removed:
            self.beginResetModel()
            self.rows = keep
            self._keys, self._aligned = {}, None
            self._asked -= {(r.path, r.model_hash) for r in rows}  # put back later, they are drawn again
            self._where = {(r.path, r.model_hash): i for i, r in enumerate(keep)}
            self._pixmaps.clear()
            self.endResetModel()
        return removed

    def set_threshold(self, threshold: float, current: str | None = None, point: str | None = None) -> None:
        self.threshold = threshold
        if point is not None:
            self.point = point
        if current is not None:
            self.current = current
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))
        if self._order and self._order[0] == "label":  # the labels have changed
            self._keys, self._aligned = {}, None
            self._resort()

    def threshold_of(self, row) -> float | None:
        """The threshold that labels this row: the one in force for the current model's rows (None:
        each row's own, exactly), else the one it was made with."""
        return _threshold_of(row, self.current, self.threshold)

    def point_of(self, row) -> str:
        """The name of threshold_of(row): the point in force for the current model, else its own."""
        return _point_of(row, self.current, self.threshold, self.point)

    def labelling(self) -> tuple:
        """(threshold_of, point_of) as they stand now, for a report written on another thread: every
        page is labelled at the threshold in force when it was asked for, whatever is chosen meanwhile."""
        return (functools.partial(_threshold_of, current=self.current, threshold=self.threshold),
                functools.partial(_point_of, current=self.current, threshold=self.threshold, point=self.point))

    def label(self, row) -> str:
        return row.label(self.threshold_of(row))

    def counts(self, rows) -> Counter:
        c = Counter()
        for row in rows:
            c[self.label(row) or row.status] += 1
        return c

    def summary(self, shown: list) -> str:
        """The line under the table; counted per model when several models' rows are shown, since
        one film classified again by another model is two rows, not two films."""
        def line(rows):
            c = self.counts(rows)
            return (translate("ResultsModel", "%1 COVID-19 · %2 Normal · %3 refused · %4 unreadable")
                    .replace("%1", str(c["covid"])).replace("%2", str(c["normal"]))
                    .replace("%3", str(c["rejected"])).replace("%4", str(c["error"])))

        by_model: dict = {}
        for row in shown:
            by_model.setdefault(row.model or "-", []).append(row)
        showing = (translate("ResultsModel", "showing %1 of %2").replace("%1", str(len(shown)))
                   .replace("%2", str(len(self.rows))))
        if len(by_model) <= 1:
            return f"{line(shown)} · {showing}"
        films = len({row.path for row in shown})
        parts = [f"{model}: {line(rows)}" for model, rows in sorted(by_model.items())]
        return "  |  ".join(parts) + " · " + showing + " · " + translate(
            "ResultsModel", "%1 films by %2 models").replace("%1", str(films)).replace("%2", str(len(by_model)))

    def latest_rows(self) -> set:
        """Indices of each film's newest row (the other models' older rows left out)."""
        newest: dict = {}
        for i, row in enumerate(self.rows):
            j = newest.get(row.path)
            if j is None or (row.created_at, i) >= (self.rows[j].created_at, j):
                newest[row.path] = i
        return set(newest.values())

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], COLUMNS[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.DisplayRole:
            return self._text(row, column)
        if role == Qt.DecorationRole and column == "thumbnail":
            return self._thumbnail(index.row(), row)
        if role == Qt.ForegroundRole and column == "label" and self.label(row):
            return QBrush(_COLOURS[self.label(row)])
        if role == Qt.ForegroundRole and column == "status" and row.status != "ok":
            return QBrush(QColor(170, 100, 0) if row.status == "rejected" else QColor(190, 0, 0))
        if role == Qt.ToolTipRole:
            if column == "folder":
                return display_path(Path(row.path).parent)
            if column == "model":
                return translate("ResultsModel", "Made by %1 at its threshold %2").replace("%1", row.model).replace(
                    "%2", f"{row.threshold:.3f}" if row.threshold is not None else "-") + (
                    "" if self._current_model(row) else " " + translate("ResultsModel", "(not the current model)"))
            if row.message:
                return messages.translated(row.message)
        if role == Qt.TextAlignmentRole and column in ("p_covid", "time"):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def _text(self, row, column: str):
        if column == "file":
            return row.name
        if column == "folder":
            return display_path(Path(row.path).parent)
        if column == "label":
            return {"covid": translate("ResultsModel", "COVID-19"), "normal": translate("ResultsModel", "Normal"),
                    "": ""}[self.label(row)]
        if column == "p_covid":
            return "" if row.p_covid is None or row.status != "ok" else probability(row.p_covid)
        if column == "status":
            word = {"ok": translate("ResultsModel", "ok"), "rejected": translate("ResultsModel", "refused"),
                    "error": translate("ResultsModel", "error")}.get(row.status, row.status)
            if row.status == "ok" or not row.message:
                return word
            return translate("ResultsModel", "%1: %2").replace("%1", word).replace(
                "%2", messages.translated(row.message))
        if column == "study_date":
            return study_day(row.study_date)
        if column == "time":
            return "" if row.seconds is None else f"{row.seconds * 1000:.0f} ms"
        if column == "model":  # the note first: the column elides a long name's end
            return row.model if self._current_model(row) else \
                translate("ResultsModel", "(not the current model)") + " " + row.model
        if column == "thumbnail":
            return None
        return getattr(row, column, "") or ""

    def _current_model(self, row) -> bool:
        return row.model_hash == self.current or not self.current

    def _sort_key(self, row, column: str):
        if column == "p_covid":
            return -1.0 if row.p_covid is None else row.p_covid
        if column == "time":
            return row.seconds or 0.0
        if column == "study_date":
            return row.study_date or ""
        if column == "model":  # by name, not by the note shown before it
            return row.model or ""
        return self._text(row, column) or ""

    def _thumbnail(self, i: int, row):
        if i not in self._pixmaps:
            thumb = row.thumbnail
            if thumb is None:
                if (row.path, row.model_hash) not in self._asked:
                    self._asked.add((row.path, row.model_hash))
                    self.thumbnailWanted.emit(row.path, row.model_hash or "", row.sha256 or "")
                return None
            a = np.ascontiguousarray(thumb, np.uint8)
            image = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], QImage.Format_Grayscale8).copy()
            self._pixmaps[i] = QPixmap.fromImage(image)
        return self._pixmaps[i]


def _threshold_of(row, current, threshold) -> float | None:
    return threshold if row.model_hash == current and threshold is not None else row.threshold


def _point_of(row, current, threshold, point) -> str:
    return point if row.model_hash == current and threshold is not None and point else row.operating_point
