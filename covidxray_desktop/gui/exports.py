"""Exports from the window: which rows (all, filtered, selected: always asked), then the CSV of
`classify --csv` or the PDF report of `classify --pdf`, written by the core's own writers."""
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QLabel, QRadioButton,
                               QVBoxLayout)

from covidxray_desktop.gui import messages

translate = QCoreApplication.translate


class ScopeDialog(QDialog):
    """'Export which results?' with the counts, so a filter never silently narrows an export."""

    def __init__(self, title: str, counts: dict, anonymise: bool, parent=None, default: str | None = None,
                 pdf: bool = False, compact: bool = False):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Export which results?")))
        self.group = QButtonGroup(self)
        texts = {"all": self.tr("All results (%1)"), "shown": self.tr("The results the filter shows (%1)"),
                 "selected": self.tr("The selected results (%1)")}
        first = None
        for key in ("all", "shown", "selected"):
            button = QRadioButton(texts[key].replace("%1", str(counts[key])))
            button.setEnabled(counts[key] > 0)
            button.setProperty("scope", key)
            self.group.addButton(button)
            layout.addWidget(button)
            if counts[key] > 0 and (first is None or key == default):
                first = button
        if first is not None:
            first.setChecked(True)
            first.setFocus()  # Space on another choice would change the scope unseen
        self.anonymise = QCheckBox(self.tr("Anonymise (file names instead of paths; no patient ID or study fields)"),
                                   checked=anonymise)
        layout.addWidget(self.anonymise)
        self.compact = QCheckBox(self.tr("Compact report: a summary, then six films a page"), checked=compact)
        self.compact.setToolTip(self.tr("A page per film makes a long report for a large batch."))
        self.compact.setVisible(pdf)
        layout.addWidget(self.compact)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def scope(self) -> str:
        checked = self.group.checkedButton()
        return checked.property("scope") if checked else "all"


def ask_path(parent, title: str, folder: str, name: str, pattern: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path(folder or ".") / name), pattern)
    return path


def anonymised(rows: list) -> list:
    return [r.with_changes(patient_id="", study_uid="", study_date="") for r in rows]


@dataclass
class PdfJob:
    """The report, written in the engine's thread (it reads every film again)."""
    path: str
    rows: list
    models: dict
    threshold_of: object
    anonymise: bool
    summary: object = None  # the batches' summaries (their shift tests), a list
    compact: bool = False  # several films a page
    point_of: object = None  # the name of threshold_of's threshold (None: each row's own)
    kind = "pdf"

    def run(self, stopped, progress=lambda done, total: None) -> int:
        from covidxray_desktop.results import pdf_report

        return pdf_report.write(self.path, self.rows, self.models, self.threshold_of, self.anonymise, self.summary,
                                tr=lambda text: translate("Report", text), message_tr=messages.translated,
                                country=paper_country(), stopped=stopped,
                                progress=progress, compact=self.compact, point=self.point_of)


def paper_country() -> str:
    """The country whose paper size reports use: the system's, whatever language the window speaks."""
    return QLocale.territoryToCode(QLocale.system().territory())


@dataclass
class CsvJob:
    """The table as `classify --csv` writes it, in the engine's thread (a year's rows, a share)."""
    path: str
    rows: list
    threshold_of: object
    anonymise: bool
    point_of: object = None
    kind = "csv"

    def run(self, stopped, progress=lambda done, total: None) -> int:
        from covidxray_desktop.results import csv_export

        # For a spreadsheet: the window's CSV is opened by people, the command line's read by scripts.
        return csv_export.write(self.path, self.rows, self.threshold_of, self.anonymise, self.point_of, excel=True)
