"""Long work off the GUI thread, the one way this app does it (in the spirit of napari's thread_worker).

A Worker runs a generator function in a plain Python thread; everything it yields arrives on the
GUI thread as `yielded`, then `finished` (its return value), `errored` (the exception) or
`aborted` (it stopped because abort() was asked). The work sees `worker.aborting()` and decides
where it can stop. Plain long-lived threads rather than QThreadPool: TensorFlow keeps
per-thread state that must outlive each task (a pool thread gets a new Python thread state per
task, and a training job after a device check on the same pool thread was seen to crash).
"""
import threading

from PySide6.QtCore import QObject, Signal


class Aborted(Exception):
    """Raised inside the work by `checkpoint()` once an abort was asked."""


class _Voice(QObject):
    """What the thread speaks through. It has no parent, and the thread holds it: closing a window
    deletes the window's workers, and a thread still running then must never touch a deleted
    object (that raised "Signal source has been deleted", or crashed the process)."""
    started = Signal()
    yielded = Signal(object)
    finished = Signal(object)
    errored = Signal(object)
    aborted = Signal()


class _Life:
    """Whether the voice is still there, and a lock that its deletion (at the application's end,
    on the GUI thread) and an emit (on the worker's thread) take in turn: an emit is never halfway
    through when the voice goes (that crashed the process, now and then), and none starts after."""

    def __init__(self):
        self.lock = threading.RLock()  # re-entrant: the voice may go on its own thread, mid-emit
        self.gone = False

    def end(self, *_) -> None:
        with self.lock:
            self.gone = True


class Worker(QObject):
    started = Signal()
    yielded = Signal(object)
    finished = Signal(object)
    errored = Signal(object)
    aborted = Signal()

    def __init__(self, function, *args, name: str = "covidxray-worker", parent=None):
        """`function(worker, *args)`: a generator function (or a plain one) doing the work."""
        super().__init__(parent)
        self._abort = threading.Event()
        voice, self._life = _Voice(), _Life()
        for signal in ("started", "yielded", "finished", "errored", "aborted"):
            getattr(voice, signal).connect(getattr(self, signal))  # cut by Qt when this worker goes
        voice.destroyed.connect(self._life.end)  # on the deleting thread, before the object is gone
        self._thread = threading.Thread(target=_run, args=(voice, self._life, self._abort, function, (self, *args)),
                                        name=name, daemon=True)

    def start(self) -> "Worker":
        self._thread.start()
        return self

    def abort(self) -> None:
        self._abort.set()

    def aborting(self) -> bool:
        return self._abort.is_set()

    def checkpoint(self) -> None:
        if self._abort.is_set():
            raise Aborted()

    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the thread has ended (it may outlive `timeout`, blocked in native code)."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()


def _run(voice: _Voice, life: _Life, abort: threading.Event, function, args) -> None:
    """The thread: it touches only `voice`, `life` and `abort`, never the Worker, which may be gone.
    Every emit is queued to the GUI thread, in order."""
    _say(voice, life, "started")
    try:
        result = function(*args)
        if hasattr(result, "__next__"):
            try:
                while True:
                    _say(voice, life, "yielded", next(result))
            except StopIteration as stop:
                result = stop.value
    except Aborted:
        _say(voice, life, "aborted")
        return
    except BaseException as exc:  # reaches the user as a message, never lost in a thread
        _say(voice, life, "errored", exc)
        return
    if abort.is_set():
        _say(voice, life, "aborted")
    else:
        _say(voice, life, "finished", result)


def _say(voice: _Voice, life: _Life, signal: str, *args) -> None:
    """Emit, unless the application has quit while this thread finished (Qt then deleted the voice
    with everything else): there is no one left to tell, and no traceback belongs on the terminal."""
    with life.lock:
        if life.gone:
            return
        try:
            getattr(voice, signal).emit(*args)
        except RuntimeError:  # deleted by a way that did not say so
            pass


def start(function, *args, name: str = "covidxray-worker", parent=None, on_yield=None, on_finish=None,
          on_error=None, on_abort=None) -> Worker:
    """Create, connect and start a Worker in one call."""
    worker = Worker(function, *args, name=name, parent=parent)
    for signal, slot in ((worker.yielded, on_yield), (worker.finished, on_finish), (worker.errored, on_error),
                         (worker.aborted, on_abort)):
        if slot is not None:
            signal.connect(slot)
    return worker.start()
