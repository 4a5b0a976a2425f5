"""Long work off the GUI thread, the one way this app does it (in the spirit of napari's thread_worker).

A Worker runs a generator function in a plain Python thread; everything it yields (or hands to
`job.tell`, from a callback) arrives on the GUI thread as `yielded`, then `finished` (its return
value), `errored` (the exception) or `aborted` (it stopped because abort() was asked). The work
sees `job.aborting()` and decides where it can stop. Plain long-lived threads rather than
QThreadPool: TensorFlow keeps per-thread state that must outlive each task (a pool thread gets a
new Python thread state per task, and a training job after a device check on the same pool
thread was seen to crash).

The thread touches no Qt object, the Worker included: the work holds a plain `Job`, which puts
what it says in a queue and rings a local socket pair (the way asyncio wakes its loop from
another thread); the GUI thread hears the ring through a QSocketNotifier and emits. A thread that
emitted through a QObject of its own crashed the process now and then when the application's
end deleted that object mid-emit, a lock around the emits notwithstanding; a queue and a socket
cannot be half-deleted. Where the system has no local socket pair (Windows: Python's pair there
is a loopback TCP connection, and this app opens none) the GUI thread looks at the queue while
the thread lives: every POLL_MS while words come, less often while none do.
"""
import queue
import socket
import threading
import time

import shiboken6
from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

SLICE_S = 0.03  # emit at most this long in one go, then let the window draw and take clicks
POLL_MS, POLL_IDLE_MS = 15, 120  # where there is no bell: how often the GUI thread looks
LOCAL_PAIR = True  # use a local socket pair where the system has one (tests turn it off)
_ENDS = ("finished", "errored", "aborted")
_QUIET = getattr(socket, "MSG_NOSIGNAL", 0)  # a closed listener gives an error, not SIGPIPE
_LIVE = {}  # started workers, held until their last word is heard: the work never holds them


class Aborted(Exception):
    """Raised inside the work by `checkpoint()` once an abort was asked."""


class Job:
    """The work's side of a Worker, and all the thread ever touches: plain Python, safe from any
    thread, and still there when the Worker is gone (its words then go nowhere)."""

    def __init__(self, bell: socket.socket | None):
        self.inbox = queue.SimpleQueue()
        self._bell = bell
        self._abort = threading.Event()
        self.deaf = False  # nobody listens any more: words are dropped, not kept

    def abort(self) -> None:
        self._abort.set()

    def aborting(self) -> bool:
        return self._abort.is_set()

    def checkpoint(self) -> None:
        if self._abort.is_set():
            raise Aborted()

    def tell(self, what) -> None:
        """Say `what` as a yield would, from a callback deep in the work (a training event)."""
        self.say("yielded", what)

    def say(self, signal: str, *said) -> None:
        if self.deaf:
            return
        self.inbox.put((signal, said))
        if self._bell is None:
            return
        try:
            self._bell.send(b"!", _QUIET)
        except BlockingIOError:  # full: a ring is already waiting
            pass
        except OSError:  # the listening end is closed: the Worker is gone
            self.deaf = True

    def hang_up(self) -> None:
        """The thread's last act: its end of the bell closes (the GUI thread reads what is left)."""
        if self._bell is not None:
            self._bell.close()


