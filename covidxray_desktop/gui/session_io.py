"""What the window keeps between sessions (layout, folders, language) and its export flow."""
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.gui import messages
from covidxray_desktop.gui.sizing import fit_to_screen


def restore(w) -> None:
    if w.settings.value("geometry") is not None:
        w.restoreGeometry(w.settings.value("geometry"))
    else:
        fit_to_screen(w, 1320, 820)
    for splitter, key in ((w.split, "split"), (w.left, "left")):
        if w.settings.value(key) is not None:
            splitter.restoreState(w.settings.value(key))
    header = w.settings.value("table_header3")  # 3: the reason joined the status, the folder moved to the end
    if header is not None:
        w.table.horizontalHeader().restoreState(header)
    w.table.horizontalHeader().setMinimumSectionSize(40)  # a column saved too narrow comes back readable


def save(w) -> None:
    w.settings.setValue("geometry", w.saveGeometry())
    w.settings.setValue("split", w.split.saveState())
    w.settings.setValue("left", w.left.saveState())
    w.settings.setValue("table_header3", w.table.horizontalHeader().saveState())


def claim_queue(w) -> bool:
    """Whether this window may offer the store's unfinished batches (gui/queue_claim.py); when another
    window runs them, the status bar says so."""
    from covidxray_desktop.gui.queue_claim import QueueClaim

    w.queue_claim = QueueClaim(w, w.db_path)
    if not w.queue_claim.first:
        w.statusBar().showMessage(w.tr("Another covidxray window has these results open; the batches it runs are "
                                       "its own."), 30000)
    return w.queue_claim.first


def keep_entry(w, name: str, paths) -> int | None:
    """The queue entry kept in the results store, to be offered again after a restart: its id, or
    None when the store cannot take it now (another copy holding it locked, a full disk). The batch
    runs all the same; the status bar says what is lost."""
    try:
        return w._store.queue_add(name, paths)
    except CovidXrayError as exc:
        w.statusBar().showMessage(w.tr("%1 is classified, but would not be offered again if the app stopped "
                                       "before it ends: %2").replace("%1", name).replace(
                                           "%2", messages.translated(str(exc))), 30000)
        return None


def keep_state(w, store_id, state: str) -> None:
    """A kept entry's state; a store that cannot take it now only means the entry may be offered again."""
    from covidxray_desktop.logs import log

    if store_id:
        try:
            w._store.queue_set_state(store_id, state)
        except CovidXrayError as exc:
            log.warning("queue entry %s: state %s not kept (%s)", store_id, state, exc)


def remember_folder(w, path: str, parent: bool = False) -> None:
    w.settings.setValue("last_folder", str(Path(path).parent if parent else path))


def set_language(w, code: str) -> None:
    """Strings already on screen were translated when built: offer to restart now."""
    w.settings.setValue("language", code)
    answer = QMessageBox.question(w, w.tr("Language"), w.tr("The new language applies when the app starts. "
                                                           "Restart it now? (Queued work is offered again.)"))
    if answer == QMessageBox.Yes:
        import os
        import sys

        from PySide6.QtCore import QProcess

        w.settings.setValue("confirm_quit", "true")
        if w.close():
            QProcess.startDetached(sys.executable, sys.argv[1:] if getattr(sys, "frozen", False) else sys.argv,
                                   os.getcwd())


