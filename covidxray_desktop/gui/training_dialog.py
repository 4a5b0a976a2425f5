"""Tools ▸ Train a model…: the job of `python -m covidxray_desktop train`, with live curves.

Everything slow runs off the GUI thread: the data preview (walking folders), the device check
(it imports the backend and times a few training steps) and the job itself. Results come back
through queued signals only; cancelling sets a flag that the job polls between batches.
The app's model changes only when the user clicks "Use this model" (the `useModel` signal).
"""
import datetime as dt
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout)

from covidxray_desktop.gui.curves import Curves
from covidxray_desktop.gui.training_report import TrainingReport
from covidxray_desktop.training.estimate import CLASSES, SPLITS, estimate_s, preview, probe

BATCH_EVENTS_PER_S = 5  # more would only flood the GUI thread's queue on a fast GPU


class _Relay(QObject):
    """Carries one background task's events and outcome to the GUI thread.

    It lives in the GUI thread and its receivers are the dialog's methods, so every emit from
    the worker is queued: widgets are touched on the GUI thread only.
    """
    event = Signal(object)
    done = Signal(object)
    failed = Signal(object)


# -- the dialog ------------------------------------------------------------------------------
class TrainingDialog(QDialog):
    """set_data(path) fills the preview, start() runs the job, cancel() stops it keeping the best
    epoch; at the end the report shows and "Use this model" emits `useModel`."""

    useModel = Signal(str)  # the new bundle's .keras path; emitted only on "Use this model"

    def __init__(self, parent=None, out_dir: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Train a model"))
        self._out_dir = Path(out_dir) if out_dir else None
        self._data: Path | None = None
        self._preview: dict | None = None
        self._preview_token = 0
        self._device: str | None = None
        self._rates: dict[str, float] = {}  # arch -> seconds per training image
        self._probing: set[str] = set()
        self._running = False
        self._close_when_idle = False
        self._bundle_path: Path | None = None
        self._report: dict | None = None
        self._relays: list[_Relay] = []  # kept until the dialog goes: a queued emit needs its sender
        self._stop = threading.Event()  # Cancel: stop and keep the best epoch so far
        self._abort = threading.Event()  # closing: drop the run
        # One thread each: previews queue behind each other, and the device check and the job
        # never build Keras models at the same time (they share Keras' global state). Plain
        # long-lived Python threads, not QThreadPool: TensorFlow keeps per-thread state that
        # must outlive each task, and a pool thread gets a new Python thread state per task
        # (a job after a device check on the same pool thread was seen to crash TensorFlow).
        self._previewer = ThreadPoolExecutor(1, thread_name_prefix="training-preview")
        self._engine = ThreadPoolExecutor(1, thread_name_prefix="training-engine")
        self._futures: list[Future] = []
        # Deleted without being closed (its parent went), or the app quits: drop the work and
        # wait for the threads, so none outlives the dialog.
        abort, executors = self._abort, (self._engine, self._previewer)

        def stop_threads(*_):
            abort.set()
            for executor in executors:
                executor.shutdown(wait=True, cancel_futures=True)

        self.destroyed.connect(stop_threads)
        if QCoreApplication.instance() is not None:
            QCoreApplication.instance().aboutToQuit.connect(abort.set)
        self._build()
        self._update_state()
        self._probe(self.arch())

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        data_box = QGroupBox(self.tr("Data"))
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText(self.tr("A folder with COVID/ and Normal/ sub-folders, or a manifest CSV"))
        self.data_edit.editingFinished.connect(self._data_edited)
        self.folder_button = QPushButton(self.tr("Folder…"))
        self.folder_button.clicked.connect(self._choose_folder)
        self.manifest_button = QPushButton(self.tr("Manifest CSV…"))
        self.manifest_button.clicked.connect(self._choose_manifest)
        row = QHBoxLayout()
        row.addWidget(self.data_edit, 1)
        row.addWidget(self.folder_button)
        row.addWidget(self.manifest_button)
        self.preview_table = QTableWidget(len(CLASSES) + 1, len(SPLITS) + 1)
        self.preview_table.setHorizontalHeaderLabels([self.tr("train"), self.tr("val"), self.tr("test"),
                                                      self.tr("all")])
        self.preview_table.setVerticalHeaderLabels([self.tr("COVID-19"), self.tr("Normal"), self.tr("total")])
        self.preview_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.preview_table.setFocusPolicy(Qt.NoFocus)
        self.preview_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.preview_table.setFixedHeight(self.preview_table.verticalHeader().length()
                                          + self.preview_table.horizontalHeader().sizeHint().height()
                                          + 2 * self.preview_table.frameWidth())
        self.preview_label = QLabel(self.tr("Choose the training data."))
        self.preview_label.setWordWrap(True)
        box = QVBoxLayout(data_box)
        box.addLayout(row)
        box.addWidget(self.preview_table)
        box.addWidget(self.preview_label)

        settings_box = QGroupBox(self.tr("Settings"))
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 500)
        self.epochs_spin.setValue(16)
        self.epochs_spin.valueChanged.connect(self._show_estimate)
        self.arch_combo = QComboBox()
        self.arch_combo.addItem(self.tr("default (ours: 192 px gray, 0.6 M parameters)"), "default")
        self.arch_combo.addItem(self.tr("article (2020 CNN: 224 px RGB, 97 M parameters)"), "article")
        self.arch_combo.currentIndexChanged.connect(self._arch_changed)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.valueChanged.connect(self._refresh_preview)
        self.device_label = QLabel(self.tr("Checking the device…"))
        self.device_label.setWordWrap(True)
        form = QFormLayout(settings_box)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)
        form.addRow(self.tr("Architecture:"), self.arch_combo)
        form.addRow(self.tr("Seed (data split and weights):"), self.seed_spin)
        form.addRow(self.tr("Device:"), self.device_label)

        self.start_button = QPushButton(self.tr("Start"))
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel training"))
        self.cancel_button.setToolTip(self.tr("Stops after the current batch and keeps the best epoch so far."))
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        controls = QHBoxLayout()
        controls.addWidget(self.start_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.rate_label = QLabel()
        self.curves = Curves()

        self.report_box = TrainingReport()
        self.report_box.hide()
        self.roc_label, self.metrics_table = self.report_box.roc_label, self.report_box.metrics_table
        self.use_button = self.report_box.use_button
        self.use_button.clicked.connect(self._use_model)

        close_button = QPushButton(self.tr("Close"))
        close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(close_button)

        top = QHBoxLayout()
        top.addWidget(data_box, 3)
        top.addWidget(settings_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addWidget(self.status_label)
        layout.addWidget(self.rate_label)
        layout.addWidget(self.curves, 1)
        layout.addWidget(self.report_box, 1)
        layout.addLayout(bottom)
        self.resize(960, 720)

    # -- public API -----------------------------------------------------------------------
    def arch(self) -> str:
        return self.arch_combo.currentData()

    def is_busy(self) -> bool:
        """True while a job runs (or is stopping)."""
        return self._running

    def threads_idle(self) -> bool:
        """True when no background task (preview, device check, job) is queued or running."""
        return all(f.done() for f in self._futures)

    def bundle_path(self) -> Path | None:
        """The bundle the last run wrote (None before a run has finished)."""
        return self._bundle_path

    def set_data(self, path) -> None:
        """Use this folder or manifest; the counts per class and split follow in the preview."""
        path = Path(str(path).strip()) if str(path).strip() else None
        self._data = path
        self.data_edit.setText("" if path is None else str(path))
        self._refresh_preview()

    def start(self) -> bool:
        """Start the job with the current settings; False when there is nothing to start."""
        if self._running or self._data is None:
            return False
        arch, epochs, seed = self.arch(), self.epochs_spin.value(), self.seed_spin.value()
        out_dir = self._out_dir or self._default_out_dir()
        name = f"{arch}-{dt.datetime.now():%Y%m%d-%H%M%S}"  # never overwrites an earlier model
        data = self._data
        self._stop.clear()
        self._abort.clear()
        stop, abort = self._stop, self._abort

        def cancelled() -> bool:
            from covidxray_desktop.training.job import Cancelled

            if abort.is_set():
                raise Cancelled()  # the dialog is closing: nobody would read a report
            return stop.is_set()

        def work(emit):
            from covidxray_desktop.training.job import train

            last = [0.0]

            def on_event(event):
                now = time.monotonic()
                if (event["kind"] == "batch" and event["step"] < event["steps"]
                        and now - last[0] < 1 / BATCH_EVENTS_PER_S):
                    return
                last[0] = now
                emit(event)

            return train(data, arch=arch, epochs=epochs, out_dir=out_dir, name=name, seed=seed,
                         on_event=on_event, cancelled=cancelled)

        self._running = True
        self._bundle_path, self._report = None, None
        self.curves.clear()
        self.curves.set_epochs(epochs)
        self.progress.setValue(0)
        self.report_box.hide()
        self.rate_label.clear()
        self.status_label.setText(self.tr("Starting…") if arch in self._rates
                                  else self.tr("Waiting for the device check to finish…"))
        self._update_state()
        self._submit(self._engine, work, self._trained, self._training_failed, self._on_event)
        return True

    def cancel(self) -> None:
        """Stop after the current batch; a finished epoch or more is kept as a model."""
        if not self._running or self._stop.is_set():
            return
        self._stop.set()
        self.cancel_button.setEnabled(False)
        self.status_label.setText(self.tr("Stopping after this batch; the best finished epoch, if any, is kept…"))

    def reject(self) -> None:
        """Close (also Esc and the window's close button). A running job is dropped first, and
        the dialog closes once its thread has ended, so no thread outlives it."""
        if self._running:
            self._abort.set()
            self._close_when_idle = True
            self.start_button.setEnabled(False)
            self.cancel_button.setEnabled(False)
            self.status_label.setText(self.tr("Stopping the training before closing…"))
            return
        super().reject()

    # -- background tasks -----------------------------------------------------------------
    def _submit(self, executor: ThreadPoolExecutor, fn, on_done, on_failed, on_event=None) -> None:
        relay = _Relay()
        relay.done.connect(on_done)
        relay.failed.connect(on_failed)
        if on_event is not None:
            relay.event.connect(on_event)
        self._relays.append(relay)

        def run():
            try:
                result = fn(relay.event.emit)
            except BaseException as exc:  # reaches the user as a message, never lost in a thread
                relay.failed.emit(exc)
            else:
                relay.done.emit(result)

        self._futures = [f for f in self._futures if not f.done()] + [executor.submit(run)]

    def _default_out_dir(self) -> Path:
        from covidxray_desktop.paths import user_data_dir

        return user_data_dir() / "models"

    # -- data and preview -----------------------------------------------------------------
    def _data_edited(self) -> None:
        text = self.data_edit.text().strip()
        if text != ("" if self._data is None else str(self._data)):  # focus left without a change
            self.set_data(text)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Training data folder"))
        if folder:
            self.set_data(folder)

    def _choose_manifest(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Training manifest"), "",
                                              self.tr("Manifest (*.csv)"))
        if path:
            self.set_data(path)

    def _refresh_preview(self) -> None:
        self._preview = None
        self._preview_token += 1
        self._fill_preview_table(None)
        self._show_estimate()
        if self._data is None:
            self.preview_label.setText(self.tr("Choose the training data."))
            self._update_state()
            return
        self.preview_label.setText(self.tr("Counting images…"))
        token, data, seed = self._preview_token, self._data, self.seed_spin.value()

        def work(emit):
            try:
                return dict(preview(data, seed), token=token)
            except Exception as exc:  # shown in the preview, beside the token it belongs to
                return {"token": token, "error": exc}

        self._submit(self._previewer, work, self._previewed, self._preview_failed)
        self._update_state()

    def _previewed(self, result: dict) -> None:
        if result["token"] != self._preview_token:
            return  # an older folder or seed
        if "error" in result:
            self._preview_failed(result["error"])
            return
        self._preview = result
        self._fill_preview_table(result["counts"])
        sources = result["sources"]
        self.preview_label.setText(self.tr("{0}; {1} source(s): {2}. Split by patient with seed {3}.").format(
            result["described"], len(sources), ", ".join(sources[:6]) + (" …" if len(sources) > 6 else ""),
            self.seed_spin.value()))
        self._show_estimate()
        self._update_state()

    def _preview_failed(self, exc) -> None:
        self.preview_label.setText(self._message(exc))
        self._update_state()

    def _fill_preview_table(self, counts: dict | None) -> None:
        for r in range(len(CLASSES) + 1):
            for c in range(len(SPLITS) + 1):
                if counts is None:
                    text = "–"
                else:
                    splits = SPLITS if c == len(SPLITS) else SPLITS[c:c + 1]
                    classes = CLASSES if r == len(CLASSES) else CLASSES[r:r + 1]
                    text = str(sum(counts[s][k] for s in splits for k in classes))
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                self.preview_table.setItem(r, c, item)

    # -- device and time estimate ---------------------------------------------------------
    def _arch_changed(self) -> None:
        self._probe(self.arch())
        self._show_estimate()

    def _probe(self, arch: str) -> None:
        if arch in self._rates or arch in self._probing:
            return
        self._probing.add(arch)
        abort = self._abort
        self._submit(self._engine, lambda emit: probe(arch, abort), self._probed, self._probe_failed)

    def _probed(self, result: dict) -> None:
        self._probing.discard(result["arch"])
        self._device = result["device"]
        if result["seconds_per_image"] is not None:  # None: the check was stopped
            self._rates[result["arch"]] = result["seconds_per_image"]
        self._show_estimate()

    def _probe_failed(self, exc) -> None:
        self._probing.clear()
        self.device_label.setText(self.tr("The device check failed: {0}").format(self._message(exc)))

    def _show_estimate(self) -> None:
        if self._device is None:
            return
        device = self._device.replace("GPU: ", "GPU ")
        rate = self._rates.get(self.arch())
        if self._preview is None or rate is None:
            self.device_label.setText(self.tr("Trains on {0}.").format(device))
            return
        counts = self._preview["counts"]
        n_train = sum(counts["train"].values())
        n_all = sum(sum(c.values()) for c in counts.values())
        minutes = estimate_s(rate, self.epochs_spin.value(), n_train, n_all) / 60
        when = (self.tr("this will take less than a minute") if minutes < 1 else
                self.tr("this will take about {0} minutes").format(round(minutes)))
        text = self.tr("Trains on {0} — {1}.").format(device, when)
        if not device.startswith("GPU"):  # the installed app's TensorFlow has no GPU support
            text += " " + self.tr("No GPU is used here: for GPU training run `covidxray train` with a "
                                  "GPU-enabled backend (Linux or WSL2; see the README).")
        self.device_label.setText(text)

    # -- progress -------------------------------------------------------------------------
    def _on_event(self, event: dict) -> None:
        kind = event["kind"]
        if kind == "batch":
            done = (event["epoch"] - 1) * event["steps"] + event["step"]
            self.progress.setValue(round(1000 * done / (event["epochs"] * event["steps"])))
            text = self.tr("Epoch {0} of {1}, batch {2} of {3} — {4:.0f} images/s — {5} left")
            self.rate_label.setText(text.format(
                event["epoch"], event["epochs"], event["step"], event["steps"], event["images_per_s"],
                self._duration(event["eta_s"])))
        elif kind == "epoch":
            self.curves.add_point(event["epoch"], loss=event["loss"], accuracy=event["accuracy"],
                                  val_auc=event["val_auc"])
            self.progress.setValue(round(1000 * event["epoch"] / event["epochs"]))
            if event["epoch"] == event["epochs"]:
                self.cancel_button.setEnabled(False)  # only calibration and scoring are left
            self.rate_label.setText(self.tr("Epoch {0} of {1} done: val AUC {2:.3f} (best: epoch {3}) — "
                                            "{4:.0f} images/s — {5} left").format(
                event["epoch"], event["epochs"], event["val_auc"], event["best_epoch"], event["images_per_s"],
                self._duration(event["eta_s"])))
        else:
            self.status_label.setText(event.get("message", ""))

    def _duration(self, seconds: float) -> str:
        if seconds < 90:
            return self.tr("{0} s").format(round(seconds))
        return self.tr("{0} min").format(round(seconds / 60))

    # -- outcome --------------------------------------------------------------------------
    def _trained(self, result) -> None:
        bundle, report = result
        self._bundle_path, self._report = Path(bundle.path), report
        if self._finish():
            return
        training = bundle.card.get("training", {})
        history = bundle.card.get("history") or [{}]
        best = history[-1].get("best_epoch", len(history))
        if training.get("cancelled_after_epoch"):
            text = self.tr("Cancelled after epoch {0}; the best epoch ({1}) was kept as {2}.")
            self.status_label.setText(text.format(training["cancelled_after_epoch"], best, bundle.ident))
        else:
            self.status_label.setText(self.tr("Finished: {0} (best epoch {1}).").format(bundle.ident, best))
        self.progress.setValue(self.progress.maximum())
        self._show_report(bundle, report)

    def _training_failed(self, exc) -> None:
        from covidxray_desktop.training.job import Cancelled

        self._finish()
        if isinstance(exc, Cancelled):
            self.status_label.setText(self.tr("Cancelled before the first epoch finished; nothing was saved."))
        else:
            from covidxray_desktop.logs import log

            log.error("train (dialog): failed with %s", type(exc).__name__)
            self.status_label.setText(self._message(exc))
        self.rate_label.clear()

    def _finish(self) -> bool:
        """Back to idle; True when the dialog was waiting for this to close."""
        self._running = False
        self._update_state()
        if not self._close_when_idle:
            return False
        self._close_when_idle = False
        super().reject()
        return True

    def _show_report(self, bundle, report: dict) -> None:
        self.report_box.show_report(bundle, report, self._duration(bundle.card.get("training", {}).get("wall_time_s", 0)))
        self.report_box.show()
        self.use_button.setEnabled(True)

    def _use_model(self) -> None:
        if self._bundle_path is None:
            return
        self.use_button.setEnabled(False)
        self.status_label.setText(self.tr("The app now uses {0}.").format(self._bundle_path.name))
        self.useModel.emit(str(self._bundle_path))

    # -- helpers --------------------------------------------------------------------------
    def _update_state(self) -> None:
        idle = not self._running
        preview_ok = self._preview is not None
        self.start_button.setEnabled(idle and self._data is not None and preview_ok)
        self.cancel_button.setEnabled(self._running and not self._stop.is_set() and not self._abort.is_set())
        for w in (self.data_edit, self.folder_button, self.manifest_button, self.epochs_spin, self.arch_combo,
                  self.seed_spin):
            w.setEnabled(idle)
        if self._bundle_path is None:
            self.use_button.setEnabled(False)

    def _message(self, exc) -> str:
        from covidxray_desktop.errors import CovidXrayError, brief

        if isinstance(exc, CovidXrayError):
            return str(exc)
        return self.tr("Something went wrong: {0}").format(brief(exc))

