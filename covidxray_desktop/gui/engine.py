"""The window's worker: loads the model, runs queued batches, computes heat maps for the viewer.

One thread owns the model and the results store, so model calls never race. Batches are
pulled a few rows at a time, which lets a heat-map request for the selected row jump the queue,
and lets pause / resume / cancel act between rows. Results cross to the GUI thread by queued
signals only; nothing here touches a widget.
"""
import os
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

CHUNK_S = 0.1  # hand rows to the window at most this often: a few table updates per second


class Entry:
    def __init__(self, entry_id: int, paths: list):
        self.id, self.paths, self.files = entry_id, [str(p) for p in paths], None  # files: once walked
        self.state = "queued"  # queued | running | paused | done | cancelled
        self.done, self.active_s, self.rows = 0, 0.0, None
        self.reported = "queued"  # the last state the window was told, from this thread, in order


class Engine(QObject):
    modelLoaded = Signal(object)  # a dict: ident, name, version, threshold, card
    modelFailed = Signal(str)
    rowsReady = Signal(int, list)  # entry id (0: earlier results), row dicts
    progress = Signal(int, int, int, float)  # entry id, done, total, images/s
    entryState = Signal(int, str)
    entryFiles = Signal(int, int, int)  # entry id, files to classify, non-image files skipped
    detailReady = Signal(str, object, object, str)  # path, pixels, heat map or None, problem
    exportDone = Signal(str, str)  # path, problem ("" when written)
    thumbnailReady = Signal(str, str, object)  # path, model, small uint8 picture
    problem = Signal(str)  # something went wrong that is not one file's fault; the engine goes on

    def __init__(self, db_path, parent=None):
        super().__init__(parent)
        self.db_path = db_path
        self._wake = threading.Condition()
        self._entries: dict[int, Entry] = {}
        self._model_request, self._detail, self._history = None, None, False
        self._exports = []
        self._thumbs = []  # (path, model) of rows taken from the store: pictures drawn when idle
        self._stop = False
        self._predictor = self._heat = None
        self._thread = threading.Thread(target=self._loop, name="covidxray-engine", daemon=True)

    # --- called from the GUI thread -------------------------------------------------------
    def start(self) -> None:
        # Decoding threads and this one share the GIL with the GUI thread; switching every 1 ms
        # instead of Python's 5 keeps the window answering while they work.
        sys.setswitchinterval(0.001)
        self._thread.start()

    def load_model(self, path: str | None) -> None:
        self._ask(lambda: setattr(self, "_model_request", path or ""))

    def load_history(self) -> None:
        self._ask(lambda: setattr(self, "_history", True))

    def add_entry(self, entry_id: int, paths) -> None:
        """Files and folders; folders are walked here, off the GUI thread."""
        self._ask(lambda: self._entries.__setitem__(entry_id, Entry(entry_id, paths)))

    def set_state(self, entry_id: int, state: str) -> None:
        """paused, queued (resume) or cancelled."""
        def change():
            entry = self._entries.get(entry_id)
            if entry and entry.state not in ("done", "cancelled", "failed"):
                entry.state = "queued" if state == "queued" and entry.state == "running" else state
        self._ask(change)

    def request_detail(self, path: str, threshold: float | None = None) -> None:
        """The picture and heat map of one file; the map argues for the label at `threshold`."""
        self._ask(lambda: setattr(self, "_detail", (path, threshold)))  # only the latest selection matters

    def export_pdf(self, path: str, rows: list, threshold: float) -> None:
        """A report page per row, heat maps included: model work, so it runs here, not in the window."""
        self._ask(lambda: self._exports.append((path, rows, threshold)))

    def stop(self, timeout: float = 10.0) -> None:
        self._ask(lambda: setattr(self, "_stop", True))
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _ask(self, change) -> None:
        with self._wake:
            change()
            self._wake.notify()

    # --- the worker thread ----------------------------------------------------------------
    def _loop(self) -> None:
        from covidxray_desktop.store import Store

        _lower_priority()
        store = Store(self.db_path)
        try:
            while True:
                with self._wake:
                    self._wake.wait_for(lambda: self._stop or self._has_work())
                    if self._stop:
                        break
                    model, self._model_request = self._model_request, None
                    detail, self._detail = self._detail, None
                    history, self._history = self._history, False
                    exports, self._exports = self._exports, []
                if model is not None:
                    self._guarded(self._load, model)
                if history:
                    self._guarded(self._send_history, store)
                if detail is not None:
                    self._guarded(self._send_detail, *detail)
                for job in exports:
                    self._guarded(self._export, *job)
                with self._wake:
                    entries = list(self._entries.values())
                for gone in entries:
                    if gone.state == "cancelled" and gone.rows is not None:
                        gone.rows.close()
                        gone.rows = None
                entry = self._next_entry()
                if entry is not None:
                    if not self._guarded(self._advance, entry, store):
                        self._fail(entry)
                elif self._thumbs:
                    self._guarded(self._draw_thumbnails)
                self._report()
        finally:
            for entry in list(self._entries.values()):
                if entry.rows is not None:
                    entry.rows.close()  # lets the decoding threads of a half-run batch finish
            for predictor in (self._predictor, self._heat):
                if predictor is not None:
                    predictor.close()  # its decoding worker processes
            store.close()

    def _guarded(self, work, *args) -> bool:
        """Run one piece of work; an unexpected error is logged and told, and the engine goes on."""
        try:
            work(*args)
            return True
        except Exception as exc:
            from covidxray_desktop.logs import log

            log.exception("engine: %s failed", work.__name__)
            self.problem.emit(f"{type(exc).__name__}: {exc}")
            return False

    def _fail(self, entry: Entry) -> None:
        if entry.rows is not None:
            try:
                entry.rows.close()
            except Exception:
                pass
            entry.rows = None
        with self._wake:
            entry.state = "failed"

    def _has_work(self) -> bool:
        # Called under self._wake.
        return (self._model_request is not None or self._detail is not None or self._history
                or bool(self._exports) or self._next_entry() is not None or bool(self._thumbs)
                or any(e.state != e.reported for e in self._entries.values()))

    def _report(self) -> None:
        """Tell the window of state changes after the rows that came before them."""
        with self._wake:
            entries = list(self._entries.values())
        for entry in entries:
            state = entry.state
            if state != entry.reported:
                entry.reported = state
                self.entryState.emit(entry.id, state)

    def _next_entry(self):
        if self._predictor is None:
            return None
        with self._wake:  # re-entrant: also called while the lock is held
            return next((e for e in list(self._entries.values()) if e.state in ("queued", "running")), None)

    def _load(self, path: str) -> None:
        from covidxray_desktop.errors import CovidXrayError
        from covidxray_desktop.inference import Predictor
        from covidxray_desktop.model.bundle import load_bundle
        from covidxray_desktop.paths import default_model

        from covidxray_desktop.gui.results import THUMB

        try:  # the new model is made ready before the old one goes: a failure leaves it active
            bundle = load_bundle(Path(path) if path else default_model())
            predictor = Predictor(bundle, thumbnails=THUMB)
            heat = Predictor(bundle, heatmaps=True, batch_size=1, workers=1)
            predictor.warm_up()
            heat.warm_up()
        except CovidXrayError as exc:
            self.modelFailed.emit(str(exc))
            return
        except Exception as exc:  # an unreadable bundle must not take the window down
            self.modelFailed.emit(f"{Path(path or 'model').name}: cannot load this model ({exc}).")
            return
        with self._wake:
            entries = list(self._entries.values())
        for entry in entries:  # a new model: unfinished batches start again with it
            if entry.rows is not None:
                entry.rows.close()
                entry.rows, entry.done = None, 0
        for old in (self._predictor, self._heat):
            if old is not None:
                old.close()
        self._predictor, self._heat = predictor, heat
        card = bundle.card
        self.modelLoaded.emit({"ident": bundle.ident, "path": str(bundle.path), "threshold": float(card["threshold"]),
                               "card": card})

    def _send_history(self, store) -> None:
        rows = store.history()
        for i in range(0, len(rows), 500):
            self.rowsReady.emit(0, [{**r, "reused": True, "earlier": True} for r in rows[i:i + 500]])

    def _picture(self, path: str, threshold: float | None = None):
        """-> (pixels, heat map or None) of one file, at the decoded resolution."""
        from covidxray_desktop.imaging import DECODE_SIDE, load

        pixels, heat = None, None
        if self._heat is not None:
            self._heat.threshold = float(self._heat.bundle.card["threshold"] if threshold is None else threshold)
            row = self._heat.predict_file(path)
            pixels, heat = row.pixels, row.heatmap
        if pixels is None:
            pixels = load(path, max_side=DECODE_SIDE).pixels
        return pixels, heat

    def _export(self, path: str, rows: list, threshold: float) -> None:
        import numpy as np

        from covidxray_desktop.gui import export
        from covidxray_desktop.model import cam

        pages = []
        for row in rows:
            if self._stop:
                return
            try:
                pixels, heat = self._picture(row["path"], threshold)
                picture = cam.overlay(pixels, heat if heat is not None else np.zeros_like(pixels), "")
            except Exception:  # a file gone since: its page keeps the result without the picture
                picture = None
            pages.append((row, picture))
        try:
            export.write_pdf(path, pages, self._heat.bundle.card if self._heat else {}, threshold)
            self.exportDone.emit(path, "")
        except OSError as exc:
            self.exportDone.emit(path, f"cannot write {path}: {exc.strerror or exc}")

    def _send_detail(self, path: str, threshold: float | None = None) -> None:
        from covidxray_desktop.errors import CovidXrayError

        try:
            pixels, heat = self._picture(path, threshold)
            self.detailReady.emit(path, pixels, heat, "")
        except CovidXrayError as exc:
            self.detailReady.emit(path, None, None, str(exc))
        except Exception as exc:  # one unviewable file costs its picture, not the window
            self.detailReady.emit(path, None, None, f"{Path(path).name}: cannot show this file ({exc}).")

    def _advance(self, entry: Entry, store) -> None:
        """Run the entry until a chunk of rows is ready, a request arrives, or it is paused."""
        from covidxray_desktop import batch

        with self._wake:  # a Cancel or Pause clicked just now must not be overwritten
            if entry.state == "queued":  # first run, or resumed after a pause
                entry.state = "running"
        self._report()
        if entry.files is None:
            from covidxray_desktop.imaging import walk

            entry.files, skipped = walk(entry.paths)
            self.entryFiles.emit(entry.id, len(entry.files), skipped)
        if entry.rows is None:
            entry.rows = batch.run(entry.files, self._predictor, store,
                                   cancelled=lambda: entry.state == "cancelled" or self._stop)
        chunk, began = [], time.perf_counter()
        finished = False
        while time.perf_counter() - began < CHUNK_S:
            if entry.state != "running" or self._stop or self._detail is not None or self._model_request is not None:
                break
            outcome = next(entry.rows, None)
            if outcome is None:
                finished = True
                break
            chunk.append(self._row(outcome))
        entry.done += len(chunk)
        entry.active_s += time.perf_counter() - began  # paused time does not lower the rate
        if chunk:
            self.rowsReady.emit(entry.id, chunk)
        self.progress.emit(entry.id, entry.done, len(entry.files), entry.done / max(entry.active_s, 1e-6))
        if finished:
            entry.rows.close()
            entry.rows = None
            with self._wake:
                if entry.state in ("running", "paused", "queued"):
                    entry.state = "done"

    def _row(self, outcome) -> dict:
        from covidxray_desktop import batch

        row = batch.as_dict(outcome)
        row["thumbnail"] = getattr(outcome.result, "thumbnail", None)
        if outcome.reused:  # not decoded this time: its picture comes when nothing else waits
            self._thumbs.append((row["path"], row["model"]))
        return row

    def _draw_thumbnails(self, budget_s: float = CHUNK_S) -> None:
        from covidxray_desktop.gui.results import THUMB

        began = time.perf_counter()
        while self._thumbs and time.perf_counter() - began < budget_s and self._detail is None:
            path, model = self._thumbs.pop(0)
            picture = self._predictor.picture(path, THUMB)  # isolated: a bad file cannot hang this
            if picture is not None:
                self.thumbnailReady.emit(path, model, picture)


def _lower_priority() -> None:
    """Let the GUI thread win the CPU: this thread, and the decoding and TensorFlow threads it
    starts (Linux threads inherit their creator's nice value), run at a lower priority."""
    if hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            pass  # not allowed here: the window is merely a little less smooth
