"""The operating-point box beside the threshold box: choosing Balanced or Screening sets the
threshold to that point's (from the model card); a threshold changed by hand shows Custom, unless
it is a point's own as the box shows it. The window applies what is in force (`in_force`)."""
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox

from covidxray_desktop.model import operating

SHOWN = 0.0005  # the threshold box shows 3 decimals: a value within this of a point's is that point


def shown_name(name: str, tr=None) -> str:
    """A point's name in the window's words (`tr`: the MainWindow context's translator)."""
    tr = tr or (lambda text: QCoreApplication.translate("MainWindow", text))
    return tr(operating.NAMES[name]) if name in operating.NAMES else name


class PointChooser:
    """Keeps the point box and the threshold box in step; `setting` is True while it moves the
    threshold box itself, so that the window does not take the move for a hand edit."""

    def __init__(self, w):
        self.w = w
        self.points: dict = {}  # the current model's: name -> {threshold, rule, ...}
        self.name = operating.CUSTOM
        self.setting = False
        self.box = QComboBox()
        self.box.setToolTip(w.tr("Balanced: keeps sensitivity at 0.90 or more and labels right as many films as it "
                                 "can in the population it serves worst. Screening: sensitivity 0.95 or more, at "
                                 "the cost of more normal films called COVID-19. Custom: a threshold set by hand."))
        self.box.setSizeAdjustPolicy(QComboBox.AdjustToContents)  # filled once a model is loaded: never clipped
        self.box.setEnabled(False)  # until a model is loaded
        self.box.currentIndexChanged.connect(self._picked)

    def fill(self, points: dict, default: str, remembered: str | None = None, typed: float | None = None) -> None:
        """A model was loaded: its points in the box, then the remembered choice (a name or custom),
        else the point the remembered threshold `typed` is, else the model's default."""
        self.points = points
        if remembered is None and typed is not None:  # remembered before points had names
            remembered = self.matching(typed)
        self.setting = True
        try:
            self.box.clear()
            for name in list(points) + [operating.CUSTOM]:
                self.box.addItem(shown_name(name), name)
        finally:
            self.setting = False
        self.box.setEnabled(True)
        self.select(remembered if remembered == operating.CUSTOM or remembered in points else default)

    def restore(self, info: dict, settings, same_as_before: bool) -> None:
        """A model was loaded: its own last choice, kept per model (coming back to a model after another
        brought its default back, and relabelled the results already reported at its point), else the
        choice kept before choices were kept per model, for that model, else its default."""
        point, _, value = str(settings.value(f"points/{info['hash']}") or "").partition(" ")
        if point == operating.CUSTOM:
            try:
                value = float(value)
            except ValueError:  # a settings file edited by hand: the model's default, not a crash at start
                point = ""
            else:
                self.setting = True
                try:
                    self.w.threshold.setValue(value)
                finally:
                    self.setting = False
        if point:
            self.fill(info["points"], info["default_point"], point)
        elif same_as_before:
            self.fill(info["points"], info["default_point"], settings.value("operating_point") or None,
                      self.w.threshold.value())
        else:
            self.fill(info["points"], info["default_point"])

    @staticmethod
    def keep(settings, model_hash: str, point: str, threshold: float) -> None:
        settings.setValue(f"points/{model_hash}", f"{point} {threshold!r}")

    def select(self, name: str) -> None:
        """Show `name` in force; a named point also sets the threshold box to its threshold."""
        self.name = name
        self.setting = True
        try:
            self.box.setCurrentIndex(max(0, self.box.findData(name)))
            if name in self.points:
                self.w.threshold.setValue(self.points[name]["threshold"])
        finally:
            self.setting = False

    def matching(self, value: float) -> str:
        """The point whose threshold the box shows as `value`, else custom."""
        return next((name for name, point in self.points.items() if abs(point["threshold"] - value) < SHOWN),
                    operating.CUSTOM)

    def typed(self, value: float) -> None:
        """The threshold box was changed by hand."""
        name = self.matching(value)
        self.name = name
        self.setting = True
        try:
            self.box.setCurrentIndex(max(0, self.box.findData(name)))
        finally:
            self.setting = False

    def in_force(self) -> tuple[str, float]:
        """(point, exact threshold): a named point's own threshold, not the box's 3 decimals."""
        if self.name in self.points:
            return self.name, float(self.points[self.name]["threshold"])
        return operating.CUSTOM, float(self.w.threshold.value())

    def _picked(self, index: int) -> None:
        if self.setting or index < 0:
            return
        self.select(self.box.itemData(index))
        self.w._apply_threshold()
