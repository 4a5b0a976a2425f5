"""Long work off the GUI thread, the one way this app does it (in the spirit of napari's thread_worker).

A Worker runs a generator function in a plain Python thread; everything it yields arrives on the
GUI thread as `yielded`, then `finished` (its return value), `errored` (the exception) or
`aborted` (it stopped because abort() was asked). The work sees `worker.aborting()` and decides
where it can stop. Plain long-lived threads rather than QThreadPool: TensorFlow keeps
per-thread state that must outlive each task (a pool thread gets a new Python thread state per
task, and a training job after a device check on the same pool thread was seen to crash).

The thread touches no Qt object. It puts what it says in a queue and rings a local socket pair
(the way asyncio wakes its loop from another thread); the GUI thread hears the ring through a
QSocketNotifier and emits. A thread that emitted through a QObject of its own crashed the process
now and then when the application's end deleted that object mid-emit, a lock around the emits
notwithstanding; a queue and a socket cannot be half-deleted. Where the system has no local
socket pair (Windows: Python's pair there is a loopback TCP connection, and this app opens none)
the GUI thread looks at the queue every POLL_MS while the thread lives.
"""
import queue
import socket
import threading
import time

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

SLICE_S = 0.03  # emit at most this long in one go, then let the window draw and take clicks
POLL_MS = 15  # where there is no bell: how often the GUI thread looks
LOCAL_PAIR = True  # use a local socket pair where the system has one (tests turn it off)
_ENDS = ("finished", "errored", "aborted")


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
        self._abort = threading.Event()
        self._inbox = queue.SimpleQueue()
        self._more = QTimer(self, singleShot=True, interval=0)  # what one slice left for the next
        self._more.timeout.connect(self._deliver)
        self._ear, bell = _local_pair()  # the GUI thread listens on one end, the thread rings the other
        if self._ear is not None:
            self._listen = QSocketNotifier(self._ear.fileno(), QSocketNotifier.Type.Read, self)
            self._listen.activated.connect(self._deliver)
            self.destroyed.connect(self._ear.close)  # the thread's next ring then fails, quietly
        else:
            self._listen = QTimer(self, interval=POLL_MS)
            self._listen.timeout.connect(self._deliver)
        self._thread = threading.Thread(target=_run, args=(self._inbox, bell, self._abort, function, (self, *args)),
                                        name=name, daemon=True)

    def start(self) -> "Worker":
        self._thread.start()
        if isinstance(self._listen, QTimer):
            self._listen.start()
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

    def _deliver(self, *_) -> None:
        """On the GUI thread: emit what the thread has said, in order. The rings are heard before the
        queue is read, so a ring that comes while it is read finds at worst an empty queue."""
        try:
            while self._ear is not None and self._ear.recv(4096):
                pass
        except OSError:  # nothing more to hear (or the end closed below)
            pass
        until = time.monotonic() + SLICE_S
        while time.monotonic() < until:
            try:
                signal, args = self._inbox.get_nowait()
            except queue.Empty:
                return
            if signal in _ENDS:  # the thread's last word: stop listening before anyone hears it
                self._stop_listening()
            getattr(self, signal).emit(*args)
            if not shiboken6.isValid(self):  # a slot closed what owns this worker: nobody is left to tell
                return
        self._more.start()

    def _stop_listening(self) -> None:
        if isinstance(self._listen, QTimer):
            self._listen.stop()
        else:
            self._listen.setEnabled(False)
            self._ear.close()


def _local_pair() -> tuple:
    """Two connected non-blocking sockets that never touch the network, or (None, None) where the
    system has none (Python's pair on Windows is a loopback TCP connection)."""
    if not LOCAL_PAIR or not hasattr(socket, "AF_UNIX"):
        return None, None
    try:
        pair = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    except (OSError, ValueError):
        return None, None
    for end in pair:
        end.setblocking(False)
    return pair


def _run(inbox: queue.SimpleQueue, bell: socket.socket | None, abort: threading.Event, function, args) -> None:
    """The thread: it touches only `inbox`, `bell` and `abort`, never the Worker, which may be gone."""
    def say(signal: str, *said) -> None:
        inbox.put((signal, said))
        if bell is None:
            return
        try:
            bell.send(b"!", _QUIET)
        except OSError:  # full (a ring is already waiting), or nobody listens any more
            pass

    try:
        say("started")
        try:
            result = function(*args)
            if hasattr(result, "__next__"):
                try:
                    while True:
                        say("yielded", next(result))
                except StopIteration as stop:
                    result = stop.value
        except Aborted:
            return say("aborted")
        except BaseException as exc:  # reaches the user as a message, never lost in a thread
            return say("errored", exc)
        say("aborted") if abort.is_set() else say("finished", result)
    finally:
        if bell is not None:
            bell.close()


_QUIET = getattr(socket, "MSG_NOSIGNAL", 0)  # a closed listener gives an error, not SIGPIPE


def start(function, *args, name: str = "covidxray-worker", parent=None, on_yield=None, on_finish=None,
          on_error=None, on_abort=None) -> Worker:
    """Create, connect and start a Worker in one call."""
    worker = Worker(function, *args, name=name, parent=parent)
    for signal, slot in ((worker.yielded, on_yield), (worker.finished, on_finish), (worker.errored, on_error),
                         (worker.aborted, on_abort)):
        if slot is not None:
            signal.connect(slot)
    return worker.start()
