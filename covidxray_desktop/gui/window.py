"""The main window: drops and menus in, engine signals out to the queue, table and viewer.

It only wires: decoding, inference, reports and training run in worker threads. Menus are built
in gui/menus.py, exports in gui/exports.py, the smaller dialogs in gui/dialogs.py.
"""
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox

from covidxray_desktop import APP_NAME, __version__
from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.gui import detail, dialogs, menus, messages, session_io, tools, window_parts
from covidxray_desktop.gui.engine import Engine
from covidxray_desktop.gui.overlays import ShiftBanner, drops_anywhere
from covidxray_desktop.gui.points import shown_name
from covidxray_desktop.gui.queue_panel import QueueModel, QueuePanel
from covidxray_desktop.gui.results import ResultsModel
from covidxray_desktop.gui.results_view import ResultsFilter
from covidxray_desktop.gui.viewer import Viewer
from covidxray_desktop.model import figures


class MainWindow(QMainWindow):
    allDone = Signal()  # every queued entry finished (used by --screenshot and tests)

    def __init__(self, model_path: str | None = None, db_path=None, settings: QSettings | None = None):
        super().__init__()
        from covidxray_desktop.store import Store, default_path

        self.settings = settings or QSettings()
        self.db_path = Path(db_path) if db_path else default_path()
        self.model_info: dict | None = None
        self.models: dict = {}  # bundle hash -> {ident, threshold, metrics}: every model with rows here
        self._next_id = 1
        self._detail_path = None
        self._closed = False  # the store is closed: late words from the engine are not written
        self.setWindowTitle(f"{APP_NAME} {__version__}")
        self.setAcceptDrops(True)

        self.results = ResultsModel(float(self.settings.value("threshold", 0.5)))
        self.proxy = ResultsFilter(self)
        self.proxy.setSourceModel(self.results)
        self.queue = QueueModel(self)
        self.queue_panel = QueuePanel(self.queue)
        self.viewer = Viewer()
        self.viewer.set_opacity(float(self.settings.value("opacity", 0.5)))
        self.banner = ShiftBanner()
        self.banner.checkRequested.connect(self.open_site_check)
        self._build_table()
        self._build_layout()
        menus.build(self)
        self.model_label = window_parts.ElidedLabel(self.tr("loading model…"))
        self.statusBar().addPermanentWidget(self.model_label, 1)
        # A message (a skipped file's name, an export's path) takes the whole line while it shows.
        self.statusBar().messageChanged.connect(lambda message: self.model_label.setVisible(not message))

        self.engine = Engine(self.db_path, parent=self)  # deleted with the window, on this thread
        e = self.engine
        e.modelLoading.connect(self.hint.set_loading)
        e.modelLoaded.connect(self._model_loaded)
        e.modelFailed.connect(self._model_failed)
        e.rowsReady.connect(self._rows_ready)
        e.progress.connect(lambda i, done, total, rate: self.queue.update(i, done=done, total=total, rate=rate))
        e.entryState.connect(self._entry_state)
        e.entryFiles.connect(self._entry_files)
        e.entrySummary.connect(self._entry_summary)
        e.detailReady.connect(self._detail_ready)
        e.exportDone.connect(lambda *done: session_io.export_done(self, *done))
        e.thumbnailReady.connect(self.results.set_thumbnail)
        self.results.thumbnailWanted.connect(e.want_thumbnail)
        e.problem.connect(self._problem)
        self.queue_panel.stateRequested.connect(self.engine.set_state)
        self.viewer.opacityChanged.connect(lambda v: self.settings.setValue("opacity", v))
        self.viewer.rowKey.connect(lambda key: QCoreApplication.sendEvent(
            self.table, QKeyEvent(QEvent.KeyPress, key, Qt.NoModifier)))  # as if pressed in the table
        self._store = Store(self.db_path)  # the GUI thread's own connection: the queue and model tables
        self.models = self._store.models()
        # read before this session queues anything; another window's unfinished batches are its own
        self._unfinished = self._store.queue_unfinished() if session_io.claim_queue(self) else []
        session_io.restore(self)
        drops_anywhere(self)
        self.hint.set_loading(self.tr("starting"))
        e.start()
        if self.settings.value("operating_point"):  # the first batch already records the remembered choice
            e.use_point(self.settings.value("threshold_model", ""), self.settings.value("operating_point"),
                        self.threshold.value())
        e.load_model(model_path or self.settings.value("model", "") or None)
        e.load_history()
        QTimer.singleShot(0, self._offer_resume)

    # --- building (window_parts.py) -------------------------------------------------------
    def _build_table(self) -> None:
        window_parts.build_table(self)

    def _build_layout(self) -> None:
        window_parts.build_layout(self)

    # --- queueing -------------------------------------------------------------------------
    def enqueue(self, paths, name: str | None = None, force: bool = False) -> int:
        """Queue files and folders as one batch entry; they are walked and classified in the engine."""
        paths = [str(p) for p in paths]
        if not paths:
            return 0
        entry_id = self._next_id
        self._next_id += 1
        if name is None:
            name = Path(paths[0]).name if len(paths) == 1 else self.tr("%n items", "", len(paths))
        self.queue.add(entry_id, name, 0)
        self.queue.update(entry_id, store_id=session_io.keep_entry(self, name, paths))
        self.engine.add_entry(entry_id, paths, force)
        return entry_id

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            self.hint.set_dragging(True)
            event.acceptProposedAction()

    dragMoveEvent = dragEnterEvent  # over the viewer and every other panel too (drops_anywhere)

    def dragLeaveEvent(self, event) -> None:
        self.hint.set_dragging(False)

    def dropEvent(self, event) -> None:
        self.hint.set_dragging(False)
        urls = event.mimeData().urls()
        local = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(local) < len(urls):
            self.statusBar().showMessage(self.tr("%n dropped item(s) are not local files and were ignored", "",
                                                 len(urls) - len(local)), 10000)
        if local:
            self.enqueue(local)
            event.acceptProposedAction()
        self._rows_changed()

    def _entry_state(self, entry_id: int, state: str) -> None:
        self.queue.update(entry_id, state=state)
        entry = self.queue.entry(entry_id)
        if entry and not self._closed:
            session_io.keep_state(self, entry.get("store_id"), state)
        if not self.queue.busy():
            self.allDone.emit()

    def _entry_files(self, entry_id: int, total: int, skipped: list) -> None:
        self.queue.update(entry_id, total=total)
        entry = self.queue.entry(entry_id)
        if skipped:
            names = ", ".join(Path(p).name for p, _ in skipped[:5]) + (" …" if len(skipped) > 5 else "")
            self.statusBar().showMessage(self.tr("%1: %n file(s) skipped (not images, links or unreadable): %2", "",
                                                 len(skipped)).replace("%1", entry["name"]).replace("%2", names), 20000)
            self.queue.update(entry_id, skipped=skipped)
        if total == 0:
            self.statusBar().showMessage(self.tr("Nothing to classify in what was dropped"), 15000)

    def _entry_summary(self, entry_id: int, summary: dict) -> None:
        shift = summary.get("shift") or {}
        entry = self.queue.entry(entry_id) or {"name": ""}
        if shift.get("detected"):
            self.banner.show_for(entry["name"], messages.translated(shift["message"]))

    def _offer_resume(self) -> None:
        """A queue cut short last time (crash, reboot) can go on; finished files come from the store."""
        unfinished, self._unfinished = self._unfinished, []
        if unfinished:
            self._resume_count = dialogs.offer_resume(self, unfinished)

    def _problem(self, message: str) -> None:
        message = messages.translated(message)
        self.problem_box = QMessageBox(QMessageBox.Warning, self.tr("Something went wrong"), message, parent=self)
        self.problem_box.open()
        if any(e["state"] == "failed" for e in self.queue.entries):  # a batch it could not go on with
            self.statusBar().showMessage(self.tr("A batch stopped: %1").replace("%1", message), 15000)

    # --- results --------------------------------------------------------------------------
    def _rows_ready(self, entry_id: int, rows: list) -> None:
        first = self.results.rowCount() == 0
        if entry_id == -1:  # a listed row of the same file and model is newer (its file changed since): it stays
            rows = [r for r in rows if not self.results.has(r)]
        self.results.add_rows(rows)
        self.proxy.rows_added()
        if entry_id == -1:  # put back on the list (File menu): they come in chunks, say the whole count
            self._relisted += len(rows)
            self.statusBar().showMessage(self.tr("%n row(s) put back on the list", "", self._relisted) if self._relisted
                                         else self.tr("No row was taken off the list; there is nothing to put back."),
                                         10000)
        elif entry_id == 0:
            self.models = self._store.models()
            self._earlier = getattr(self, "_earlier", 0) + len(rows)  # they come in chunks: say the whole count
            self.statusBar().showMessage(self.tr("%n earlier result(s) loaded from the results store", "",
                                                 self._earlier), 10000)
        elif first and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _rows_changed(self, *_args) -> None:
        self.hint.set_empty(self.proxy.rowCount() == 0 and not self.queue.busy())
        # Counted from the rows themselves: asking the proxy row by row crossed into Qt twice a row.
        rows = self.results.rows
        self.summary_label.setText(self.results.summary(
            [r for r in rows if self.proxy.accepts(r)] if self.proxy.filtering() else rows))
        if self.proxy.rowCount() == 0 and self._detail_path is not None:
            self._detail_path = None
            self.viewer.clear()

    def current_row(self):
        current = self.table.currentIndex()
        return self.proxy.row_at(current.row()) if current.isValid() else None

    def _current_changed(self, current, _previous) -> None:
        if not current.isValid():
            return
        row = self.proxy.row_at(current.row())
        self._detail_path = row.path
        self.viewer.clear(loading=True)
        self.viewer.set_caption(detail.caption(self, row))
        self.engine.request_detail(row.path, row.sha256)

    def _detail_ready(self, path: str, pixels, units, per_pixel: float, problem: str) -> None:
        row = self.current_row()
        if path != self._detail_path or row is None or row.path != path:
            return  # the user has moved on
        detail.show(self, row, pixels, problem, units, per_pixel)

    def notice(self) -> str:
        return self.tr("Research use only, not a diagnostic device.")  # the text of DISCLAIMER

    def _threshold_changed(self, value: float) -> None:
        if self.points.setting:  # the operating-point box moves it, and applies the change itself
            return
        self.points.typed(value)  # by hand: Custom, unless it is a point's own threshold
        self._apply_threshold()

    def _apply_threshold(self) -> None:
        """The operating point and threshold in force label the current model's rows, and are recorded
        with the results made from now on."""
        point, threshold = self.points.in_force()
        self.results.set_threshold(threshold, self.model_info["hash"] if self.model_info else None, point)
        self.settings.setValue("threshold", self.threshold.value())
        self.settings.setValue("operating_point", point)
        if self.model_info:
            self.points.keep(self.settings, self.model_info["hash"], point, threshold)
            self.engine.use_point(self.model_info["hash"], point, threshold)
            self._show_model(self.model_info)  # the figures beside the threshold are that threshold's
        self.proxy.invalidate()
        self._rows_changed()
        row = self.current_row()
        if row is not None and row.path == self._detail_path and self.viewer.has_image():
            detail.relabel(self, row)
        elif row is not None:
            self._current_changed(self.table.currentIndex(), None)

    def selected_rows(self) -> list:
        return [self.proxy.row_at(i.row()) for i in self.table.selectionModel().selectedRows()]

    def visible_rows(self) -> list:
        return [self.proxy.row_at(i) for i in range(self.proxy.rowCount())]

    def rerun_selected(self) -> None:
        """Classify the selected films again with the current model (their old rows stay, marked)."""
        rows = self.selected_rows()
        if rows and self.model_info:
            self.enqueue([r.path for r in rows], self.tr("%n film(s) again", "", len(rows)), force=True)

    def clear_list(self) -> None:
        """Every row off the list, once the user agrees (the stored results stay)."""
        n = self.results.rowCount()
        if n and QMessageBox.question(
                self, self.tr("Clear the list"),
                self.tr("Take all %n row(s) off the list, including those the filter hides? The results store "
                        "keeps them; File › Put removed rows back on the list brings them back.", "", n),
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes:
            self.remove_rows("all")

    def relist(self) -> None:
        """Every row taken off the list back on it, at once and at later starts."""
        self._relisted = 0
        self.engine.relist()

    def remove_rows(self, scope: str = "selected") -> None:
        """Take the selected (or all) rows off the list, now and at later starts; the results store
        keeps them, and a film dropped again is served from there and listed again."""
        rows = list(self.results.rows if scope == "all" else self.selected_rows())
        if not rows:
            return
        try:
            self._store.unlist(rows)
        except CovidXrayError as exc:
            QMessageBox.warning(self, self.tr("Remove from the list"), messages.translated(str(exc)))
            return
        chosen = self.table.selectionModel().selectedRows()
        at = min((i.row() for i in chosen), default=0)
        removed = self.results.remove(rows)
        self.proxy.rows_added()  # "Latest result per film": an older row of a film may be its latest now
        if self.proxy.rowCount():  # the row below the removed ones becomes the current one, as in a file list
            self.table.selectRow(min(at, self.proxy.rowCount() - 1))
        self.statusBar().showMessage(self.tr("%n row(s) taken off the list; the results store keeps them "
                                             "(File › Forget stored results before… deletes them)", "",
                                             removed), 10000)

    # --- exports --------------------------------------------------------------------------
    def export_csv(self, path: str | None = None, scope: str | None = None) -> None:
        session_io.export(self, "csv", path, scope)

    def export_pdf(self, path: str | None = None, scope: str | None = None) -> None:
        session_io.export(self, "pdf", path, scope)

    def forget_results(self) -> None:
        dialogs.forget(self)

    # --- the model ------------------------------------------------------------------------
    def load_model(self, path: str) -> None:
        self.model_label.setText(self.tr("loading model…"))
        self.hint.set_loading(self.tr("starting"))
        self.engine.load_model(path)

    def _model_loaded(self, info: dict) -> None:
        previous = self.model_info
        self.model_info = info
        self.hint.set_loading("")
        self.models = self._store.models()
        if previous and previous["hash"] != info["hash"]:
            self.banner.hide()  # its "this model" was the one before, and its check would open on this one
        self._show_model(info)
        from covidxray_desktop.paths import default_model

        self.settings.setValue("model", "" if Path(info["path"]) == default_model() else info["path"])
        # The point (or threshold) the user chose is kept per model; a model never used brings its default.
        same = (self.settings.value("threshold_model") == info["hash"]
                and not (previous and previous["hash"] != info["hash"]))
        self.points.restore(info, self.settings, same)
        self.settings.setValue("threshold_model", info["hash"])
        self._apply_threshold()

    def _show_model(self, info: dict) -> None:
        # An adapted model's own check films, not its base model's test split; at the point in force.
        own = figures.own(info["card"], self.points.in_force()[0] if self.points.points else None)
        text = (self.tr("Model %1 · at %6, on %5 check films of its site: AUC %2 · sensitivity %3 · specificity %4")
                if own["where"] == "site_check" else
                self.tr("Model %1 · at %6, on %5 test films: AUC %2 · sensitivity %3 · specificity %4"))
        f = lambda key: figures.interval(own, key)  # noqa: E731  never a bare number
        point = f"{shown_name(own['point'])} ({own.get('threshold', 0):.3f})"
        self.model_label.setText(text.replace("%1", info["ident"]).replace("%2", f("auc")).replace(
            "%3", f("sensitivity")).replace("%4", f("specificity")).replace("%5", str(own.get("n", "–"))).replace(
            "%6", point))
        self.model_label.setToolTip(self.model_label.text() + "\n\n" + dialogs.limits(info["card"], self.tr))

    def _model_failed(self, message: str) -> None:
        self.hint.set_loading("")
        self.model_box = QMessageBox(QMessageBox.Warning, self.tr("Model"), messages.translated(message) + "\n\n" + (
            self.tr("The previous model stays active.") if self.model_info else self.tr("No model is active.")),
            parent=self)
        self.model_box.open()  # not modal-blocking: the queue and the viewer go on
        if self.model_info is None:
            self.model_label.setText(self.tr("no model"))
            if self.settings.value("model"):
                self.settings.setValue("model", "")
                self.load_model("")  # fall back to the bundled one
        else:
            self._show_model(self.model_info)  # its label back; the user's threshold untouched

    def about_model(self) -> None:
        if self.model_info:
            self.model_dialog = dialogs.show_model(self, self.model_info, self.tr, self.points.in_force())

    def open_training(self, folder: str = "") -> None:
        tools.open_training(self, folder or "")

    def open_site_check(self) -> None:
        tools.open_site_check(self)

    # --- closing --------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not tools.may_quit(self):
            event.ignore()
            return
        if self.queue.busy() and self.settings.value("confirm_quit", "true") in (True, "true"):
            answer = QMessageBox.question(self, self.tr("Quit"), self.tr(
                "A batch is still running. Quit anyway? What is left is offered again next time."))
            if answer != QMessageBox.Yes:
                event.ignore()
                return
        session_io.save(self)
        self.engine.stop()  # cancels the batch between rows, joins the worker and hears its last words
        self._closed = True
        for e in self.queue.entries:  # what is left stays for "resume" next time
            if e["state"] in ("queued", "running", "paused"):
                session_io.keep_state(self, e.get("store_id"), "queued")
        self._store.close()
        self.queue_claim.release()
        super().closeEvent(event)
