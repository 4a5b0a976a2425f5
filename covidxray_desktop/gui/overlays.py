"""What sits over or above the results table: the empty state, the drop highlight, the model-loading
note, and the banner that says a batch differs from the films the model was checked on."""
import html

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

_IDLE = "QWidget#hint { background: transparent; } QLabel { color: #666; font-size: 15pt; }"
_DRAG = ("QWidget#hint { background: rgba(0, 114, 178, 40); border: 3px dashed #0072B2; border-radius: 8px; }"
         " QLabel { color: #0072B2; font-size: 15pt; }")


class DropHint(QWidget):
    """Laid over the table: 'Drop X-ray files or folders here' while it is empty, the model's
    loading progress while it loads, and a highlight while something is dragged over the window."""

    def __init__(self, table: QWidget):
        super().__init__(table.viewport() if hasattr(table, "viewport") else table)
        self.setObjectName("hint")
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WA_StyledBackground)
        self._host = self.parentWidget()
        self._host.installEventFilter(self)
        self.label = QLabel(alignment=Qt.AlignCenter, wordWrap=True)
        self.detail = QLabel(alignment=Qt.AlignCenter, wordWrap=True)
        self.detail.setStyleSheet("font-size: 10pt")
        self.busy = QProgressBar(maximumWidth=260, textVisible=False)
        self.busy.setRange(0, 0)  # indeterminate: a model load has no reliable percentage
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.detail)
        layout.addWidget(self.busy, 0, Qt.AlignHCenter)
        layout.addStretch(1)
        self._empty, self._dragging, self._loading = True, False, ""
        self._refresh()

    def set_empty(self, empty: bool) -> None:
        self._empty = empty
        self._refresh()

    def set_dragging(self, on: bool) -> None:
        self._dragging = on
        self._refresh()

    def set_loading(self, what: str) -> None:
        """What the model load is doing ('' once loaded)."""
        self._loading = what
        self._refresh()

    def _refresh(self) -> None:
        self.setStyleSheet(_DRAG if self._dragging else _IDLE)
        visible = self._dragging or self._empty
        if self._dragging:
            self.label.setText(self.tr("Drop to classify"))
        else:
            self.label.setText(self.tr("Drop X-ray files or folders here\n(PNG, JPEG, TIFF, BMP, DICOM)"))
        self.detail.setText(self.tr("Loading the model: %1. The first start can take several seconds on a "
                                    "small PC; files dropped now wait for it.").replace("%1", self._loading)
                            if self._loading else "")
        self.busy.setVisible(bool(self._loading) and visible)
        self.setVisible(visible)
        self.setGeometry(self._host.rect())
        self.raise_()

    def eventFilter(self, watched, event):
        if watched is self._host and event.type() == QEvent.Resize:
            self.setGeometry(self._host.rect())
        return False


def drops_anywhere(window) -> None:
    """Files dragged over any part of the window go to the window's own handlers: a child that takes
    drops itself (the viewer's graphics view refuses files; a text box would paste their paths)
    is told not to, so Qt hands the drag to the window."""
    for child in window.findChildren(QWidget):
        if child.acceptDrops():
            child.setAcceptDrops(False)


class ShiftBanner(QWidget):
    """A batch whose films differ from the model's own: say so, and offer the site check."""
    checkRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAttribute(Qt.WA_StyledBackground)
        self.setStyleSheet("ShiftBanner { background: #fff1cc; border: 1px solid #d9a400; border-radius: 4px; }")
        self.text = QLabel(wordWrap=True)
        self.check = QPushButton(self.tr("Check the model on my films…"))
        self.check.clicked.connect(self.checkRequested)
        close = QPushButton("✕", flat=True, maximumWidth=28, toolTip=self.tr("Hide this note"))
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.check)
        row.addWidget(close)
        self.hide()

    def show_for(self, batch: str, message: str) -> None:
        """In words only: the p-value stays in the summary JSON, classify's closing line and the PDF report."""
        self.text.setText(f"<b>{html.escape(batch)}</b>: {html.escape(message)}")  # a folder "X-rays <ICU>"
        self.show()
