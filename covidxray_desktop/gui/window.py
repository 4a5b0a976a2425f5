"""The main window: drops and menus in, engine signals out to the queue, table and viewer.

It only wires: decoding, inference, heat maps, exports and training run in worker threads.
"""
import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog,
                               QLabel, QLineEdit, QMainWindow, QMessageBox, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from covidxray_desktop import APP_NAME, __version__
from covidxray_desktop.gui.engine import Engine
from covidxray_desktop.gui.queue_panel import QueueModel, QueuePanel
from covidxray_desktop.gui.results import COLUMNS, THUMB, ResultsFilter, ResultsModel
from covidxray_desktop.gui.viewer import Viewer


class MainWindow(QMainWindow):
    allDone = Signal()  # every queued entry finished (used by --screenshot and tests)

    def __init__(self, model_path: str | None = None, db_path=None, settings: QSettings | None = None):
        super().__init__()
        from covidxray_desktop.store import Store, default_path

        self.settings = settings or QSettings()
        self.db_path = Path(db_path) if db_path else default_path()
        self.model_info: dict | None = None
        self._next_id = 1
        self._detail_path = None
        self.setWindowTitle(f"{APP_NAME} {__version__}")
        self.setAcceptDrops(True)

        self.results = ResultsModel(float(self.settings.value("threshold", 0.5)))
        self.proxy = ResultsFilter(self)
        self.proxy.setSourceModel(self.results)
        self.queue = QueueModel(self)
        self.queue_panel = QueuePanel(self.queue)
        self.viewer = Viewer()
        self.viewer.set_opacity(float(self.settings.value("opacity", 0.45)))
        self._build_table()
        self._build_layout()
        self._build_menus()
        self.model_label = QLabel(self.tr("loading model…"))
        self.statusBar().addPermanentWidget(self.model_label)

        self.engine = Engine(self.db_path)
        e = self.engine
        e.modelLoaded.connect(self._model_loaded)
        e.modelFailed.connect(self._model_failed)
        e.rowsReady.connect(self._rows_ready)
        e.progress.connect(lambda i, done, total, rate: self.queue.update(i, done=done, total=total, rate=rate))
        e.entryState.connect(self._entry_state)
        e.entryFiles.connect(self._entry_files)
        e.detailReady.connect(self._detail_ready)
        e.exportDone.connect(self._export_done)
        e.thumbnailReady.connect(self.results.set_thumbnail)
        e.problem.connect(self._problem)
        self.queue_panel.stateRequested.connect(self._set_entry_state)
        self.viewer.opacityChanged.connect(lambda v: self.settings.setValue("opacity", v))
        self._store = Store(self.db_path)  # the GUI thread's own connection: the queue table only
        self._unfinished = self._store.queue_unfinished()  # read before this session queues anything
        self._restore_settings()
        e.start()
        e.load_model(model_path or self.settings.value("model", "") or None)
        e.load_history()
        QTimer.singleShot(0, self._offer_resume)

    # --- building -------------------------------------------------------------------------
    def _build_table(self) -> None:
        t = self.table = QTableView()
        t.setModel(self.proxy)
        t.setSortingEnabled(True)
        t.sortByColumn(-1, Qt.AscendingOrder)  # arrival order until the user sorts
        t.setSelectionBehavior(QTableView.SelectRows)
        t.setSelectionMode(QTableView.ExtendedSelection)
        t.verticalHeader().setDefaultSectionSize(THUMB + 4)
        t.verticalHeader().hide()
        t.setColumnWidth(0, THUMB + 8)
        t.setColumnWidth(COLUMNS.index("file"), 170)
        t.horizontalHeader().setSectionResizeMode(COLUMNS.index("folder"), QHeaderView.Stretch)
        t.setAlternatingRowColors(True)
        t.setWordWrap(False)
        t.setTextElideMode(Qt.ElideMiddle)  # long folders keep their start and their end
        t.selectionModel().currentRowChanged.connect(self._current_changed)

    def _build_layout(self) -> None:
        self.label_filter = QComboBox()
        for text, value in ((self.tr("All labels"), ""), (self.tr("COVID-19"), "covid"), (self.tr("Normal"), "normal")):
            self.label_filter.addItem(text, value)
        self.status_filter = QComboBox()
        for text, value in ((self.tr("Any status"), ""), (self.tr("ok"), "ok"), (self.tr("rejected"), "rejected"),
                            (self.tr("error"), "error")):
            self.status_filter.addItem(text, value)
        self.search = QLineEdit(placeholderText=self.tr("Filter by file, folder, message or patient ID"))
        self.threshold = QDoubleSpinBox(decimals=3, minimum=0.0, maximum=1.0, singleStep=0.01)
        self.threshold.setToolTip(self.tr("Decision threshold on P(COVID); the model's own is set on validation data"))
        self.threshold.setValue(self.results.threshold)
        self.label_filter.currentIndexChanged.connect(lambda: self.proxy.set_filter(label=self.label_filter.currentData()))
        self.status_filter.currentIndexChanged.connect(lambda: self.proxy.set_filter(status=self.status_filter.currentData()))
        self.search.textChanged.connect(lambda text: self.proxy.set_filter(text=text))
        self.threshold.valueChanged.connect(self._threshold_changed)
        self.reset_threshold = QPushButton(self.tr("Model's threshold"))
        self.reset_threshold.clicked.connect(self._use_model_threshold)
        bar = QHBoxLayout()
        for w in (self.label_filter, self.status_filter, self.search):
            bar.addWidget(w)
        bar.addWidget(QLabel(self.tr("Threshold")))
        bar.addWidget(self.threshold)
        bar.addWidget(self.reset_threshold)
        table_box = QWidget()
        box = QVBoxLayout(table_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(bar)
        box.addWidget(self.table)
        self.left = QSplitter(Qt.Vertical)
        self.left.addWidget(self.queue_panel)
        self.left.addWidget(table_box)
        self.left.setSizes([140, 500])
        self.split = QSplitter(Qt.Horizontal)
        self.split.addWidget(self.left)
        self.split.addWidget(self.viewer)
        self.split.setSizes([700, 500])
        self.setCentralWidget(self.split)

    def _action(self, menu, text, slot, shortcut=None, checkable=False) -> QAction:
        action = QAction(text, self, checkable=checkable)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu(self.tr("&File"))
        self._action(m, self.tr("Open files…"), self.open_files, QKeySequence.Open)
        self._action(m, self.tr("Open folder…"), self.open_folder)
        m.addSeparator()
        self._action(m, self.tr("Export CSV…"), lambda: self.export_csv(), "Ctrl+E")
        self._action(m, self.tr("Export PDF report of the selected images…"), lambda: self.export_pdf())
        self.anonymise = self._action(m, self.tr("Anonymise exports"), lambda on: self.settings.setValue("anonymise", on),
                                      checkable=True)
        self.anonymise.setChecked(self.settings.value("anonymise", "false") in (True, "true"))
        m.addSeparator()
        self._action(m, self.tr("Forget stored results before…"), self.forget_results)
        self._action(m, self.tr("Quit"), self.close, QKeySequence.Quit)
        v = self.menuBar().addMenu(self.tr("&View"))
        self.heat_action = self._action(v, self.tr("Heat map"), self.viewer.set_overlay_visible, "H", checkable=True)
        self.heat_action.setChecked(True)
        self.viewer.overlayToggled.connect(self.heat_action.setChecked)
        self.invert_action = self._action(v, self.tr("Invert"), self.viewer.set_inverted, "I", checkable=True)
        self._action(v, self.tr("Fit"), self.viewer.fit, "F")
        self._action(v, self.tr("Actual size"), self.viewer.one_to_one, "1")
        self._action(v, self.tr("Reset window/level"), self.viewer.reset_window, "R")
        for keys, step in (("PgDown", 10), ("PgUp", -10)):
            self._action(v, self.tr("Next rows") if step > 0 else self.tr("Previous rows"), lambda _=False, s=step: self.move(s), keys)
        mm = self.menuBar().addMenu(self.tr("&Model"))
        self._action(mm, self.tr("Open bundle…"), self.open_model)
        self._action(mm, self.tr("Use the bundled default model"), lambda: self.load_model(""))
        self._action(mm, self.tr("About this model…"), self.about_model)
        tools = self.menuBar().addMenu(self.tr("&Tools"))
        self._action(tools, self.tr("Train a model…"), self.open_training)
        h = self.menuBar().addMenu(self.tr("&Help"))
        language = h.addMenu(self.tr("Language (after a restart)"))
        chosen = self.settings.value("language") or ""
        group = QActionGroup(self)  # one language at a time
        for name, code in ((self.tr("System language"), ""), ("English", "en"), ("简体中文", "zh_CN")):
            action = self._action(language, name, lambda _=False, c=code: self.settings.setValue("language", c),
                                  checkable=True)
            action.setChecked(code == chosen)
            group.addAction(action)
        self._action(h, self.tr("About…"), self.about)

    # --- queueing -------------------------------------------------------------------------
    def enqueue(self, paths, name: str | None = None) -> int:
        """Queue files and folders as one batch entry; they are walked and classified in the engine."""
        paths = [str(p) for p in paths]
        if not paths:
            return 0
        entry_id = self._next_id
        self._next_id += 1
        if name is None:
            name = Path(paths[0]).name if len(paths) == 1 else self.tr("%n items", "", len(paths))
        self.queue.add(entry_id, name, 0)
        self.queue.update(entry_id, store_id=self._store.queue_add(name, paths))
        self.engine.add_entry(entry_id, paths)
        return entry_id

    def open_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, self.tr("Open X-ray files"), self.settings.value("last_folder", ""),
                                                self.tr("X-rays (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.dcm *.dicom);;All files (*)"))
        if files:
            self.settings.setValue("last_folder", str(Path(files[0]).parent))
            self.enqueue(files)

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a folder of X-rays"), self.settings.value("last_folder", ""))
        if folder:
            self.settings.setValue("last_folder", folder)
            self.enqueue([folder])

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        local = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(local) < len(urls):
            self.statusBar().showMessage(self.tr("%n dropped item(s) are not local files and were ignored", "",
                                                 len(urls) - len(local)), 10000)
        if local:
            self.enqueue(local)
            event.acceptProposedAction()

    def _set_entry_state(self, entry_id: int, state: str) -> None:
        self.engine.set_state(entry_id, state)

    def _entry_state(self, entry_id: int, state: str) -> None:
        self.queue.update(entry_id, state=state)
        entry = self.queue.entry(entry_id)
        if entry and entry.get("store_id"):
            self._store.queue_set_state(entry["store_id"], state)
        if not self.queue.busy():
            self.allDone.emit()

    def _entry_files(self, entry_id: int, total: int, skipped: int) -> None:
        self.queue.update(entry_id, total=total)
        if skipped:
            name = self.queue.entry(entry_id)["name"]
            self.statusBar().showMessage(self.tr("%1: %n file(s) are neither images nor DICOM and were skipped", "",
                                                 skipped).replace("%1", name), 15000)
        if total == 0:
            self.statusBar().showMessage(self.tr("Nothing to classify in what was dropped"), 15000)

    def _offer_resume(self) -> None:
        """A queue cut short last time (crash, reboot) can go on; finished files come from the store."""
        unfinished, self._unfinished = self._unfinished, []
        if not unfinished:
            return
        count = sum(len(e["paths"]) for e in unfinished)
        box = QMessageBox(QMessageBox.Question, self.tr("Unfinished queue"),
                          self.tr("%n item(s) were still queued when the app last closed. Resume them? Files "
                                  "already classified are taken from the results store.", "", count),
                          QMessageBox.Yes | QMessageBox.No, self)
        box.setWindowModality(Qt.WindowModal)
        box.finished.connect(lambda answer: self._resume(unfinished, answer == QMessageBox.Yes))
        self.resume_box = box
        box.open()

    def _resume(self, unfinished: list, yes: bool) -> None:
        """Only once answered do the old entries leave the store: a crash before keeps the offer."""
        for e in unfinished:
            if yes:
                self.enqueue(e["paths"], e["name"])
            self._store.queue_set_state(e["id"], "resumed" if yes else "cancelled")

    def _problem(self, message: str) -> None:
        self.problem_box = QMessageBox(QMessageBox.Warning, self.tr("Something went wrong"), message, parent=self)
        self.problem_box.open()
        if any(e["state"] == "failed" for e in self.queue.entries):  # a batch it could not go on with
            self.statusBar().showMessage(self.tr("A batch stopped: %1").replace("%1", message), 15000)

    # --- results --------------------------------------------------------------------------
    def _rows_ready(self, entry_id: int, rows: list) -> None:
        first = self.results.rowCount() == 0
        self.results.add_rows(rows)
        if entry_id == 0:
            earlier = sum(1 for r in self.results.rows if r.get("earlier"))
            self.statusBar().showMessage(self.tr("%n earlier result(s) loaded from the results store", "", earlier), 10000)
        elif first and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _current_changed(self, current, _previous) -> None:
        if not current.isValid():
            return
        row = self.proxy.row_at(current.row())
        self._detail_path = row["path"]
        self.viewer.clear(self.tr("Loading…"))
        self.viewer.set_caption(self._caption(row))
        self.engine.request_detail(row["path"], self.results.threshold)

    def _detail_ready(self, path: str, pixels, heat, problem: str) -> None:
        if path != self._detail_path:
            return  # the user has moved on
        if pixels is None:
            self.viewer.clear(problem)
            return
        current = self.table.currentIndex()
        row = self.proxy.row_at(current.row()) if current.isValid() else {"path": path}
        self.viewer.show_image(pixels, heat, self._caption(row))
        self.viewer.set_overlay_visible(self.heat_action.isChecked())

    def _caption(self, row: dict) -> str:
        label = self.results.label(row)
        name = Path(row["path"]).name
        if row.get("status") == "ok":
            shown = self.tr("COVID-19") if label == "covid" else self.tr("Normal")
            text = f"{name}\n{shown}   P(COVID) = {row['p_covid']:.3f}\n" + self.tr("threshold %1").replace(
                "%1", f"{self.results.threshold:.3f}")
        else:
            text = f"{name}\n{row.get('status', '')}: {row.get('message') or ''}"
        return text + "\n\n" + self.notice()

    def notice(self) -> str:
        return self.tr("Research use only, not a diagnostic device.")  # the text of DISCLAIMER

    def move(self, step: int) -> None:
        rows = self.proxy.rowCount()
        if rows:
            current = self.table.currentIndex().row()
            self.table.selectRow(min(rows - 1, max(0, current + step)))

    def _threshold_changed(self, value: float) -> None:
        self.results.set_threshold(value)
        self.settings.setValue("threshold", value)
        self.proxy.invalidate()
        current = self.table.currentIndex()
        if current.isValid():
            self.viewer.set_caption(self._caption(self.proxy.row_at(current.row())))

    def _use_model_threshold(self) -> None:
        if self.model_info:
            self.threshold.setValue(self.model_info["threshold"])

    def selected_rows(self) -> list[dict]:
        return [self.proxy.row_at(i.row()) for i in self.table.selectionModel().selectedRows()]

    def visible_rows(self) -> list[dict]:
        return [self.proxy.row_at(i) for i in range(self.proxy.rowCount())]

    # --- exports --------------------------------------------------------------------------
    def export_csv(self, path: str | None = None) -> None:
        from covidxray_desktop.gui import export

        path = path or QFileDialog.getSaveFileName(self, self.tr("Export CSV"), "results.csv", "CSV (*.csv)")[0]
        if not path:
            return
        try:
            export.write_csv(path, self.visible_rows(), self.results.threshold, self.anonymise.isChecked())
            self.statusBar().showMessage(self.tr("Exported %1 (threshold %2)").replace("%1", path).replace(
                "%2", f"{self.results.threshold:.3f}"), 10000)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("Export CSV"), f"{path}: {exc.strerror or exc}")

    def export_pdf(self, path: str | None = None) -> None:
        rows = self.selected_rows()
        if not rows:
            self.statusBar().showMessage(self.tr("Select the images to report first"), 10000)
            return
        path = path or QFileDialog.getSaveFileName(self, self.tr("Export PDF report"), "report.pdf", "PDF (*.pdf)")[0]
        if path:
            if self.anonymise.isChecked():  # file names may hold patient names: pages say "Image n"
                rows = [{**r, "patient_id": None, "study_date": None, "study_uid": None, "title": f"{i}",
                         "message": (r.get("message") or "").replace(Path(r["path"]).name, f"image {i}")}
                        for i, r in enumerate(rows, 1)]
            self.statusBar().showMessage(self.tr("Writing the report…"))
            self.engine.export_pdf(path, rows, self.results.threshold)

    def _export_done(self, path: str, problem: str) -> None:
        if problem:
            QMessageBox.warning(self, self.tr("Export PDF report"), problem)
        else:
            self.statusBar().showMessage(self.tr("Report written: %1").replace("%1", path), 10000)

    def forget_results(self) -> None:
        default = (dt.date.today() - dt.timedelta(days=30)).isoformat()
        day, ok = QInputDialog.getText(self, self.tr("Forget stored results"),
                                       self.tr("Delete results recorded before (YYYY-MM-DD):"), text=default)
        if ok and day:
            try:
                dt.date.fromisoformat(day)
            except ValueError:
                QMessageBox.warning(self, self.tr("Forget stored results"), self.tr("Not a date: %1").replace("%1", day))
                return
            n = self._store.forget(day)
            self.statusBar().showMessage(self.tr("%n stored result(s) deleted", "", n), 10000)

    # --- the model ------------------------------------------------------------------------
    def load_model(self, path: str) -> None:
        self.model_label.setText(self.tr("loading model…"))
        self.engine.load_model(path)

    def open_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a model bundle"), "", self.tr("Model bundles (*.keras)"))
        if path:
            self.load_model(path)

    def _model_loaded(self, info: dict) -> None:
        previous = self.model_info
        self.model_info = info
        self._show_model(info)
        from covidxray_desktop.paths import default_model

        self.settings.setValue("model", "" if Path(info["path"]) == default_model() else info["path"])
        # A threshold the user chose is kept for the same model; another model brings its own.
        if self.settings.value("threshold_model") != info["ident"] or (previous and previous["ident"] != info["ident"]):
            self.threshold.setValue(info["threshold"])
            self.settings.setValue("threshold_model", info["ident"])

    def _show_model(self, info: dict) -> None:
        card = info["card"]
        test = card.get("metrics", {}).get("test", {})
        self.model_label.setText(self.tr("Model %1 · test AUC %2 · sensitivity %3 · specificity %4").replace(
            "%1", info["ident"]).replace("%2", f"{test.get('auc', float('nan')):.3f}").replace(
            "%3", f"{test.get('sensitivity', float('nan')):.3f}").replace("%4", f"{test.get('specificity', float('nan')):.3f}"))

    def _model_failed(self, message: str) -> None:
        self.model_box = QMessageBox(QMessageBox.Warning, self.tr("Model"), message + "\n\n" + (
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
        import json

        if not self.model_info:
            return
        card = {k: v for k, v in self.model_info["card"].items() if k not in ("ood", "history")}
        box = QMessageBox(QMessageBox.Information, self.tr("About this model"),
                          f"{self.model_info['ident']}\n\n{self.notice()}", parent=self)
        box.setDetailedText(json.dumps(card, indent=1, ensure_ascii=False))
        box.open()

    def about(self) -> None:
        QMessageBox.about(self, self.tr("About"), f"<b>{APP_NAME} {__version__}</b><p>"
                          + self.tr("Reads chest X-rays and says COVID-19 or Normal, with a probability and a heat map.")
                          + f"</p><p><b>{self.notice()}</b></p>")

    def open_training(self) -> None:
        from covidxray_desktop.gui.training_dialog import TrainingDialog

        dialog = TrainingDialog(self)
        dialog.useModel.connect(self.load_model)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()

    # --- settings and closing -------------------------------------------------------------
    def _restore_settings(self) -> None:
        if self.settings.value("geometry") is not None:
            self.restoreGeometry(self.settings.value("geometry"))
        else:
            self.resize(1280, 800)
        for splitter, key in ((self.split, "split"), (self.left, "left")):
            if self.settings.value(key) is not None:
                splitter.restoreState(self.settings.value(key))

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("split", self.split.saveState())
        self.settings.setValue("left", self.left.saveState())
        self.engine.stop()  # cancels the batch between rows and joins the worker
        for e in self.queue.entries:  # what is left stays for "resume" next time
            if e["state"] in ("queued", "running", "paused") and e.get("store_id"):
                self._store.queue_set_state(e["store_id"], "queued")
        self._store.close()
        super().closeEvent(event)
