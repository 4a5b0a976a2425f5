"""The results table's data: one row per classified file, labels derived from the threshold."""
from pathlib import Path

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap

THUMB = 48  # thumbnail side in pixels
COLUMNS = ["thumbnail", "file", "folder", "label", "p_covid", "status", "patient_id", "study_date", "model", "time"]
SORT_ROLE = Qt.UserRole + 1
ROW_ROLE = Qt.UserRole + 2
_COLOURS = {"covid": QColor(214, 69, 65), "normal": QColor(46, 160, 67)}


translate = QCoreApplication.translate


def label_for(row: dict, threshold: float) -> str:
    """covid / normal from the stored probability, so a new threshold relabels at once."""
    if row.get("status") != "ok" or row.get("p_covid") is None:
        return ""
    return "covid" if row["p_covid"] >= threshold else "normal"


class ResultsModel(QAbstractTableModel):
    def __init__(self, threshold: float = 0.5, parent=None):
        super().__init__(parent)
        self.rows: list[dict] = []
        self._where: dict[tuple, int] = {}  # (path, model) -> row: a file run again updates its row
        self.threshold = threshold
        self._pixmaps: dict[int, QPixmap] = {}

    def headers(self) -> list[str]:
        return [translate("ResultsModel", "Image"), translate("ResultsModel", "File"),
                translate("ResultsModel", "Folder"), translate("ResultsModel", "Label"),
                translate("ResultsModel", "P(COVID)"), translate("ResultsModel", "Status"),
                translate("ResultsModel", "Patient ID"), translate("ResultsModel", "Study date"),
                translate("ResultsModel", "Model"), translate("ResultsModel", "Time")]

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.headers()[section]
        return None

    def add_rows(self, rows: list[dict]) -> None:
        fresh: list[dict] = []
        for row in rows:
            key = (row["path"], row.get("model"))
            i = self._where.get(key)
            if i is None:
                self._where[key] = len(self.rows) + len(fresh)
                fresh.append(row)
            elif i >= len(self.rows):  # twice in this very chunk: the later one wins
                fresh[i - len(self.rows)] = row
            else:
                if row.get("thumbnail") is None:
                    row["thumbnail"] = self.rows[i].get("thumbnail")
                self.rows[i] = row
                self._pixmaps.pop(i, None)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        if fresh:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()

    def set_thumbnail(self, path: str, model: str, picture) -> None:
        i = self._where.get((path, model))
        if i is not None:
            self.rows[i]["thumbnail"] = picture
            self._pixmaps.pop(i, None)
            self.dataChanged.emit(self.index(i, 0), self.index(i, 0))

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self._where.clear()
        self._pixmaps.clear()
        self.endResetModel()

    def set_threshold(self, threshold: float) -> None:
        self.threshold = threshold
        if self.rows:
            col = COLUMNS.index("label")
            self.dataChanged.emit(self.index(0, col), self.index(len(self.rows) - 1, col))

    def label(self, row: dict) -> str:
        return label_for(row, self.threshold)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], COLUMNS[index.column()]
        if role == ROW_ROLE:
            return row
        if role == Qt.DisplayRole:
            return self._text(row, column)
        if role == SORT_ROLE:
            return self._sort_key(row, column)
        if role == Qt.DecorationRole and column == "thumbnail":
            return self._thumbnail(index.row(), row)
        if role == Qt.ForegroundRole and column == "label" and self.label(row):
            return QBrush(_COLOURS[self.label(row)])
        if role == Qt.ForegroundRole and column == "status" and row.get("status") != "ok":
            return QBrush(QColor(180, 110, 0) if row.get("status") == "rejected" else QColor(200, 0, 0))
        if role == Qt.ToolTipRole and row.get("message"):
            return row["message"]
        if role == Qt.TextAlignmentRole and column == "p_covid":
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def _text(self, row: dict, column: str):
        if column == "file":
            return Path(row["path"]).name
        if column == "folder":
            return str(Path(row["path"]).parent)
        if column == "label":
            return {"covid": translate("ResultsModel", "COVID-19"), "normal": translate("ResultsModel", "Normal"),
                    "": ""}[self.label(row)]
        if column == "p_covid":
            return "" if row.get("p_covid") is None else f"{row['p_covid']:.3f}"
        if column == "status":
            return {"ok": translate("ResultsModel", "ok"), "rejected": translate("ResultsModel", "rejected"),
                    "error": translate("ResultsModel", "error")}.get(row["status"], row["status"])
        if column == "time":
            return "" if row.get("seconds") is None else f"{row['seconds'] * 1000:.0f} ms"
        if column == "thumbnail":
            return None
        return row.get(column) or ""

    def _sort_key(self, row: dict, column: str):
        if column == "p_covid":
            return -1.0 if row.get("p_covid") is None else row["p_covid"]
        if column == "time":
            return row.get("seconds") or 0.0
        return self._text(row, column) or ""

    def _thumbnail(self, i: int, row: dict):
        if i not in self._pixmaps:
            thumb = row.get("thumbnail")
            if thumb is None:
                return None
            a = np.ascontiguousarray(thumb, np.uint8)
            image = QImage(a.data, a.shape[1], a.shape[0], a.strides[0], QImage.Format_Grayscale8).copy()
            self._pixmaps[i] = QPixmap.fromImage(image)
        return self._pixmaps[i]


class ResultsFilter(QSortFilterProxyModel):
    """Sort by raw values; show rows by label, status and a text that matches file, folder or message."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.label, self.status, self.text = "", "", ""

    def set_filter(self, label: str | None = None, status: str | None = None, text: str | None = None) -> None:
        self.beginFilterChange()
        self.label = self.label if label is None else label
        self.status = self.status if status is None else status
        self.text = self.text if text is None else text.lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row, source_parent):
        model = self.sourceModel()
        row = model.rows[source_row]
        if self.label and model.label(row) != self.label:
            return False
        if self.status and row.get("status") != self.status:
            return False
        if self.text:
            haystack = f"{row.get('path', '')} {row.get('message', '')} {row.get('patient_id') or ''}".lower()
            return self.text in haystack
        return True

    def row_at(self, proxy_row: int) -> dict:
        return self.data(self.index(proxy_row, 0), ROW_ROLE)
