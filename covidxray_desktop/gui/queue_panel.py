"""The batch queue: one entry per drop, with progress, rate, time left, pause / resume / cancel."""
import math

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QHeaderView, QLabel, QPushButton, QStyle,
                               QStyledItemDelegate, QStyleOptionProgressBar, QTableView, QVBoxLayout, QWidget)

FIELDS = ["name", "count", "progress", "rate", "left", "state"]
ACTIVE = ("queued", "running", "paused")


class QueueModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[dict] = []

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(FIELDS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return [self.tr("Batch"), self.tr("Files"), self.tr("Progress"), self.tr("Rate"), self.tr("Left"),
                    self.tr("State")][section]
        return None

    def add(self, entry_id: int, name: str, total: int) -> None:
        self.beginInsertRows(QModelIndex(), len(self.entries), len(self.entries))
        self.entries.append({"id": entry_id, "name": name, "total": total, "done": 0, "rate": 0.0, "state": "queued"})
        self.endInsertRows()

    def update(self, entry_id: int, **values) -> None:
        for i, e in enumerate(self.entries):
            if e["id"] == entry_id:
                e.update(values)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(FIELDS) - 1))
                return

    def entry(self, entry_id: int) -> dict | None:
        return next((e for e in self.entries if e["id"] == entry_id), None)

    def busy(self) -> bool:
        return any(e["state"] in ("queued", "running") for e in self.entries)

    def running(self) -> dict | None:
        return next((e for e in self.entries if e["state"] == "running"), None) or \
            next((e for e in self.entries if e["state"] in ("queued", "paused")), None)

    def clear_finished(self) -> None:
        keep = [e for e in self.entries if e["state"] in ("queued", "running", "paused")]
        if len(keep) != len(self.entries):
            self.beginResetModel()
            self.entries = keep
            self.endResetModel()

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        e, field = self.entries[index.row()], FIELDS[index.column()]
        if role == Qt.UserRole:
            return e
        if role != Qt.DisplayRole:
            return None
        if field == "name":
            return e["name"]
        if field == "count":
            return str(e["total"])
        if field == "progress":
            return f"{e['done']}/{e['total']}"
        if field == "rate":
            return self.tr("%1 img/s").replace("%1", f"{e['rate']:.1f}") if e["rate"] else ""
        if field == "left":
            if e["state"] != "running" or not e["rate"]:
                return ""
            seconds = math.ceil((e["total"] - e["done"]) / e["rate"])
            return f"{seconds // 60}:{seconds % 60:02d}" if seconds > 0 else ""
        return {"queued": self.tr("queued"), "running": self.tr("running"), "paused": self.tr("paused"),
                "done": self.tr("done"), "cancelled": self.tr("cancelled"),
                "failed": self.tr("stopped by an error")}.get(e["state"], e["state"])


class ProgressDelegate(QStyledItemDelegate):
    """Draws the progress column as a progress bar (Qt's own look, no widget per row)."""

    def paint(self, painter, option, index):
        e = index.data(Qt.UserRole)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, max(1, e["total"])
        bar.progress = e["done"]
        bar.text, bar.textVisible = f"{e['done']}/{e['total']}", True
        QApplication.style().drawControl(QStyle.CE_ProgressBar, bar, painter)


class QueuePanel(QWidget):
    """Pause / Resume / Cancel act on the selected batch, or on the running one when none is selected."""
    stateRequested = Signal(int, str)  # entry id, paused | queued | cancelled

    def __init__(self, model: QueueModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.view = QTableView()
        self.view.setModel(model)
        self.view.setItemDelegateForColumn(FIELDS.index("progress"), ProgressDelegate(self.view))
        self.view.setSelectionBehavior(QTableView.SelectRows)
        self.view.setSelectionMode(QTableView.SingleSelection)
        self.view.setTabKeyNavigation(False)  # Tab leaves the list for the next control
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        # The bar's text ("1,088/1,088") must fit whole: a clipped first digit misreads as a smaller count.
        progress = FIELDS.index("progress")
        needed = self.fontMetrics().horizontalAdvance("00000/00000") + 24
        self.view.horizontalHeader().resizeSection(progress, max(self.view.horizontalHeader().sectionSize(progress), needed))
        self.pause_button = QPushButton(self.tr("Pause"))
        self.resume_button = QPushButton(self.tr("Resume"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.clear_button = QPushButton(self.tr("Clear finished"))
        self.clear_button.clicked.connect(model.clear_finished)
        self.target_label = QLabel()
        self.target_label.setStyleSheet("color: gray")
        buttons = QHBoxLayout()
        for button, state in ((self.pause_button, "paused"), (self.resume_button, "queued"),
                              (self.cancel_button, "cancelled")):
            button.clicked.connect(lambda _=False, s=state: self._request(s))
            buttons.addWidget(button)
        buttons.addWidget(self.target_label)
        buttons.addStretch()
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        model.dataChanged.connect(lambda *_: self._enable())
        model.modelReset.connect(self._enable)
        model.rowsInserted.connect(lambda *_: self._enable())
        self._enable()

    def select(self, entry_id: int) -> None:
        for i, e in enumerate(self.model.entries):
            if e["id"] == entry_id:
                self.view.selectRow(i)

    def selected(self) -> dict | None:
        index = self.view.currentIndex()
        return self.model.entries[index.row()] if index.isValid() else None

    def target(self) -> dict | None:
        """The batch the buttons act on: the selected one while it can still be paused, resumed or
        cancelled; otherwise (none selected, or the selected one finished) the running one."""
        picked = self.selected()
        if picked and picked["state"] in ACTIVE:
            return picked
        return self.model.running()

    def _request(self, state: str) -> None:
        entry = self.target()
        if entry:
            self.stateRequested.emit(entry["id"], state)

    def _enable(self) -> None:
        entry = self.target()
        state = (entry or {}).get("state")
        self.target_label.setText(self.tr("for: %1").replace("%1", entry["name"]) if entry else "")
        self.clear_button.setEnabled(any(e["state"] not in ("queued", "running", "paused") for e in self.model.entries))
        self.pause_button.setEnabled(state in ("queued", "running"))
        self.resume_button.setEnabled(state == "paused")
        self.cancel_button.setEnabled(state in ("queued", "running", "paused"))
