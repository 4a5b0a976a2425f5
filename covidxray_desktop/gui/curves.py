"""Live training curves: a small self-drawn line plot, one point per epoch per series.

Drawn with QPainter because the slim Qt wheels the app ships carry no QtCharts, and a
plotting library would be a large dependency for four lines.
"""
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

# Okabe-Ito, as in the report's figures: told apart by colour-blind readers too.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]


class Curves(QWidget):
    """Per-epoch series (loss, accuracy, val AUC, ...) on one 'epoch' axis.

    The y axis spans 0..1 (accuracy and AUC live there) and grows when a loss goes above 1.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._points: dict[str, list[tuple[int, float]]] = {}
        self._epochs = 1
        self._names = {"loss": self.tr("train loss"), "accuracy": self.tr("train accuracy"),
                       "val_auc": self.tr("val AUC"), "val_loss": self.tr("val loss")}
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAccessibleName(self.tr("Training curves"))

    def sizeHint(self) -> QSize:
        return QSize(520, 260)

    # -- data ---------------------------------------------------------------------------
    def set_epochs(self, epochs: int) -> None:
        """How many epochs the run will have: the x axis is fixed to it, so curves do not jump."""
        self._epochs = max(1, int(epochs))
        self.update()

    def add_point(self, epoch: int, **values) -> None:
        for key, value in values.items():
            if value is None or value != value:  # None or NaN: nothing to draw
                continue
            self._points.setdefault(key, []).append((int(epoch), float(value)))
        self._epochs = max(self._epochs, int(epoch))
        self.update()

    def clear(self) -> None:
        self._points.clear()
        self.update()

    def series(self) -> dict[str, list[tuple[int, float]]]:
        """A copy of what is plotted: name -> [(epoch, value), ...]."""
        return {k: list(v) for k, v in self._points.items()}

    # -- drawing ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        fm = p.fontMetrics()
        line_h = fm.height()
        legend_h = line_h + 6
        left = line_h + fm.horizontalAdvance("0.00") + 14  # the rotated axis title, then the ticks
        plot = QRectF(QPointF(left, legend_h + 6), QPointF(self.width() - 12, self.height() - 2 * line_h - 8))
        if plot.width() < 20 or plot.height() < 20:
            return
        top = max([1.0] + [v for pts in self._points.values() for _, v in pts])
        x_max = max(self._epochs, 2)

        def at(epoch: float, value: float) -> QPointF:
            fx = (epoch - 1) / (x_max - 1)
            return QPointF(plot.left() + fx * plot.width(), plot.bottom() - value / top * plot.height())

        text = pal.text().color()
        grid = QColor(text)
        grid.setAlpha(40)
        # Axes, grid and tick labels.
        for i in range(5):
            value = top * i / 4
            y = at(1, value).y()
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text)
            p.drawText(QRectF(line_h, y - line_h / 2, plot.left() - line_h - 6, line_h),
                       Qt.AlignRight | Qt.AlignVCenter, f"{value:.2f}")
        step = max(1, round((x_max - 1) / 8))
        for epoch in list(range(1, x_max + 1, step)):
            x = at(epoch, 0).x()
            p.drawText(QRectF(x - 20, plot.bottom() + 2, 40, line_h), Qt.AlignHCenter | Qt.AlignTop, str(epoch))
        p.setPen(QPen(text, 1))
        p.drawRect(plot)
        p.drawText(QRectF(plot.left(), self.height() - line_h - 2, plot.width(), line_h),
                   Qt.AlignHCenter, self.tr("epoch"))
        p.save()
        p.translate(2, plot.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-plot.height() / 2, 0, plot.height(), line_h), Qt.AlignHCenter, self.tr("value"))
        p.restore()
        # Series, and the legend above the plot where it never hides a curve.
        x = plot.left()
        for k, (key, pts) in enumerate(self._points.items()):
            colour = QColor(COLOURS[k % len(COLOURS)])
            p.setPen(QPen(colour, 2))
            points = [at(e, v) for e, v in pts]
            if len(points) > 1:
                p.drawPolyline(QPolygonF(points))
            for pt in points:
                p.drawEllipse(pt, 2.5, 2.5)
            name = self._names.get(key, key)
            p.drawLine(QPointF(x, legend_h / 2 + 2), QPointF(x + 16, legend_h / 2 + 2))
            p.setPen(text)
            p.drawText(QRectF(x + 20, 2, fm.horizontalAdvance(name) + 4, line_h), Qt.AlignLeft, name)
            x += 20 + fm.horizontalAdvance(name) + 16
        if not self._points:
            p.setPen(text)
            p.drawText(plot, Qt.AlignCenter, self.tr("Curves appear after the first epoch."))
        p.end()