def export(w, kind: str, path: str | None = None, scope: str | None = None) -> None:
    """Ask which rows (all, shown, selected) unless told, ask where, write, and say how many."""
    from covidxray_desktop.gui import exports

    rows = {"all": list(w.results.rows), "shown": w.visible_rows(), "selected": w.selected_rows()}
    counts = {k: len(v) for k, v in rows.items()}
    anonymise = w.anonymise.isChecked()
    title = w.tr("Export CSV") if kind == "csv" else w.tr("Export PDF report")
    compact = False
    if scope is None:
        dialog = exports.ScopeDialog(title, counts, anonymise, w,
                                     default="selected" if counts["selected"] > 1 else
                                     "shown" if w.proxy.filtering() else "all",
                                     pdf=kind == "pdf", compact=counts["all"] > COMPACT_FROM)
        if not dialog.exec():
            return
        scope, anonymise, compact = dialog.scope(), dialog.anonymise.isChecked(), dialog.compact.isChecked()
    chosen = rows[scope]
    if not chosen:
        w.statusBar().showMessage(w.tr("Nothing to export"), 10000)
        return
    folder = w.settings.value("last_export_folder", "") or w.settings.value("last_folder", "")
    name = "results.csv" if kind == "csv" else "report.pdf"
    path = path or exports.ask_path(w, title, folder, name, "CSV (*.csv)" if kind == "csv" else "PDF (*.pdf)")
    if not path:
        return
    refused = refusal(w, path)
    if refused:
        QMessageBox.warning(w, title, refused)
        return
    w.settings.setValue("last_export_folder", str(Path(path).parent))
    if anonymise:
        chosen = exports.anonymised(chosen)
    threshold_of, point_of = w.results.labelling()
    if kind == "csv":  # written in the engine's thread: a year's rows, or a folder on a share, take a while
        w.statusBar().showMessage(w.tr("Exporting %n row(s)…", "", len(chosen)))
        w.engine.export(exports.CsvJob(path, chosen, threshold_of, anonymise, point_of))
        return
    w.statusBar().showMessage(w.tr("Writing the report of %n film(s)…", "", len(chosen)))
    try:
        summaries = w._store.batch_summaries({r.batch for r in chosen})  # each batch's shift test
        w.models = w._store.models()  # a model kept there after it loaded (the store was locked then)
    except CovidXrayError as exc:  # a store locked by another copy past its wait
        w.statusBar().clearMessage()
        QMessageBox.warning(w, title, messages.translated(str(exc)))
        return
    report_progress(w).start(len(chosen))
    w.engine.export(exports.PdfJob(path, chosen, dict(w.models), threshold_of, anonymise, summaries, compact, point_of))


def export_done(w, path: str, problem: str, count: int, kind: str) -> None:
    if problem:
        w.statusBar().clearMessage()  # "Writing the report…" has no time limit of its own
        QMessageBox.warning(w, w.tr("Export"), problem)
    elif kind == "csv":
        w.statusBar().showMessage(w.tr("Exported %n row(s) to %1", "", count).replace("%1", path), 15000)
    else:
        w.statusBar().showMessage(w.tr("Report written: %1 (%n film page(s))", "", count).replace("%1", path), 15000)


def refusal(w, path: str) -> str:
    """Why an export must not be written there ("" when it may): the file dialog only asks whether to
    replace a file, and replacing the results store, the model or a film destroys them."""
    from covidxray_desktop import outputs

    # Films need no list: a film is an image, and the check reads what the target holds (resolving
    # each of 50,000 paths would stall the window). Files on the list that are not images (a
    # notes.txt dropped with the films, a damaged scan) are named, as few as they are.
    unread = [r.path for r in w.results.rows if r.status == "error"]
    what = outputs.overwrites(path, unread, w.db_path, (w.model_info or {}).get("files", ()))
    text = {"the results store": w.tr("%1 is the results store, which keeps every result; it is not overwritten. "
                                      "Choose another file."),
            "a results store": w.tr("%1 is a results store, which keeps results; it is not overwritten. Choose "
                                    "another file."),
            "a database": w.tr("%1 is a database; it is not overwritten. Choose another file."),
            "one of the input files": w.tr("%1 is a file on the list; it is not overwritten. Choose another file."),
            "the bundled model's folder": w.tr("%1 is in the bundled model's folder, which is never written. "
                                               "Choose another folder."),
            "a file of the model in use": w.tr("%1 is a file of the model in use; it is not overwritten. Choose "
                                               "another file."),
            }.get(what, w.tr("%1 is an X-ray on the list or another image; it is not overwritten. Choose another "
                             "file.") if what else "")
    return text.replace("%1", path)


COMPACT_FROM = 50  # films: a larger export proposes the compact report


class ReportProgress:
    """A bar in the status bar while a report is written: "Report: 120 of 1,088 films"."""

    def __init__(self, w):
        from PySide6.QtWidgets import QProgressBar

        self.w = w
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(260)
        self.bar.setTextVisible(True)
        self.bar.hide()
        w.statusBar().addPermanentWidget(self.bar)
        w.engine.exportProgress.connect(self.step)
        w.engine.exportDone.connect(lambda *_: self.bar.hide())

    def start(self, total: int) -> "ReportProgress":
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.bar.setFormat(self.w.tr("Report: %v of %m films"))
        self.bar.show()
        return self

    def step(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)


def report_progress(w) -> ReportProgress:
    if getattr(w, "_report_progress", None) is None:
        w._report_progress = ReportProgress(w)
    return w._report_progress