class Worker(QObject):
    started = Signal()
    yielded = Signal(object)
    finished = Signal(object)
    errored = Signal(object)
    aborted = Signal()

    def __init__(self, function, *args, name: str = "covidxray-worker", parent=None):
        """`function(job, *args)`: a generator function (or a plain one) doing the work."""
        super().__init__(parent)
        self._more = QTimer(self, singleShot=True)  # what one slice left for the next, or an end not yet due
        self._more.timeout.connect(self._deliver)
        self._held = None  # the word being delivered (an end waits here for its thread to end)
        self._ear, bell = _local_pair()  # the GUI thread listens on one end, the thread rings the other
        self._job = job = Job(bell)
        if self._ear is not None:
            self._listen = QSocketNotifier(self._ear.fileno(), QSocketNotifier.Type.Read, self)
            self._listen.activated.connect(self._deliver)
        else:
            self._listen = QTimer(self, interval=POLL_MS)
            self._listen.timeout.connect(self._deliver)
        ear, key = self._ear, id(self)
        self.destroyed.connect(lambda *_: _gone(job, ear, key))
        self._thread = threading.Thread(target=_run, args=(job, function, args), name=name, daemon=True)

    def start(self) -> "Worker":
        _LIVE[id(self)] = self
        self._thread.start()
        if isinstance(self._listen, QTimer):
            self._listen.start()
        return self

    def abort(self) -> None:
        self._job.abort()

    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the thread has ended (it may outlive `timeout`, blocked in native code)."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def flush(self) -> None:
        """Hear now everything the thread has said so far (a window closing hears its engine's last words)."""
        self._deliver(slice_s=None)

    def _deliver(self, *_, slice_s: float | None = SLICE_S) -> None:
        """On the GUI thread: emit what the thread has said, in order. The rings are heard before the
        queue is read, so a ring that comes while it is read finds at worst an empty queue."""
        try:
            while self._ear is not None and self._ear.recv(4096):
                pass
        except OSError:  # nothing more to hear (or the end closed below)
            pass
        until = None if slice_s is None else time.monotonic() + slice_s
        heard = 0
        while until is None or time.monotonic() < until:
            if self._held is None:
                try:
                    self._held = self._job.inbox.get_nowait()
                except queue.Empty:
                    break
            signal, args = self._held
            if signal in _ENDS:  # the thread's last word: stop listening before anyone hears it
                self._stop_listening()
                # By now it only closes its bell and ends (a training thread's teardown can take a
                # moment): its end is heard once it has ended, so running() is False then.
                if not self.wait(0.02):
                    self._more.start(10)
                    return
                _LIVE.pop(id(self), None)  # nobody need hold it after this (this frame does, while it is told)
            self._held = None
            heard += 1
            getattr(self, signal).emit(*args)
            if not shiboken6.isValid(self):  # a slot closed what owns this worker: nobody is left to tell
                return
        else:
            self._more.start(0)
        if isinstance(self._listen, QTimer) and self._listen.isActive():  # quiet work is looked at less often
            self._listen.setInterval(POLL_MS if heard else min(2 * self._listen.interval(), POLL_IDLE_MS))

    def _stop_listening(self) -> None:
        if isinstance(self._listen, QTimer):
            self._listen.stop()
        elif self._ear is not None:
            self._listen.setEnabled(False)
            self._ear.close()
            self._ear = None


def _gone(job: Job, ear: socket.socket | None, key: int) -> None:
    """The Worker is being deleted (on the deleting thread): its work's words go nowhere from now on."""
    job.deaf = True
    if ear is not None:
        ear.close()
    _LIVE.pop(key, None)


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


def _run(job: Job, function, args) -> None:
    """The thread: it touches only `job` (and the bell, through it), never the Worker."""
    try:
        job.say("started")
        try:
            result = function(job, *args)
            if hasattr(result, "__next__"):
                try:
                    while True:
                        job.say("yielded", next(result))
                except StopIteration as stop:
                    result = stop.value
        except Aborted:
            job.say("aborted")
            return
        except BaseException as exc:  # reaches the user as a message, never lost in a thread
            job.say("errored", exc)
            return
        if job.aborting():
            job.say("aborted")
        else:
            job.say("finished", result)
    finally:
        job.hang_up()


def start(function, *args, name: str = "covidxray-worker", parent=None, on_yield=None, on_finish=None,
          on_error=None, on_abort=None) -> Worker:
    """Create, connect and start a Worker in one call."""
    worker = Worker(function, *args, name=name, parent=parent)
    for signal, slot in ((worker.yielded, on_yield), (worker.finished, on_finish), (worker.errored, on_error),
                         (worker.aborted, on_abort)):
        if slot is not None:
            signal.connect(slot)
    return worker.start()
