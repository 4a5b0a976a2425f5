"""How the results table shows its rows: which ones (the filter, over ResultsModel's own order) and
how a folder's name is cut to fit."""
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QStyledItemDelegate

from covidxray_desktop.gui.results import ROW_ROLE


class ResultsFilter(QSortFilterProxyModel):
    """Sort by raw values; show rows by label, status and a text that matches file, folder or message."""
    filterChanged = Signal()  # after the filter ran again: the user's change, or rows arriving (`arriving`)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label, self.status, self.text = "", "", ""
        # Rows by identity, not number: rows taken off the list renumber the ones after them.
        self.latest, self._older = False, {}
        self.arriving = False  # filtering again because rows arrived

    def set_filter(self, label: str | None = None, status: str | None = None, text: str | None = None,
                   latest: bool | None = None) -> None:
        self.beginFilterChange()
        self.label = self.label if label is None else label
        self.status = self.status if status is None else status
        self.text = self.text if text is None else text.lower()
        self.latest = self.latest if latest is None else latest
        self._older = {}
        if self.latest:  # the older rows themselves are held, so that their ids stay theirs
            newest = self.sourceModel().latest_rows()
            self._older = {id(r): r for i, r in enumerate(self.sourceModel().rows) if i not in newest}
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        self.filterChanged.emit()

    def rows_added(self) -> None:
        """New rows may make older ones of the same film no longer the latest (and rows taken off,
        older ones the latest again)."""
        if self.latest:
            self.arriving = True  # not the user's change: the table is not scrolled for it
            try:
                self.set_filter()
            finally:
                self.arriving = False

    def filtering(self) -> bool:
        return bool(self.label or self.status or self.text or self.latest)

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        """The source model sorts (ResultsModel.sort); this proxy only filters, in its order."""
        self.sourceModel().sort(column, order)

    def filterAcceptsRow(self, source_row, source_parent):
        return self.accepts(self.sourceModel().rows[source_row])

    def accepts(self, row) -> bool:
        model = self.sourceModel()
        if self.latest and self._older.get(id(row)) is row:
            return False  # an older row of a film that has a newer one (rows added since: not yet known)
        if self.label and model.label(row) != self.label:
            return False
        if self.status and row.status != self.status:
            return False
        if self.text:
            haystack = f"{row.shown_path} {row.message} {row.patient_id}".lower()
            return self.text in haystack
        return True

    def row_at(self, proxy_row: int):
        return self.data(self.index(proxy_row, 0), ROW_ROLE)


class ElideStart(QStyledItemDelegate):
    """A folder keeps its end, where the distinguishing names are: '…/ward 3/2024-03'."""

    def initStyleOption(self, option, index):
        super().initStyleOption(option, index)
        option.textElideMode = Qt.ElideLeft
