"""The window's worker: loads the model, runs queued batches, reads films for the viewer, writes reports.

One worker thread owns the model and the results store, so model calls never race. Batches are
pulled a few rows at a time, which lets a viewer request jump the queue and lets pause / resume /
cancel act between rows. The loop is a generator run by gui.worker: what it yields reaches the
GUI thread, where it becomes the typed signals below; nothing here touches a widget.
"""
import os
import sys
import threading
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

from covidxray_desktop.gui.worker import Worker
from covidxray_desktop.model import operating

CHUNK_S = 0.1  # hand rows to the window at most this often: a few table updates per second


class Entry:
    def __init__(self, entry_id: int, paths: list, force: bool = False):
        self.id, self.paths, self.files = entry_id, [str(p) for p in paths], None  # files: once walked
        self.force = force  # run again even when the store has a result (re-run with the current model)
        self.state = "queued"  # queued | running | paused | done | cancelled | failed
        self.done, self.computed, self.active_s, self.rows = 0, 0, 0.0, None
        self.summary = None
        self.batch_id = None
        self.reported = "queued"  # the last state the window was told, from the worker, in order


class Engine(QObject):
    modelLoading = Signal(str)  # what the model load is doing now
    modelLoaded = Signal(object)  # a dict: ident, hash, path, threshold, card, points, default_point
    modelFailed = Signal(str)
    rowsReady = Signal(int, list)  # entry id (0: earlier results, -1: put back on the list), Results
    progress = Signal(int, int, int, float)  # entry id, done, total, images/s
    entryState = Signal(int, str)
    entryFiles = Signal(int, int, list)  # entry id, files to classify, [(path, reason)] skipped
    entrySummary = Signal(int, object)  # entry id, the batch summary (counts, shift test)
    # path, pixels, the DICOM's units (or None), the file's pixels per pixel shown, problem
    detailReady = Signal(str, object, object, float, str)
    exportDone = Signal(str, str, int, str)  # path, problem ("" when written), pages or rows written, pdf | csv
    exportProgress = Signal(int, int)  # films of the report written, of how many
    thumbnailReady = Signal(str, str, object)  # path, model hash, small uint8 picture
    problem = Signal(str)  # something went wrong that is not one file's fault; the engine goes on

    def __init__(self, db_path, parent=None):
        super().__init__(parent)
        self.db_path = db_path
        self._wake = threading.Condition()
        self._entries: dict[int, Entry] = {}
        self._model_request, self._detail, self._history, self._relist = None, None, False, False
        self._exports = []
        self._thumbs = deque()  # (path, model hash, sha256) of rows shown without a picture: drawn when idle
        self._stop = False
        self._predictor = None
        self._point = ("", "", None)  # (model hash, point, threshold): what the window has chosen for that model
        self._films = None  # the viewer's decoder, started on the first film shown
        self._worker = Worker(self._loop, name="covidxray-engine", parent=self)
        self._worker.yielded.connect(self._dispatch)
        self._worker.errored.connect(lambda exc: self.problem.emit(f"{type(exc).__name__}: {exc}"))

    # --- called from the GUI thread -------------------------------------------------------
    def start(self) -> None:
        # Decoding threads and this one share the GIL with the GUI thread; switching every 1 ms
        # instead of Python's 5 keeps the window answering while they work.
        sys.setswitchinterval(0.001)
        self._worker.start()

    def load_model(self, path: str | None) -> None:
        self._ask(lambda: setattr(self, "_model_request", path or ""))

    def load_history(self) -> None:
        self._ask(lambda: setattr(self, "_history", True))

    def relist(self) -> None:
        """Put every row taken off the list back on it; they come as rowsReady(-1, ...), at least once."""
        self._ask(lambda: setattr(self, "_relist", True))

    def add_entry(self, entry_id: int, paths, force: bool = False) -> None:
        """Files and folders; folders are walked here, off the GUI thread."""
        self._ask(lambda: self._entries.__setitem__(entry_id, Entry(entry_id, paths, force)))

    def use_point(self, model_hash: str, point: str, threshold: float | None = None) -> None:
        """The operating point (a card's name, or custom with its threshold) the window has in force for
        that model: the results made from now on record it. Another model's choice waits for that model."""
        self._ask(lambda: setattr(self, "_point", (model_hash, point, threshold)))

    def set_state(self, entry_id: int, state: str) -> None:
        """paused, queued (resume) or cancelled."""
        def change():
            entry = self._entries.get(entry_id)
            if entry and entry.state not in ("done", "cancelled", "failed"):
                entry.state = "queued" if state == "queued" and entry.state == "running" else state
        self._ask(change)

    def want_thumbnail(self, path: str, model_hash: str, sha256: str = "") -> None:
        """A listed row's picture, drawn when idle: the rows asked for last (on screen now) first."""
        self._ask(lambda: self._thumbs.appendleft((path, model_hash, sha256 or None)))

    def request_detail(self, path: str, sha256: str | None = None) -> None:
        """The decoded film of one file, for the viewer (its heat map comes with its result);
        `sha256`: the content its result was made from, or None."""
        self._ask(lambda: setattr(self, "_detail", (path, sha256)))  # only the latest selection matters

    def export(self, job) -> None:
        """A report or table written off the GUI thread: job(pictures) -> (pages written) or raises."""
        self._ask(lambda: self._exports.append(job))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop between rows and join the thread, then hear what it said before it stopped (the window
        closes its store next: nothing said later is heard)."""
        self._ask(lambda: setattr(self, "_stop", True))
        self._worker.wait(timeout)
        self._worker.flush()

    def _ask(self, change) -> None:
        with self._wake:
            change()
            self._wake.notify()

    def _dispatch(self, message) -> None:
        name, *args = message
        getattr(self, name).emit(*args)

    # --- the worker thread ----------------------------------------------------------------
    def _loop(self, worker):
        from covidxray_desktop.store import Store

        _lower_priority()
        store = Store(self.db_path)
        try:
            while True:
                with self._wake:
                    self._wake.wait_for(lambda: self._stop or self._has_work())
                    stopping = self._stop  # read once: stop() may be called the moment the lock is let go
                    model, self._model_request = self._model_request, None
                    detail, self._detail = self._detail, None
                    history, self._history = self._history, False
                    relist, self._relist = self._relist, False
                    exports, self._exports = self._exports, []
                if stopping:  # a table asked for as the window closed is written; a report stops
                    for job in exports:
                        if job.kind == "csv":
                            yield from self._guarded(self._export, job)
                    break
                if model is not None:
                    yield from self._guarded(self._load, model, store)
                if history:
                    yield from self._guarded(self._send_history, store)
                if relist:
                    yield from self._guarded(self._send_history, store, True)
                if detail is not None:
                    yield from self._guarded(self._send_detail, detail)
                for job in exports:
                    yield from self._guarded(self._export, job)
                with self._wake:
                    entries = list(self._entries.values())
                for gone in entries:
                    if gone.state == "cancelled" and gone.rows is not None:
                        gone.rows.close()
                        gone.rows = None
                entry = self._next_entry()
                if entry is not None:
                    failed = []
                    yield from self._guarded(self._advance, entry, store, failed=failed)
                    if failed:
                        self._fail(entry)
                elif self._thumbs and self._predictor is not None:  # drawn by the model's decoders: they wait
                    yield from self._guarded(self._draw_thumbnails)
                yield from self._report()
        finally:
            for entry in list(self._entries.values()):
                if entry.rows is not None:
                    entry.rows.close()  # lets the decoding threads of a half-run batch finish
            if self._predictor is not None:
                self._predictor.close()  # its decoding worker processes
            if self._films is not None:
                self._films.close()
            store.close()

    def _guarded(self, work, *args, failed=None):
        """Run one piece of work; an unexpected error is logged and told, and the engine goes on."""
        try:
            yield from work(*args)
        except Exception as exc:
            from covidxray_desktop.errors import CovidXrayError
            from covidxray_desktop.logs import log

            log.exception("engine: %s failed", work.__name__)
            if failed is not None:
                failed.append(exc)
            # Our own errors are sentences for the user (a store that cannot be written...); others name their kind.
            yield ("problem", str(exc) if isinstance(exc, CovidXrayError) else f"{type(exc).__name__}: {exc}")

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
        return (self._model_request is not None or self._detail is not None or self._history or self._relist
                or bool(self._exports) or self._next_entry() is not None or bool(self._thumbs and self._predictor)
                or any(e.state != e.reported for e in self._entries.values()))

    def _report(self):
        """Tell the window of state changes after the rows that came before them."""
        with self._wake:
            entries = list(self._entries.values())
        for entry in entries:
            state = entry.state
            if state != entry.reported:
                entry.reported = state
                yield ("entryState", entry.id, state)
            if state in ("done", "cancelled", "failed") and entry.rows is None:
                with self._wake:  # told and over: its shift-test features (29 MB for 3,200 films) go
                    self._entries.pop(entry.id, None)

    def _next_entry(self):
        if self._predictor is None:
            return None
        with self._wake:  # re-entrant: also called while the lock is held
            return next((e for e in list(self._entries.values()) if e.state in ("queued", "running")), None)

    def _load(self, path: str, store):
        from covidxray_desktop.errors import CovidXrayError
        from covidxray_desktop.gui.results import THUMB
        from covidxray_desktop.inference import Predictor
        from covidxray_desktop.model.bundle import load

        name, predictor = Path(path or "default").name, None
        try:  # the new model is made ready before the old one goes: a failure leaves it active
            yield ("modelLoading", QCoreApplication.translate("MainWindow", "checking %1").replace("%1", name))
            bundle = load(path or None)
            yield ("modelLoading", QCoreApplication.translate("MainWindow", "starting %1").replace("%1", bundle.ident))
            predictor = Predictor(bundle, thumbnails=THUMB)
            predictor.start()  # decoding workers start while the networks warm up
            predictor.network.forward(_blank(predictor))
        except Exception as exc:  # an unreadable bundle must not take the window down
            if predictor is not None:
                predictor.close()  # its decoding workers
            said = str(exc) if isinstance(exc, CovidXrayError) else f"{name}: cannot load this model ({exc})."
            yield ("modelFailed", said)
            return
        try:
            store.remember_model(bundle)
        except CovidXrayError:  # a store locked by another copy: batch.run keeps it before the model's first result
            pass
        with self._wake:
            entries = list(self._entries.values())
        for entry in entries:  # a new model: unfinished batches start again with it
            if entry.rows is not None:
                entry.rows.close()
                entry.rows, entry.done = None, 0
        if self._predictor is not None:
            self._predictor.close()
        self._predictor = predictor
        self._apply_point()
        card = bundle.card
        yield ("modelLoaded", {"ident": bundle.ident, "hash": bundle.hash, "path": str(bundle.path),
                               "files": [str(p) for p in bundle.files],
                               "threshold": float(card["threshold"]), "card": card,
                               "points": operating.points(card), "default_point": operating.default(card)})

    def _apply_point(self) -> None:
        """The window's operating point onto the model now loaded, when it was chosen for this model."""
        model_hash, point, threshold = self._point
        predictor = self._predictor
        if predictor is None or model_hash != predictor.bundle.hash:
            return
        known = operating.points(predictor.bundle.card)
        if point == operating.CUSTOM and threshold is not None:
            predictor.use(point, threshold)
        elif point in known:
            predictor.use(point, known[point]["threshold"])

    def _send_history(self, store, relist: bool = False):
        rows = store.relist() if relist else store.history(listed=True)
        for i in range(0, max(len(rows), relist), 500):  # put back: one answer even when there were none
            chunk = rows[i:i + 500]
            yield ("rowsReady", -1 if relist else 0, chunk)

    def _send_detail(self, asked):
        from covidxray_desktop.errors import CovidXrayError
        from covidxray_desktop.files import display_name
        from covidxray_desktop.imaging import DECODE_SIDE
        from covidxray_desktop.imaging.isolate import Isolated
        from covidxray_desktop.prepare import view

        path, sha256 = asked
        if self._films is None:  # the viewer's film decodes in a worker process too, with a time limit
            self._films = Isolated(view)
        try:
            yield ("detailReady", path, *self._films(path, DECODE_SIDE, sha256), "")
        except CovidXrayError as exc:
            yield ("detailReady", path, None, None, 1.0, str(exc))
        except Exception as exc:  # one unviewable file costs its picture, not the window
            yield ("detailReady", path, None, None, 1.0, f"{display_name(path)}: cannot show this file ({exc}).")

    def _export(self, job):
        path, problem, count = job.path, "", 0
        try:
            count = job.run(lambda: self._stop, self.exportProgress.emit)  # emitted here, shown by the window
        except OSError as exc:
            problem = f"cannot write {path}: {exc.strerror or exc}"
        except Exception as exc:
            problem = f"cannot write {path}: {exc}"
        yield ("exportDone", str(path), problem, count, job.kind)

    def _advance(self, entry: Entry, store):
        """Run the entry until a chunk of rows is ready, a request arrives, or it is paused."""
        from covidxray_desktop import batch

        with self._wake:  # a Cancel or Pause clicked just now must not be overwritten
            if entry.state == "queued":  # first run, or resumed after a pause
                entry.state = "running"
        yield from self._report()
        if entry.files is None:
            from covidxray_desktop.imaging import walk

            found = walk(entry.paths)
            entry.files = found.files
            entry.batch_id = store.batch_start(batch.name(entry.paths), self._predictor.bundle.hash)
            yield ("entryFiles", entry.id, len(entry.files), found.skipped)
        self._apply_point()  # a point chosen while the batch runs: the next rows record it
        if entry.rows is None:
            entry.summary = batch.Summary(self._predictor.bundle, self._predictor.threshold, self._predictor.point)
            entry.rows = batch.run(entry.files, self._predictor, store, force=entry.force,
                                   cancelled=lambda: entry.state == "cancelled" or self._stop,
                                   batch_id=entry.batch_id)
        chunk, began = [], time.perf_counter()
        finished = False
        while time.perf_counter() - began < CHUNK_S:
            if entry.state != "running" or self._stop or self._detail is not None or self._model_request is not None:
                break
            result = next(entry.rows, None)
            if result is None:
                finished = True
                break
            entry.summary.add(result)
            chunk.append(result.with_changes(pixels=None, features=None, look=None))
        entry.done += len(chunk)
        entry.computed += sum(not r.reused for r in chunk)
        entry.active_s += time.perf_counter() - began  # paused time does not lower the rate
        if chunk:
            yield ("rowsReady", entry.id, chunk)
        # The rate of films computed now: results taken from the store come in a flash, and counting
        # them would promise a time left that the films still to compute cannot keep.
        yield ("progress", entry.id, entry.done, len(entry.files),
               (entry.computed or entry.done) / max(entry.active_s, 1e-6))
        if finished:
            entry.rows.close()
            entry.rows = None
            summary = entry.summary.finish()
            store.batch_finish(entry.batch_id, summary, self._predictor.bundle.hash)
            yield ("entrySummary", entry.id, summary)
            with self._wake:
                if entry.state in ("running", "paused", "queued"):
                    entry.state = "done"

    def _draw_thumbnails(self, budget_s: float = CHUNK_S):
        from covidxray_desktop.gui.results import THUMB

        began = time.perf_counter()
        while self._thumbs and time.perf_counter() - began < budget_s and self._detail is None:
            path, model, sha256 = self._thumbs.popleft()  # a store holds 100,000s of rows: list.pop(0) would crawl
            picture = self._predictor.picture(path, THUMB, sha256)  # isolated: a bad file cannot hang this
            if picture is not None:
                yield ("thumbnailReady", path, model, picture)


def _blank(predictor):
    """One neutral first-stage film: running it once makes every lazy part of the runtime ready."""
    import numpy as np

    size = predictor.route.size
    from covidxray_desktop.imaging.preprocess import BASE, LUNG_STAGE

    side = BASE if predictor.route.method in LUNG_STAGE else size
    shape = (1, side, side) if predictor.route.method in LUNG_STAGE else (1, size, size, predictor.network.channels)
    return np.full(shape, 0.5, np.float32)


def _lower_priority() -> None:
    """Let the GUI thread win the CPU: this thread, and the decoding and inference threads it
    starts (Linux threads inherit their creator's nice value), run at a lower priority."""
    if hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            pass  # not allowed here: the window is merely a little less smooth
