"""The end of a training run in the dialog: ROC picture, metrics per split, class and source."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)


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
        self.summary_label.setText(self.tr(
            "{0}, trained on {1} in {2}; threshold {3:.3f} (COVID-19 sensitivity ≥ 0.95 on val).\n"
            "Model: {4}\nReport: {5}").format(
            bundle.ident, training.get("device", "?"), took,
            card.get("threshold", 0.0), bundle.path, report.get("path", "")))
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

    def metric_rows(self, metrics: dict):
        def f(value) -> str:
            return "–" if value is None else f"{value:.3f}"

        for split in ("val", "test", "held_out"):
            m = metrics.get(split)
            if not m or not m.get("n"):
                continue
            groups = [(self.tr("all"), m)]
            groups += [(self.tr("class {0}").format(k), v) for k, v in m.get("per_class", {}).items()]
            groups += [(self.tr("source {0}").format(k), v) for k, v in m.get("per_source", {}).items()]
            for group, g in groups:
                ci = g.get("auc_ci95")
                auc = f(g.get("auc")) + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")
                yield (split, group, str(g.get("n", 0)), auc, f(g.get("sensitivity")),
                       f(g.get("specificity")), f(g.get("balanced_accuracy")))
