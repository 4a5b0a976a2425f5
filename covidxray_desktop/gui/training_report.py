"""The end of a training run in the dialog: ROC picture, metrics per split, class and source."""
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from covidxray_desktop.gui import messages
from covidxray_desktop.gui.dialogs import plain
from covidxray_desktop.model import figures


def worse_than(new: dict, current: dict | None) -> str:
    """A warning when the new model does worse than the current one on some measure, weighing what
    it gains too, with n and intervals (an adapted model: both scored on the same check films; a
    trained one: each on its own test films); '' when nothing is worse."""
    if not current:
        return ""
    pair = figures.before_after(new)
    ours, theirs = (pair[1], pair[0]) if pair else (figures.own(new), figures.own(current))
    tr = lambda text: QCoreApplication.translate("TrainingReport", text)  # noqa: E731
    names = {"sensitivity": tr("sensitivity"), "specificity": tr("specificity"),
             "balanced_accuracy": tr("balanced accuracy"), "auc": "AUC"}
    worse, better, same = [], [], []
    for key, name in names.items():
        a, b = ours.get(key), theirs.get(key)
        if a is None or b is None:
            continue
        line = tr("%1 %2 against %3").replace("%1", name).replace("%2", figures.interval(ours, key, 2)).replace(
            "%3", figures.interval(theirs, key, 2))
        (worse if a < b - 0.05 else better if a > b + 0.05 else same).append(line)
    if not worse:
        return ""
    where = (tr("On the same %1 check films of your site (the new model, then the current one):")
             if pair else tr("Each on its own test films (%1 for the new model; the new model, then the current one):"))
    parts = [tr("The new model is worse than the current one on some measures."),
             where.replace("%1", str(ours.get("n", "–"))),
             tr("worse: %1.").replace("%1", "; ".join(worse))]
    if better:
        parts.append(tr("better: %1.").replace("%1", "; ".join(better)))
    if same:
        parts.append(tr("about the same: %1.").replace("%1", "; ".join(same)))
    if ours.get("n", 0) < 100:
        parts.append(tr("With so few films, differences inside the intervals may be chance."))
    return "\n".join(parts)


def scrolled(*widgets) -> QScrollArea:
    """The curves and the report, stacked in a scroll area: once a run's report appears below its
    curves, the dialog would otherwise grow past a small screen's height and push Close off it."""
    inner = QWidget()
    column = QVBoxLayout(inner)
    column.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        column.addWidget(widget, 1)
    area = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
    area.setWidget(inner)
    area.setMinimumHeight(100)  # with the settings above and Close below, within a 1280 x 720 laptop at 125 %
    return area


