"""The main window's parts, built once: the results table and the layout around it (filters, the
summary line, the queue, the viewer). The window wires them to its behaviour."""
from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QSizePolicy, QSplitter, QTableView, QVBoxLayout, QWidget)

from covidxray_desktop.gui.overlays import DropHint
from covidxray_desktop.gui.points import PointChooser
from covidxray_desktop.gui.results import COLUMNS, THUMB
from covidxray_desktop.gui.results_view import ElideStart


def build_table(w) -> None:
    """The results table: its columns, widths, delegates and the drop hint over it."""
    t = w.table = QTableView()
    t.setModel(w.proxy)
    t.setSortingEnabled(True)
    t.sortByColumn(-1, Qt.AscendingOrder)  # arrival order until the user sorts
    # After a sort the row being read is brought into view, as a file list does (the view sorts first).
    t.horizontalHeader().sortIndicatorChanged.connect(lambda *_: t.scrollTo(t.currentIndex()))
    t.setSelectionBehavior(QTableView.SelectRows)
    t.setSelectionMode(QTableView.ExtendedSelection)
    t.setTabKeyNavigation(False)  # rows are read with the arrows; Tab goes on to the film, as in any form
    t.verticalHeader().setDefaultSectionSize(THUMB + 4)
    t.verticalHeader().hide()
    header = t.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.Interactive)
    for column, width in (("thumbnail", THUMB + 8), ("file", 160), ("label", 90), ("p_covid", 70), ("status", 200),
                          ("model", 150), ("patient_id", 90), ("study_date", 90), ("folder", 140), ("time", 60)):
        index = COLUMNS.index(column)  # never narrower than its heading with the sort arrow, in any language
        t.setColumnWidth(index, max(width, header.sectionSizeHint(index)))
    t.setItemDelegateForColumn(COLUMNS.index("folder"), ElideStart(t))
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    t.selectionModel().currentRowChanged.connect(w._current_changed)
    t.setContextMenuPolicy(Qt.ActionsContextMenu)
    w.hint = DropHint(t)
    for signal in (w.proxy.rowsInserted, w.proxy.rowsRemoved, w.proxy.modelReset, w.proxy.layoutChanged):
        signal.connect(lambda *_: None if w.results.placing else _recount(w))
    w.results.placed.connect(lambda: _recount(w))  # once for the rows a chunk put in place one by one
    # a new current model relabels every row at once: "(not the current model)" may now be needed
    w.results.dataChanged.connect(lambda top, bottom, *_: model_column_when_needed(w)
                                  if top.row() == 0 and bottom.row() == w.results.rowCount() - 1 else None)
    w.proxy.filterChanged.connect(lambda: keep_viewer_on_a_highlighted_row(w))


def _recount(w) -> None:
    """The counts and the Model column, from every listed row: for rows put in place one by one on a
    sorted list, once for them all (once each, a chunk went through every row ten times)."""
    w._rows_changed()
    model_column_when_needed(w)


def model_column_when_needed(w) -> None:
    """The Model column only while it tells something: rows of several models, or of a model that is
    not the current one. One model's name on every row took 150 px of a laptop's table."""
    hashes = {row.model_hash for row in w.results.rows}
    w.table.setColumnHidden(COLUMNS.index("model"), hashes <= {w.results.current})


def keep_viewer_on_a_highlighted_row(w) -> None:
    """After a filter change the viewer shows a highlighted row's film, or none: when the row on
    screen is filtered out, Qt moves the current index to a neighbour without selecting it."""
    current = w.table.currentIndex()
    if not current.isValid():
        if w.proxy.rowCount() == 0 or w._detail_path is not None:
            w._detail_path = None
            w.viewer.clear()
        return
    if not w.table.selectionModel().isRowSelected(current.row()):
        w.table.selectRow(current.row())
    if not w.proxy.arriving:  # the user's filter: the row being read may sit far from the old scroll position
        w.table.scrollTo(current)
    row = w.proxy.row_at(current.row())
    if row is not None and row.path != w._detail_path:
        w._current_changed(current, None)


