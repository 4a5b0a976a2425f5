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


class Worker(QObject):
    started = Signal()
    yielded = Signal(object)
    finished = Signal(object)
    errored = Signal(object)
    aborted = Signal()

    def __init__(self, function, *args, name: str = "covidxray-worker", parent=None):
        """`function(worker, *args)`: a generator function (or a plain one) doing the work."""
        super().__init__(parent)
        self._function, self._args = function, args
        self._abort = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

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

    def _run(self) -> None:
        # The receivers live on the GUI thread: every emit from here is queued to it.
        self._say(self.started)
        try:
            result = self._function(self, *self._args)
            if hasattr(result, "__next__"):
                try:
                    while True:
                        self._say(self.yielded, next(result))
                except StopIteration as stop:
                    result = stop.value
        except Aborted:
            self._say(self.aborted)
            return
        except BaseException as exc:  # reaches the user as a message, never lost in a thread
            self._say(self.errored, exc)
            return
        if self._abort.is_set():
            self._say(self.aborted)
        else:
            self._say(self.finished, result)

    @staticmethod
    def _say(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window closed and deleted this worker: nobody is left to tell
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
