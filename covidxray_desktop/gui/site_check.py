"""Tools ▸ Check the model on my films: a clinic scores every film of its own labelled folder,
reads the verdict beside the numbers (ROC, per class, refusals, calibration), saves it as PDF,
and can go on to adapt the model to these films."""
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressBar,
                               QPushButton, QTextBrowser, QVBoxLayout)

from covidxray_desktop.gui import exports, messages, worker
from covidxray_desktop.gui.sizing import fit_to_screen
from covidxray_desktop.model.figures import interval

ROC_SIDE = 440  # pixels: the curve readable at a glance


def _work(w, bundle_path, folder, axes, point, threshold, pictures):
    """The check at the operating point the window has in force (`point`, `threshold`): its figures
    and verdict are those of the labels the window gives. `pictures`: where the ROC goes."""
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.training.evaluate import evaluate, public
    from covidxray_desktop.training.metrics import roc_curve
    from covidxray_desktop.training.plots import line_chart
    from covidxray_desktop.training.sitecheck import verdict

    bundle = load(bundle_path)
    progress = []
    report = evaluate(folder, bundle, "all", threshold, lambda n, t: progress.append((n, t)))
    roc = None
    if report.get("auc") is not None:
        roc = Path(pictures) / f"roc-{len(list(Path(pictures).iterdir()))}.png"  # a new name: the last one may be shown
        fpr, tpr = roc_curve(report["_y"], report["_p"])
        line_chart({f"AUC {report['auc']:.3f}": (fpr, tpr)}, roc, "ROC", *axes, diagonal=True)
    out = dict(public(report), operating_point=point, threshold=threshold)
    out["verdict"] = verdict(out, bundle.card, point)
    yield ("done", out, str(roc) if roc else None, bundle.ident)