def build_layout(w) -> None:
    """The filter bar over the table, the summary line under it, the queue above, the viewer beside."""
    w.label_filter = QComboBox()
    for text, value in ((w.tr("All labels"), ""), (w.tr("COVID-19"), "covid"), (w.tr("Normal"), "normal")):
        w.label_filter.addItem(text, value)
    w.status_filter = QComboBox()
    for text, value in ((w.tr("Any status"), ""), (w.tr("ok"), "ok"), (w.tr("refused"), "rejected"),
                        (w.tr("error"), "error")):
        w.status_filter.addItem(text, value)
    w.search = QLineEdit(placeholderText=w.tr("Filter by file, folder, message or patient ID"))
    w.search.setToolTip(w.search.placeholderText())  # the whole hint, however narrow the box
    w.threshold = QDoubleSpinBox(decimals=3, minimum=0.001, maximum=0.999, singleStep=0.01)
    w.threshold.setToolTip(w.tr("Decision threshold on P(COVID) for the current model's results; results "
                                "of other models keep their own model's threshold"))
    w.threshold.setValue(w.results.threshold)
    w.label_filter.currentIndexChanged.connect(lambda: w.proxy.set_filter(label=w.label_filter.currentData()))
    w.status_filter.currentIndexChanged.connect(lambda: w.proxy.set_filter(status=w.status_filter.currentData()))
    w.search.textChanged.connect(lambda text: w.proxy.set_filter(text=text))
    w.latest = QCheckBox(w.tr("Latest result per film"))
    w.latest.setToolTip(w.tr("A film classified by several models (Classify again): show only its newest result"))
    w.latest.toggled.connect(lambda on: w.proxy.set_filter(latest=on))
    w.threshold.valueChanged.connect(w._threshold_changed)
    w.points = PointChooser(w)  # beside the threshold box: Balanced / Screening set it, a hand edit is Custom
    # What labels the films changes only when the user means it: never with a wheel turned while passing over.
    w.wheel_guard = WheelOnlyWhenFocused(w)
    for widget in (w.points.box, w.threshold, w.label_filter, w.status_filter):
        widget.setFocusPolicy(Qt.StrongFocus)
        widget.installEventFilter(w.wheel_guard)
    w.search.setAccessibleName(w.search.placeholderText())
    w.table.setAccessibleName(w.tr("Results"))
    bar = QHBoxLayout()
    for widget in (w.label_filter, w.status_filter, w.search, w.latest):
        bar.addWidget(widget, 1 if widget is w.search else 0)  # the search box takes the room left
    # What labels the films, on a row of its own: beside the filters it held the window wider than a
    # 1366-px screen at 125 %.
    point_row = QHBoxLayout()
    for text, box in ((w.tr("Operating point"), w.points.box), (w.tr("Threshold"), w.threshold)):
        label = QLabel(text)
        label.setBuddy(box)  # a screen reader names the box by it
        box.setAccessibleName(text)
        point_row.addWidget(label)
        point_row.addWidget(box)
    point_row.addStretch(1)
    w.summary_label = QLabel(wordWrap=True)  # two models make a long line: it wraps, never widens the window
    table_box = QWidget()
    box = QVBoxLayout(table_box)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(w.banner)
    box.addLayout(bar)
    box.addLayout(point_row)
    box.addWidget(w.table)
    box.addWidget(w.summary_label)
    w.left = QSplitter(Qt.Vertical)
    w.left.addWidget(w.queue_panel)
    w.left.addWidget(table_box)
    w.left.setSizes([140, 500])
    w.split = QSplitter(Qt.Horizontal)
    w.split.addWidget(w.left)
    w.split.addWidget(w.viewer)
    w.split.setSizes([760, 520])
    w.setCentralWidget(w.split)


class ElidedLabel(QLabel):
    """The status bar's model line: it gives way to a narrow window (cut with "…", whole in its
    tooltip) instead of holding the window wider than the screen; `text()` is the whole line."""

    def __init__(self, text: str = ""):
        super().__init__()
        self._whole = ""
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802  (Qt's name)
        self._whole = text
        self.setToolTip(text)
        self._fit()

    def text(self) -> str:
        return self._whole

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance(self._whole) + 8, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("M" * 8), super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        super().setText(self.fontMetrics().elidedText(self._whole, Qt.ElideRight, max(self.width() - 4, 0)))


class WheelOnlyWhenFocused(QObject):
    """A box changes with the wheel only once clicked into: scrolling past the operating point
    turned Balanced into Screening and relabelled every row."""

    def eventFilter(self, watched, event) -> bool:
        return event.type() == QEvent.Wheel and not watched.hasFocus()