class TrainingReport(QGroupBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle(self.tr("Report"))
        self.roc_label = QLabel()
        self.roc_label.setAlignment(Qt.AlignCenter)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.metrics_table = QTableWidget(0, 7)
        self.metrics_table.setHorizontalHeaderLabels([
            self.tr("split"), self.tr("group"), self.tr("n"), self.tr("AUC [95 % CI]"),
            self.tr("sensitivity"), self.tr("specificity"), self.tr("balanced acc.")])
        self.metrics_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.metrics_table.verticalHeader().setVisible(False)
        self.metrics_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.use_button = QPushButton(self.tr("Use this model"))
        self.use_button.setToolTip(self.tr("Classify with the new model from now on; until then the old one stays."))
        right = QVBoxLayout()
        right.addWidget(self.summary_label)
        right.addWidget(self.metrics_table, 1)
        right.addWidget(self.use_button, 0, Qt.AlignRight)
        report = QHBoxLayout(self)
        report.addWidget(self.roc_label)
        report.addLayout(right, 1)

    def show_report(self, bundle, report: dict, took: str) -> None:
        card, training = bundle.card, bundle.card.get("training", {})
        adapted = card.get("adapted_from")
        how = (self.tr("adapted from {0} in {1}").format(adapted["model"], took) if adapted else
               self.tr("trained on {0} in {1}").format(training.get("device", "?"), took))
        refused = self.refused(card.get("metrics", {}))
        rule = messages.translated(plain(card.get("operating_point", "")))
        self.summary_label.setText(self.tr("{0}, {1}; threshold {2:.3f}: {3}.\nModel: {4}\nReport: {5}").format(
            bundle.ident, how, card.get("threshold", 0.0), rule, bundle.path,
            report.get("path", "")) + (f"\n{refused}" if refused else "") + self.left_out(report.get("left_out"))
            + self.unused(report.get("unused")))
        rows = list(self.metric_rows(card.get("metrics", {})))
        self.metrics_table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.metrics_table.setItem(r, c, item)
        roc = report.get("figures", {}).get("roc")
        pixmap = QPixmap(roc) if roc else QPixmap()
        if pixmap.isNull():
            self.roc_label.setText(self.tr("No ROC figure (a split lacks one of the classes)."))
        else:
            pixmap = pixmap.scaled(320, 240, Qt.KeepAspectRatio, Qt.SmoothTransformation)
            self.roc_label.setPixmap(pixmap)
            self.roc_label.setFixedSize(pixmap.size())

    def left_out(self, lines) -> str:
        """The files the job did not learn from, each with why (the first few; the log has them all)."""
        if not lines:
            return ""
        shown = "\n  ".join(messages.translated(line) for line in lines[:5])
        more = self.tr("\n  … and {0} more").format(len(lines) - 5) if len(lines) > 5 else ""
        return "\n" + self.tr("Left out ({0} files):").format(len(lines)) + f"\n  {shown}{more}"

    def unused(self, lines) -> str:
        """Folders beside the classes' that the job did not read: their films are in no count."""
        if not lines:
            return ""
        return "\n" + self.tr("Folders not used:") + "\n  " + "\n  ".join(messages.translated(x) for x in lines)

    def refused(self, metrics: dict) -> str:
        parts = []
        site = metrics.get("site", {}).get("check")
        scored = {"check": site["after"]} if site else {k: metrics.get(k) for k in ("val", "test", "held_out")}
        for split, m in scored.items():
            r = (m or {}).get("rejected") or {}
            if sum(r.values()):
                parts.append(self.tr("{0}: {1} COVID-19 and {2} Normal films").format(split, r.get("covid", 0),
                                                                                     r.get("normal", 0)))
        return self.tr("Refused by the gate (not scored): {0}.").format("; ".join(parts)) if parts else ""

    def metric_rows(self, metrics: dict):
        def f(value) -> str:
            return "–" if value is None else f"{value:.3f}"

        site = metrics.get("site", {})
        for part, outcome in site.items():  # an adapted model: before and after, on films it did not adapt on
            for when in ("before", "after"):
                m = outcome.get(when, {})
                if m.get("n"):
                    ci = m.get("auc_ci95")
                    parts = {"check": self.tr("check"), "original": self.tr("original test")}
                    yield (self.tr("{0}, {1}").format(parts.get(part, part), self.tr(when)), self.tr("all"),
                           str(m["n"]),
                           f(m.get("auc")) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""), f(m.get("sensitivity")),
                           f(m.get("specificity")), f(m.get("balanced_accuracy")))
        splits = {"val": self.tr("validation films"), "test": self.tr("test films (unseen patients)"),
                  "held_out": self.tr("held-out sources")}
        for split in ("val", "test", "held_out"):
            if site:
                break
            m = metrics.get(split)
            if not m or not m.get("n"):
                continue
            groups = [(self.tr("all"), m)]
            names = {"covid": self.tr("COVID-19"), "normal": self.tr("Normal")}
            groups += [(self.tr("class {0}").format(names.get(k, k)), v) for k, v in m.get("per_class", {}).items()]
            groups += [(self.tr("source {0}").format(k), v) for k, v in m.get("per_source", {}).items()]
            for group, g in groups:
                ci = g.get("auc_ci95")
                auc = f(g.get("auc")) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
                yield (splits[split], group, str(g.get("n", 0)), auc, f(g.get("sensitivity")),
                       f(g.get("specificity")), f(g.get("balanced_accuracy")))