class SiteCheckDialog(QDialog):
    adaptRequested = Signal(str)  # the folder just checked: the training dialog opens on it

    def __init__(self, model_info: dict, parent=None, folder: str = "", export_folder: str = "",
                 point: tuple | None = None):
        super().__init__(parent)
        self.export_folder = export_folder  # where the window's exports go
        # (name, threshold) the window labels with; None: the card's default point
        card = model_info.get("card") or {}
        self.point = point or (card.get("default_operating_point"), card.get("threshold"))
        self._pictures = tempfile.TemporaryDirectory(prefix="covidxray-check-")  # gone with the dialog
        self._folder = ""  # the folder being checked
        self.destroyed.connect(self._pictures.cleanup)
        self.setWindowTitle(self.tr("Check the model on my films"))
        self.model_info, self.report, self.roc, self.worker = model_info, None, None, None
        intro = QLabel(self.tr("Choose a folder with COVID/ and Normal/ sub-folders holding your own films, sorted "
                               "by a reference result (PCR). Every film is scored; nothing is stored or learnt."),
                       wordWrap=True)
        self.folder = QLineEdit(folder)
        browse = QPushButton(self.tr("Folder…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(self._choose)
        self.run_button = QPushButton(self.tr("Check"))
        self.run_button.setDefault(True)  # Enter in the folder field checks that folder
        self.run_button.clicked.connect(self.run)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        row.addWidget(self.run_button)
        self.busy = QProgressBar(textVisible=False, visible=False)
        self.busy.setRange(0, 0)
        self.text = QTextBrowser()
        self.roc_label = QLabel(alignment=Qt.AlignCenter, minimumWidth=ROC_SIDE)
        self.roc_caption = QLabel(wordWrap=True, maximumWidth=ROC_SIDE + 40)
        self.save_button = QPushButton(self.tr("Save as PDF…"), enabled=False)
        self.save_button.clicked.connect(self.save_pdf)
        self.adapt_button = QPushButton(self.tr("Adapt the model to these films…"), enabled=False)
        self.adapt_button.clicked.connect(lambda: (self.adaptRequested.emit(self.report.get("folder", "")),
                                                   self.accept()))
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        self.saved = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)  # where the PDF went
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.adapt_button)
        bottom.addWidget(self.saved, 1)
        bottom.addWidget(close)
        body = QHBoxLayout()
        body.addWidget(self.text, 3)
        picture = QVBoxLayout()
        picture.addWidget(self.roc_label)
        picture.addWidget(self.roc_caption)
        picture.addStretch(1)
        body.addLayout(picture, 2)
        layout = QVBoxLayout(self)
        for w in (intro,):
            layout.addWidget(w)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)
        fit_to_screen(self, 1100, 640)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Your labelled films"), self.folder.text())
        if folder:
            self.folder.setText(folder)

    def run(self) -> None:
        folder = self.folder.text().strip()
        if not folder or self.worker is not None:
            return
        self.busy.show()
        self.run_button.setEnabled(False)
        # The last check's results go now: saved or adapted to after a failure, they named the other folder.
        self.report = self.roc = None
        self.save_button.setEnabled(False)
        self.adapt_button.setEnabled(False)
        self.roc_label.clear()
        self.roc_caption.clear()
        self.text.setPlainText(self.tr("Scoring every film…"))
        axes = (self.tr("1 - specificity"), self.tr("sensitivity"))  # the chart prints Chinese in its own font
        self.worker = worker.start(_work, self.model_info["path"], folder, axes, *self.point, self._pictures.name,
                                   parent=self, name="covidxray-site-check", on_yield=self._done,
                                   on_error=self._failed)
        self._folder = folder

    def _done(self, message) -> None:
        _, report, roc, ident = message
        self.worker, self.report, self.roc = None, dict(report, folder=self._folder), roc
        self.busy.hide()
        self.run_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.adapt_button.setEnabled(True)
        self.text.setHtml(self._html(report, ident))
        if roc:
            self.roc_label.setPixmap(QPixmap(roc).scaled(ROC_SIDE, ROC_SIDE * 3 // 4, Qt.KeepAspectRatio,
                                                         Qt.SmoothTransformation))
            self.roc_caption.setText(self.tr("The curve shows every threshold at once: up is more COVID-19 films "
                                             "found (sensitivity), right is more Normal films wrongly flagged "
                                             "(1 - specificity). The closer to the top left corner, the better."))

    def _failed(self, exc) -> None:
        from covidxray_desktop.errors import CovidXrayError

        self.worker = None
        self.busy.hide()
        self.run_button.setEnabled(True)
        self.text.setPlainText(messages.translated(str(exc)) if isinstance(exc, CovidXrayError) else
                               self.tr("Something went wrong: %1").replace("%1", str(exc)))

    def _html(self, r: dict, ident: str) -> str:
        import html

        e = html.escape
        verdict = "".join(f"<p><b>{e(messages.translated(s))}</b></p>" for s in r["verdict"]["sentences"])
        groups = {"covid": self.tr("COVID-19 films"), "normal": self.tr("Normal films")}
        rows = "".join(f"<tr><td>{e(name)}</td><td>{m.get('n')}</td>"
                       + "".join(f"<td>{interval(m, key)}</td>" for key in ("auc", "sensitivity", "specificity"))
                       + "</tr>"
                       for name, m in [(self.tr("all films"), r)] +
                       [(groups.get(k, k), v) for k, v in r.get("per_class", {}).items()])
        refused = r.get("rejected", {})
        ece = r.get("ece")
        explained = self.tr("Calibration error: %1 (how far P(COVID) is from the share of COVID-19 films at that "
                            "probability; 0 is perfect, above 0.1 the probabilities are not to be taken literally)."
                            ).replace("%1", "–" if ece is None else f"{ece:.3f}")
        return (f"<p>{e(self.tr('Model'))} {e(ident)} · {e(messages.translated(r.get('data', '')))}</p>"
                f"<p>{e(self.at_point(r))}</p>{verdict}"
                "<table border=1 cellspacing=0 cellpadding=3><tr><th></th><th>n</th><th>AUC [95 % CI]</th>"
                f"<th>{e(self.tr('sensitivity'))}</th><th>{e(self.tr('specificity'))}</th></tr>{rows}</table>"
                f"<p>{e(self.tr('Refused'))}: {e(self.tr('COVID-19'))} {refused.get('covid', 0)}, "
                f"{e(self.tr('Normal'))} {refused.get('normal', 0)}; "
                f"{e(self.tr('unreadable'))}: {r.get('errors', 0)}</p>"
                + "".join(f"<p>{e(messages.translated(line))}</p>" for line in r.get("unused") or [])
                + f"<p>{e(explained)}</p>")

    def at_point(self, r: dict) -> str:
        """The point the figures are at, as the window's point box names it."""
        from covidxray_desktop.gui.points import shown_name

        if r.get("threshold") is None:
            return ""
        return self.tr("Labels at the %1 operating point (threshold %2), as the window gives them.").replace(
            "%1", shown_name(r.get("operating_point") or "", None)).replace("%2", f"{r.get('threshold') or 0:.3f}")

    def save_pdf(self) -> None:
        if not self.report:
            return
        # Not into the labelled films' folder: a PDF there would be scored as a film by the next check.
        folder = self.export_folder or str(Path.home() / "Documents" if (Path.home() / "Documents").is_dir()
                                           else Path.home())
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the check as PDF"),
                                              str(Path(folder) / "model-check.pdf"), "PDF (*.pdf)")
        if path:
            from covidxray_desktop.results import site_pdf

            refused = self._refusal(path)
            if refused:  # the file dialog only asked whether to replace it
                QMessageBox.warning(self, self.tr("Save the check as PDF"), refused)
                return
            try:
                site_pdf.write(path, self.report, self.model_info["ident"], self.roc,
                               tr=lambda text: self.tr(text), message_tr=messages.translated,
                               country=exports.paper_country(), point=self.at_point(self.report))
            except OSError as exc:
                self.saved.setText(self.tr("Not saved: %1").replace("%1", f"{path}: {exc.strerror or exc}"))
                return
            self.saved.setText(self.tr("Saved: %1").replace("%1", path))

    def _refusal(self, path: str) -> str:
        """Why the PDF must not go there: the window's own check (the results store, the model in use,
        a film); opened without the window, the model's files and the user's store."""
        from covidxray_desktop.gui.session_io import refusal

        window = self.parentWidget()
        if window is not None and hasattr(window, "db_path"):
            return refusal(window, path)
        from covidxray_desktop import outputs
        from covidxray_desktop.store import default_path

        what = outputs.overwrites(path, (), default_path(), self.model_info.get("files", ()))
        return self.tr("%1 would replace %2; it is not overwritten. Choose another file.").replace(
            "%1", path).replace("%2", what) if what else ""

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.abort()
        super().reject()
