"""Tools ▸ Train or adapt a model…: the jobs of `covidxray adapt` and `covidxray train`, with live curves.

Everything slow runs in gui.worker threads: the data preview, the device check (it imports the
backend and times a few training steps) and the job. The job's state (running, cancel, best
epoch) is a training.session.Session, as on the command line. The app's model changes only
when the user clicks "Use this model" (the `useModel` signal), after a warning when the new
model looks worse than the current one on its own report.
"""
import datetime as dt
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QVBoxLayout

from covidxray_desktop.gui import messages, worker
from covidxray_desktop.gui.curves import Curves
from covidxray_desktop.gui.sizing import fit_to_screen
from covidxray_desktop.gui.training_report import TrainingReport, scrolled, worse_than
from covidxray_desktop.gui.training_setup import TrainingSetup
from covidxray_desktop.gui.training_tasks import job_task, preview_task, probe_task
from covidxray_desktop.training.session import Cancelled, Session

BATCH_EVENTS_PER_S = 5  # more would only flood the GUI thread's queue on a fast GPU


class TrainingDialog(QDialog):
    """set_data(path) fills the preview, start() runs the job, cancel() stops it keeping the best
    epoch; at the end the report shows and "Use this model" emits `useModel`."""

    useModel = Signal(str)  # the new bundle's .keras path; emitted only on "Use this model"

    def __init__(self, parent=None, out_dir: Path | None = None, current: dict | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Train or adapt a model"))
        self._out_dir = Path(out_dir) if out_dir else None
        self._current = current  # the window's model: the one adapted, and compared with
        self._data: Path | None = None
        self._preview: dict | None = None
        self._token = 0
        self._device: str | None = None
        self._backend: str | None = None  # "Keras on PyTorch" and the like, once the check has run
        self._rates: dict[str, float] = {}  # arch -> seconds per training image
        self._probing: dict[str, worker.Worker] = {}  # arch -> its device check, while it runs
        self._probe_next: str | None = None  # the recipe to check once the running check ends
        self._session: Session | None = None
        self._job: worker.Worker | None = None
        self._kind = "train"  # or "adapt": the job started last
        self._workers: list[worker.Worker] = []
        self._close_when_idle = False
        self._bundle = None
        self._build()
        self._update_state()
        self._probe(self.arch())  # the recipe offered first: the shipped one
        # Closed with the app, or deleted with its parent: drop the work so no thread outlives it.
        workers = self._workers
        if QCoreApplication.instance() is not None:
            QCoreApplication.instance().aboutToQuit.connect(self._abort_all)
        self.destroyed.connect(lambda *_: [w.abort() for w in workers])

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        can_adapt = bool(self._current and (self._current.get("card") or {}).get("head"))
        self.setup = TrainingSetup(can_adapt)
        self.setup.dataChosen.connect(self.set_data)
        self.setup.changed.connect(self._settings_changed)
        self.setup.splitChanged.connect(self._refresh_preview)
        # Names the tests and the window use.
        self.preview_table, self.preview_label = self.setup.preview_table, self.setup.preview_label
        self.epochs_spin, self.device_label = self.setup.epochs_spin, self.setup.device_label
        self.start_button = QPushButton(self.tr("Start"))
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel training"))
        self.cancel_button.setToolTip(self.tr("Stops after the current batch and keeps the best epoch so far."))
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(textVisible=True)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("")
        controls = QHBoxLayout()
        controls.addWidget(self.start_button)
        controls.addWidget(self.cancel_button)
        controls.addWidget(self.progress, 1)
        self.status_label = QLabel(wordWrap=True)
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.setup)
        layout.addLayout(controls)
        status = QHBoxLayout()  # one line for both: the dialog fits a 576-point-high screen
        status.addWidget(self.status_label, 1)
        status.addWidget(self.rate_label)
        layout.addLayout(status)
        layout.addWidget(scrolled(self.curves, self.report_box), 1)  # the dialog fits the screen: Close stays on it
        layout.addLayout(bottom)
        for button in self.findChildren(QPushButton):  # Enter in the epochs or seed box starts no job, opens no picker
            button.setAutoDefault(False)
        fit_to_screen(self, 1000, 760)

    # -- public API -----------------------------------------------------------------------
    def arch(self) -> str:
        return self.setup.arch()

    def is_busy(self) -> bool:
        return self._job is not None

    def threads_idle(self) -> bool:
        return all(not w.running() for w in self._workers)

    def bundle_path(self) -> Path | None:
        return None if self._bundle is None else Path(self._bundle.path)

    def set_data(self, path) -> None:
        text = str(path).strip()
        self._data = Path(text) if text else None
        self.setup.data_edit.setText(text)
        self._refresh_preview()

    def start(self) -> bool:
        if self._job is not None or self._data is None or self._preview is None:
            return False
        from covidxray_desktop import cpu

        problem = cpu.problem()  # TensorFlow needs AVX: without it, say so instead of crashing
        if problem:
            QMessageBox.critical(self, self.tr("Train or adapt a model"), messages.translated(problem))
            return False
        adapting = self.setup.adapting()
        kind = self._kind = "adapt" if adapting else "train"
        stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
        # Named so they can never be taken for the bundled default@…
        name = f"site-adapted-{stamp}" if adapting else f"local-{self.arch()}-{stamp}"
        settings = {"out": self._out_dir or self._default_out_dir(), "name": name, "arch": self.arch(),
                    "epochs": self.epochs_spin.value(), "seed": self.setup.seed_spin.value(),
                    "sensitivity": round(self.setup.sensitivity_spin.value(), 2),
                    "base": (self._current or {}).get("path")}
        self._session = Session(batch_events_per_s=BATCH_EVENTS_PER_S)  # its events: the job's words
        self._bundle = None
        self.curves.clear()
        self.curves.set_epochs(settings["epochs"])
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.report_box.hide()
        self.rate_label.clear()
        self.status_label.setText(self.tr("Starting…"))
        for check in self._probing.values():  # timed beside the job, it would measure the job, not the machine
            check.abort()
        self._probing.clear()
        self._probe_next = None
        self._job = self._start(job_task, self._session, kind, self._data, settings, on_yield=self._on_event,
                                on_finish=self._trained, on_error=self._training_failed, name="covidxray-training")
        self._update_state()
        return True

    def cancel(self) -> None:
        """Stop after the current batch; a finished epoch or more is kept as a model."""
        if self._session is None or self._session.cancelling:
            return
        self._session.cancel()
        self.cancel_button.setEnabled(False)
        self.status_label.setText(self.tr("Stopping after this batch; an adaptation stopped part way is not saved…")
                                  if self._kind == "adapt" else
                                  self.tr("Stopping after this batch; the best finished epoch, if any, is kept…"))

    def reject(self) -> None:
        """Close: a running job is dropped first, and the dialog closes once its thread has ended."""
        if self._job is not None:
            self._session.abort()
            self._close_when_idle = True
            self.start_button.setEnabled(False)
            self.cancel_button.setEnabled(False)
            self.status_label.setText(self.tr("Stopping the training before closing…"))
            return
        self._abort_all()
        super().reject()

    # -- background tasks -----------------------------------------------------------------
    def _start(self, function, *args, name="covidxray-training-task", **slots) -> worker.Worker:
        w = worker.start(function, *args, parent=self, name=name, **slots)
        self._workers[:] = [x for x in self._workers if x.running()] + [w]
        return w

    def _abort_all(self) -> None:
        if self._session is not None:
            self._session.abort()
        for w in self._workers:
            w.abort()

    def _default_out_dir(self) -> Path:
        from covidxray_desktop.paths import user_data_dir

        return user_data_dir() / "models"

    # -- data and preview -----------------------------------------------------------------
    def _settings_changed(self) -> None:
        self._probe(self.arch())
        self._show_estimate()

    def _refresh_preview(self) -> None:
        self._preview = None
        self._token += 1
        self.setup.fill_preview(None)
        if self._data is None:
            self.preview_label.setText(self.tr("Choose the data."))
            self._update_state()
            return
        self.preview_label.setText(self.tr("Counting images…"))
        self._start(preview_task, self._data, self.setup.seed_spin.value(), self.setup.adapting(), self._token,
                    on_finish=self._previewed, name="covidxray-preview")
        self._update_state()

    def _previewed(self, result: dict) -> None:
        if result["token"] != self._token:
            return  # an older folder or seed
        if "error" in result:
            self.preview_label.setText(self._message(result["error"]))
            self._update_state()
            return
        self._preview = result
        self.setup.fill_preview(result["counts"])
        sources = result["sources"]
        self.preview_label.setText(self.tr("{0}; sources ({1}): {2}. Split by patient with seed {3}.").format(
            self.setup.described(result["described"]), len(sources),
            ", ".join(sources[:6]) + (" …" if len(sources) > 6 else ""),
            self.setup.seed_spin.value()))
        self._show_estimate()
        self._update_state()

    # -- device and time estimate ---------------------------------------------------------
    def _probe(self, arch: str) -> None:
        if arch in self._rates or arch in self._probing:
            return
        from covidxray_desktop import cpu

        problem = cpu.problem()  # the check would only die loading TensorFlow: say why instead
        if problem:
            self.device_label.setText(messages.translated(problem))
            return
        if self._probing:  # one check at a time: two would time each other, and their rates would stay
            self._probe_next = arch
            return
        self._probing[arch] = self._start(probe_task, arch, on_finish=self._probed, name="covidxray-probe",
                                          on_error=lambda exc, a=arch: self._probe_failed(a, exc))

    def _probed(self, result: dict) -> None:
        self._probing.pop(result["arch"], None)
        self._device = result["device"]
        self._backend = result.get("backend")
        if result["seconds_per_image"] is not None:  # None: the check was stopped
            self._rates[result["arch"]] = result["seconds_per_image"]
        self._show_estimate()
        waiting, self._probe_next = self._probe_next, None
        if waiting is not None:
            self._probe(waiting)

    def _probe_failed(self, arch: str, exc) -> None:
        self._probing.pop(arch, None)
        self._probe_next = None
        if isinstance(exc, ModuleNotFoundError):  # an installation without the training part
            self.device_label.setText(self.tr("Training and adapting need TensorFlow, which this installation "
                                              "leaves out; install the full app to train here."))
            return
        self.device_label.setText(self.tr("The device check failed: {0}").format(self._message(exc)))

    def _show_estimate(self) -> None:
        if self._device is not None:
            rate = self._rates.get(self.arch())  # adapting: a fifth of it (training_setup)
            self.setup.show_estimate(self._device, rate, (self._preview or {}).get("counts"), self._backend)

    # -- progress -------------------------------------------------------------------------
    def _on_event(self, event: dict) -> None:
        kind = event["kind"]
        if kind == "batch":
            done = (event["epoch"] - 1) * event["steps"] + event["step"]
            self.progress.setValue(round(1000 * done / (event["epochs"] * event["steps"])))
            self.progress.setFormat(self.tr("epoch %1 of %2").replace("%1", str(event["epoch"]))
                                    .replace("%2", str(event["epochs"])))
            text = self.tr("Epoch {0} of {1}, batch {2} of {3} — {4:.0f} images/s — {5} left")
            self.rate_label.setText(text.format(event["epoch"], event["epochs"], event["step"], event["steps"],
                                                event["images_per_s"], self._duration(event["eta_s"])))
        elif kind == "epoch":
            self.curves.add_point(event["epoch"], loss=event["loss"], accuracy=event["accuracy"],
                                  val_auc=event["val_auc"])
            self.progress.setValue(round(1000 * event["epoch"] / event["epochs"]))
            if event["epoch"] == event["epochs"]:
                self.cancel_button.setEnabled(False)  # only calibration and scoring are left
            if event["val_auc"] is None:  # adapting: no validation split to score each epoch on
                self.rate_label.setText(self.tr("Epoch {0} of {1} done — {2:.0f} images/s — {3} left").format(
                    event["epoch"], event["epochs"], event["images_per_s"], self._duration(event["eta_s"])))
                return
            self.rate_label.setText(self.tr("Epoch {0} of {1} done: val AUC {2:.3f} (best: epoch {3}) — "
                                            "{4:.0f} images/s — {5} left").format(
                event["epoch"], event["epochs"], event["val_auc"], event["best_epoch"], event["images_per_s"],
                self._duration(event["eta_s"])))
        elif kind == "device":  # what the job trains on, as the card will record it
            self.device_label.setText(self.tr("Training on {0} with {1} ({2}).").format(
                event["device"].replace("GPU: ", "GPU "), event["described"], event["precision"]))
        else:
            self.status_label.setText(event.get("message", ""))
            if "done" in event and "total" in event:  # decoding: a determinate bar of its own
                self.progress.setValue(round(1000 * event["done"] / max(event["total"], 1)))
                self.progress.setFormat(self.tr("reading films %1 / %2").replace("%1", str(event["done"]))
                                        .replace("%2", str(event["total"])))

    def _duration(self, seconds: float) -> str:
        if seconds < 90:
            return self.tr("{0} s").format(round(seconds))
        return self.tr("{0} min").format(round(seconds / 60))

    # -- outcome --------------------------------------------------------------------------
    def _trained(self, result) -> None:
        bundle, report = result
        self._bundle = bundle
        if self._finish():
            return
        card = bundle.card
        training = card.get("training") or {}
        history = card.get("history") or [{}]
        best = history[-1].get("best_epoch", len(history))
        epochs = len(history)
        if training.get("cancelled_after_epoch"):
            self.status_label.setText(self.tr("Cancelled after epoch {0}; kept epoch {1} as {2}.").format(
                training["cancelled_after_epoch"], best, bundle.ident))
            self.progress.setFormat(self.tr("cancelled, kept epoch %1").replace("%1", str(best)))
            self.rate_label.clear()
        else:
            self.status_label.setText(self.tr("Finished: {0} (best epoch {1}).").format(bundle.ident, best))
            self.progress.setValue(self.progress.maximum())
            self.progress.setFormat(self.tr("done: %1 epochs").replace("%1", str(epochs)))
        took = (card.get("adapted_from") or training).get("wall_time_s", 0)  # an adapted card keeps its base's training
        self.report_box.show_report(bundle, report, self._duration(took))
        self.report_box.show()
        self.use_button.setEnabled(True)

    def _training_failed(self, exc) -> None:
        self._finish()
        if isinstance(exc, Cancelled):
            self.status_label.setText(self.tr("Adapting was cancelled; nothing was saved.") if self._kind == "adapt"
                                      else self.tr("Cancelled before the first epoch finished; nothing was saved."))
            self.progress.setFormat(self.tr("cancelled"))
        else:
            from covidxray_desktop.logs import log

            log.error("train (dialog): failed with %s", type(exc).__name__)
            self.status_label.setText(self._message(exc))
        self.rate_label.clear()

    def _finish(self) -> bool:
        """Back to idle; True when the dialog was waiting for this to close."""
        self._job = None
        self._update_state()
        if not self._close_when_idle:
            return False
        self._close_when_idle = False
        super().reject()
        return True

    def _use_model(self) -> None:
        if self._bundle is None:
            return
        problem = worse_than(self._bundle.card, (self._current or {}).get("card"))
        if problem and QMessageBox.question(self, self.tr("Use this model?"), problem + "\n\n" + self.tr(
                "Use the new model anyway?")) != QMessageBox.Yes:
            return
        self.use_button.setEnabled(False)
        self.status_label.setText(self.tr("The app now uses {0}.").format(self._bundle.ident))
        self.useModel.emit(str(self._bundle.path))

    # -- helpers --------------------------------------------------------------------------
    def _update_state(self) -> None:
        idle = self._job is None
        self.start_button.setEnabled(idle and self._data is not None and self._preview is not None)
        self.start_button.setText(self.tr("Adapt") if self.setup.adapting() else self.tr("Start"))
        self.cancel_button.setEnabled(not idle and self._session is not None and not self._session.cancelling)
        self.setup.set_enabled(idle)
        if self._bundle is None:
            self.use_button.setEnabled(False)

    def _message(self, exc) -> str:
        from covidxray_desktop.errors import CovidXrayError, brief

        if isinstance(exc, CovidXrayError):
            return str(exc)
        return self.tr("Something went wrong: {0}").format(brief(exc))
