"""The X-ray viewer: fit, zoom, pan, window/level, invert and a fading heat map beside the prediction."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPixmap, QTransform
from PySide6.QtWidgets import (QBoxLayout, QCheckBox, QGraphicsScene, QGraphicsView, QHBoxLayout, QLabel,
                               QPushButton, QSlider, QVBoxLayout, QWidget)

from covidxray_desktop.model.cam import colour_bar, colourise

MIN_SCALE, MAX_SCALE = 0.05, 32.0
WHEEL_STEP = 1.25          # zoom factor per wheel notch
WL_PER_PIXEL = 1 / 400     # right-drag: 400 screen pixels sweep the whole intensity range
MIN_WIDTH, MAX_WIDTH = 0.01, 2.0
DEFAULT_LEVEL, DEFAULT_WIDTH = 0.5, 1.0
SIDE_WIDTH = 190  # the caption and legend beside the film, in pixels (the colour bar is 180)
NARROW = 600  # a viewer narrower than this puts them under the film: beside it, they left it ~200 px
GREY_LEVELS = 255  # window/level read in the displayed grey levels (0-255), as a viewer's W/L reads them


def breakable(text: str, longest: int = 22) -> str:
    """Long unbroken words (DICOM-style file names: 1.2.840.113619.2.55...) get places to wrap,
    after dots, dashes and underscores, so the caption keeps its width."""
    def soften(word: str) -> str:
        if len(word) <= longest:
            return word
        return "".join(ch + "\u200b" if ch in "._-/\\" else ch for ch in word)
    return "\n".join(" ".join(soften(w) for w in line.split(" ")) for line in text.split("\n"))


def _gray_image(pixels: np.ndarray, level: float, width: float, inverted: bool) -> QImage:
    """Window the float pixels to 8 bits; invert comes after windowing, as on a light box."""
    g = np.clip((pixels - (level - width / 2)) / width, 0.0, 1.0)
    if inverted:
        g = 1.0 - g
    buf = np.ascontiguousarray((g * 255 + 0.5).astype(np.uint8))
    h, w = buf.shape
    return QImage(buf.data, w, h, w, QImage.Format_Grayscale8).copy()


def _heat_image(signed: np.ndarray) -> QImage:
    """The signed map (-1 Normal .. +1 COVID-19) in its two colours, clear near zero; the slider's
    opacity applies on top."""
    rgba = colourise(signed, 1.0).astype(np.uint32)
    # Format_ARGB32 is 0xAARRGGBB per native 32-bit word, so this is byte-order safe.
    argb = np.ascontiguousarray((rgba[..., 3] << 24) | (rgba[..., 0] << 16) | (rgba[..., 1] << 8) | rgba[..., 2])
    h, w = argb.shape
    return QImage(argb.data, w, h, 4 * w, QImage.Format_ARGB32).copy()


def _bar_pixmap(width: int = 180, height: int = 10) -> QPixmap:
    a = np.ascontiguousarray(np.asarray(colour_bar(width, height)))
    return QPixmap.fromImage(QImage(a.data, width, height, 3 * width, QImage.Format_RGB888).copy())


ROW_KEYS = (Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown)


class _View(QGraphicsView):
    """Wheel zooms around the cursor, left-drag pans, right-drag sets window/level."""

    def __init__(self, scene: QGraphicsScene, owner: Viewer):
        super().__init__(scene)
        self._owner = owner
        self._drag = None  # (start position, level, width) while right-dragging
        self.setTransformationAnchor(QGraphicsView.NoAnchor)  # zoom anchors itself (see Viewer._zoom)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setBackgroundBrush(Qt.black)
        self.viewport().setContextMenuPolicy(Qt.PreventContextMenu)  # right button is window/level

    def keyPressEvent(self, event):  # noqa: N802
        pressed = event.modifiers() & (Qt.ShiftModifier | Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier)
        if event.key() in ROW_KEYS and not pressed:  # macOS adds the keypad flag to arrows: not pressed
            self._owner.rowKey.emit(event.key())  # the film was clicked last: the rows still move
            event.accept()
        else:
            super().keyPressEvent(event)  # Left and Right still pan a zoomed film

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120
        if steps:
            self._owner._zoom(WHEEL_STEP ** steps, event.position())
        event.accept()

    def mousePressEvent(self, event):
        if event.button() == Qt.RightButton and self._owner.has_image():
            self._drag = (event.position(), *self._owner.window())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._drag is not None:
            start, level, width = self._drag
            d = event.position() - start
            self._owner.set_window(level + d.y() * WL_PER_PIXEL, width + d.x() * WL_PER_PIXEL)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._drag is not None and event.button() == Qt.RightButton:
            self._drag = None
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._owner._fitted:  # a fitted image stays fitted as the window changes size
            self._owner.fit()


class Viewer(QWidget):
    opacityChanged = Signal(float)  # the user moved the opacity slider (0..1)
    overlayToggled = Signal(bool)   # the user toggled the heat map
    invertToggled = Signal(bool)  # the user ticked or cleared Invert under the film
    rowKey = Signal(int)  # Up, Down, Page Up or Page Down pressed over the film: the table's keys

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._pixels: np.ndarray | None = None
        self._units = None  # [offset, scale] to the DICOM's own values, for the window/level readout
        self._per_pixel = 1.0  # the file's own pixels a pixel shown stands for (a big film is shown shrunk)
        self._heat: np.ndarray | None = None
        self._level, self._width = DEFAULT_LEVEL, DEFAULT_WIDTH
        self._fitted = True

        self._scene = QGraphicsScene(self)
        self._image = self._scene.addPixmap(QPixmap())
        self._image.setTransformationMode(Qt.SmoothTransformation)
        self._overlay = self._scene.addPixmap(QPixmap())
        self._overlay.setTransformationMode(Qt.SmoothTransformation)
        self._overlay.setZValue(1)
        self._message = self._scene.addSimpleText("")
        self._message.setBrush(QColor(200, 200, 200))
        self._view = _View(self._scene, self)
        self._view.setToolTip(self.tr("Wheel: zoom · drag: pan · right-drag: brightness/contrast (window/level)"))

        # One width for the side, whatever the file's name: a long one wraps, it never squeezes the film.
        self._caption = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse,
                               alignment=Qt.AlignTop | Qt.AlignLeft, fixedWidth=SIDE_WIDTH)
        # What the colours mean, under the caption: a bar from Normal to COVID-19, and a sentence.
        self._legend = QWidget()
        legend = self._legend_rows = QVBoxLayout(self._legend)
        legend.setContentsMargins(0, 8, 0, 0)
        bar = QLabel(pixmap=_bar_pixmap())
        ends = QHBoxLayout()
        ends.addWidget(QLabel(self.tr("Normal")))
        ends.addStretch(1)
        ends.addWidget(QLabel(self.tr("COVID-19")))
        self._legend_text = QLabel(wordWrap=True, fixedWidth=SIDE_WIDTH)
        legend.addWidget(bar)
        legend.addLayout(ends)
        legend.addWidget(self._legend_text)
        self._readout = QLabel(alignment=Qt.AlignLeft)
        self._readout.setStyleSheet("color: gray")
        # Qt properties and signal connections given as keywords keep the controls compact.
        self._heat_box = QCheckBox(self.tr("Heat map"), checked=True, toggled=self._on_heat_toggled,
                                   toolTip=self.tr("Show the heat map over the image (H)"))
        self._opacity_slider = QSlider(Qt.Horizontal, minimum=0, maximum=100, value=50, maximumWidth=160,
                                       toolTip=self.tr("Heat-map opacity"),
                                       valueChanged=self._on_opacity_moved)
        self._invert_box = QCheckBox(self.tr("Invert"), toolTip=self.tr("Swap dark and light (I)"),
                                     toggled=lambda on: (self.set_inverted(on), self.invertToggled.emit(on)))
        # Two short rows, not one long one: on a 1366-px screen at 125 % the viewer gets about a third
        # of the window, and one row of six controls kept the window wider than the screen.
        self._controls = QWidget()
        rows = QVBoxLayout(self._controls)
        rows.setContentsMargins(0, 0, 0, 0)
        for group in ((self._heat_box, self._opacity_slider, self._invert_box),
                      (QPushButton(self.tr("Fit"), toolTip=self.tr("Fit the whole image in the view (F)"),
                                   clicked=self.fit),
                       QPushButton(self.tr("1:1"), toolTip=self.tr("One pixel of the file per screen pixel"),
                                   clicked=self.one_to_one),
                       QPushButton(self.tr("Reset window"), clicked=self.reset_window,
                                   toolTip=self.tr("Restore the original brightness and contrast")))):
            row = QHBoxLayout()
            for w in group:
                # Reached by Tab, not taken by a click: after Fit or Invert the arrow keys still step
                # through the list (a clicked button kept them, and Down did nothing).
                w.setFocusPolicy(Qt.TabFocus)
                row.addWidget(w)
            row.addStretch(1)
            rows.addLayout(row)

        side = self._side = QVBoxLayout()
        side.addWidget(self._caption)
        side.addWidget(self._legend)
        side.addStretch(1)
        side.addWidget(self._readout)
        top = self._top = QHBoxLayout()
        top.addWidget(self._view, 1)
        top.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self._controls)
        self.clear()

    def resizeEvent(self, event):  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        narrow = self.width() < NARROW  # the caption and the legend side by side under the film
        if narrow != (self._top.direction() == QBoxLayout.TopToBottom):
            self._top.setDirection(QBoxLayout.TopToBottom if narrow else QBoxLayout.LeftToRight)
            self._side.setDirection(QBoxLayout.LeftToRight if narrow else QBoxLayout.TopToBottom)
            # the zoom and W/L line: under the legend there, at the foot of the side column here
            (self._side if narrow else self._legend_rows).removeWidget(self._readout)
            (self._legend_rows if narrow else self._side).addWidget(self._readout)

    def caption_below(self) -> bool:
        return self._top.direction() == QBoxLayout.TopToBottom

    # --- content -------------------------------------------------------------------------------
    def show_image(self, pixels: np.ndarray, heat: np.ndarray | None = None, caption: str = "",
                   legend: str = "", units=None, per_pixel: float = 1.0) -> None:
        """`units`: [offset, scale] that turn grey levels into the DICOM's own values (HU for CT):
        window/level then reads in those, as on a PACS; None: in grey levels 0-255. `per_pixel`: how
        many of the file's own pixels a pixel of `pixels` stands for: zoom reads against the file's."""
        pixels = np.asarray(pixels, np.float32)
        self._units, self._per_pixel = units, max(float(per_pixel), 1.0)
        if pixels.ndim != 2:
            raise ValueError(f"expected an H x W grayscale image, got shape {pixels.shape}")
        self._pixels = pixels
        self._level, self._width = DEFAULT_LEVEL, DEFAULT_WIDTH  # each image starts unwindowed
        self._message.hide()
        self._render_gray()
        self._scene.setSceneRect(self._image.boundingRect())
        self.set_heat(heat, legend)
        self.set_caption(caption)
        self._controls.setEnabled(True)
        self.fit()

    def set_heat(self, heat: np.ndarray | None, legend: str = "") -> None:
        """`heat`: the signed map (-1..1) on the image's grid, or None; `legend`: what it means."""
        self._heat = None if heat is None else np.asarray(heat, np.float32)
        self._legend.setVisible(self._heat is not None)
        self._legend_text.setText(legend)
        if self._heat is None or self._pixels is None:
            self._overlay.setPixmap(QPixmap())
        else:
            self._overlay.setPixmap(QPixmap.fromImage(_heat_image(self._heat)))
            # Stretch a coarser map over the image so both share one scene grid.
            (h, w), (ph, pw) = self._heat.shape, self._pixels.shape
            self._overlay.setTransform(QTransform.fromScale(pw / w, ph / h))
        self._heat_box.setEnabled(self._heat is not None)
        self._sync_overlay()

    def image_shape(self) -> tuple | None:
        return None if self._pixels is None else self._pixels.shape

    def set_legend(self, text: str) -> None:
        self._legend_text.setText(text)

    def set_caption(self, text: str) -> None:
        self._caption.setText(breakable(text))

    def clear(self, message: str = "", loading: bool = False) -> None:
        """No picture: the message, however long, wraps beside the empty view; `loading`: the film
        is on its way (not "No picture", which reads as an unreadable file)."""
        self._pixels = self._heat = None
        self._image.setPixmap(QPixmap())
        self._overlay.setPixmap(QPixmap())
        self._caption.setText(breakable(message))
        self._legend.hide()
        self._readout.clear()
        self._readout.setToolTip("")
        self._message.setText(self.tr("Loading…") if loading else self.tr("No picture") if message else
                              self.tr("Select a row to see its film here"))
        self._message.show()
        self._scene.setSceneRect(self._message.boundingRect())  # the view centres a small scene
        self._view.resetTransform()
        self._controls.setEnabled(False)
        self._fitted = True

    def has_image(self) -> bool:
        return self._pixels is not None

    # --- heat map ------------------------------------------------------------------------------
    def set_overlay_visible(self, on: bool) -> None:
        with QSignalBlocker(self._heat_box):
            self._heat_box.setChecked(on)
        self._sync_overlay()

    def overlay_visible(self) -> bool:
        return self._heat_box.isChecked()

    def set_opacity(self, value: float) -> None:
        with QSignalBlocker(self._opacity_slider):
            self._opacity_slider.setValue(round(min(max(value, 0.0), 1.0) * 100))
        self._sync_overlay()

    def opacity(self) -> float:
        return self._opacity_slider.value() / 100

    def _on_heat_toggled(self, on: bool) -> None:
        self._sync_overlay()
        self.overlayToggled.emit(on)

    def _on_opacity_moved(self, value: int) -> None:
        self._sync_overlay()
        self.opacityChanged.emit(value / 100)

    def _sync_overlay(self) -> None:
        self._overlay.setVisible(self._heat is not None and self._heat_box.isChecked())
        self._overlay.setOpacity(self.opacity())

    # --- grey levels ---------------------------------------------------------------------------
    def set_inverted(self, on: bool) -> None:
        with QSignalBlocker(self._invert_box):
            self._invert_box.setChecked(on)
        self._render_gray()

    def inverted(self) -> bool:
        return self._invert_box.isChecked()

    def set_window(self, level: float, width: float) -> None:
        self._level = min(max(level, 0.0), 1.0)
        self._width = min(max(width, MIN_WIDTH), MAX_WIDTH)
        self._render_gray()

    def reset_window(self) -> None:
        self.set_window(DEFAULT_LEVEL, DEFAULT_WIDTH)

    def window(self) -> tuple[float, float]:
        return self._level, self._width

    def _render_gray(self) -> None:
        if self._pixels is not None:
            image = _gray_image(self._pixels, self._level, self._width, self.inverted())
            self._image.setPixmap(QPixmap.fromImage(image))
            self._show_readout()

    def _show_readout(self) -> None:
        """Zoom and window/level, as a radiologist reads them off a viewer."""
        if self._pixels is None:
            return
        offset, scale = self._units if self._units else (0.0, GREY_LEVELS)
        # In a DICOM's units, as its header and a PACS write them: its window spans W - 1 values around
        # L - 0.5 (PS3.3 C.11.2.1.2), and the bare span read W 1999 for the header's 2000.
        width, level = (self._width * abs(scale) + 1, offset + self._level * scale + 0.5) if self._units else \
            (self._width * scale, self._level * scale)
        self._readout.setText(self.tr("Zoom %1 %  ·  W %2  L %3").replace("%1", f"{self.scale() * 100:.0f}")
                              .replace("%2", f"{width:.0f}").replace("%3", f"{level:.0f}"))
        h, w = self._pixels.shape
        self._readout.setToolTip("" if self._per_pixel == 1.0 else self.tr(
            "Zoom in the file's own pixels. This film is shown from a copy of %1 x %2 pixels, with %3 times fewer "
            "pixels a side than the file: beyond %4 %, no finer detail appears.").replace("%1", str(w)).replace(
            "%2", str(h)).replace("%3", f"{self._per_pixel:.1f}").replace("%4", f"{100 / self._per_pixel:.0f}"))

    # --- geometry ------------------------------------------------------------------------------
    def fit(self) -> None:
        if self._pixels is not None:
            self._view.fitInView(self._image.boundingRect(), Qt.KeepAspectRatio)
            self._fitted = True
            self._show_readout()

    def one_to_one(self) -> None:
        """One of the file's own pixels per screen pixel."""
        self._zoom(1.0 / self.scale())

    def zoom_by(self, factor: float) -> None:
        self._zoom(factor)

    def scale(self) -> float:
        """Screen pixels per pixel of the file (not of the shrunk copy shown)."""
        return self._view.transform().m11() / self._per_pixel

    def _zoom(self, factor: float, at: QPointF | None = None) -> None:
        """Zoom keeping the scene point under `at` (default: the view centre) where it was.

        Done by hand rather than with AnchorUnderMouse, which reads the global cursor and
        so ignores where a synthetic or programmatic zoom was aimed."""
        if self._pixels is None or factor <= 0:
            return
        current = self._view.transform().m11()
        target = min(max(current * factor, MIN_SCALE), MAX_SCALE)
        view = self._view
        at = QPointF(view.viewport().rect().center()) if at is None else at
        anchor = view.mapToScene(at.toPoint())
        view.scale(target / current, target / current)
        drift = view.mapFromScene(anchor) - at.toPoint()
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + drift.x())
        view.verticalScrollBar().setValue(view.verticalScrollBar().value() + drift.y())
        self._fitted = False
        self._show_readout()

    def grab_view(self) -> QImage:
        return self._view.viewport().grab().toImage()
