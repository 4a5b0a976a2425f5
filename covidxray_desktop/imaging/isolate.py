"""Decode where a stuck or crashing file can be abandoned: one worker process per busy thread.

A decoder stuck in C cannot be interrupted from a thread, and one that crashes takes the app with
it. So each call runs in a worker process, waited on for `limit_s` at most; one that overruns or
dies is killed and replaced, and the call raises `DecodeAbandoned` naming the file. Workers are
spawned, not forked: they import what the function's module does (numpy, Pillow, pydicom), never
TensorFlow or Qt. As with any spawned process, scripts need the `__main__` guard.
"""
import contextlib
import multiprocessing
import os
import signal
import threading
import time
import weakref

from covidxray_desktop.errors import CovidXrayError, ImagingError, brief
from covidxray_desktop.files import display_name
from covidxray_desktop.logs import log

START_LIMIT_S = 60.0  # a cold worker imports numpy, Pillow and pydicom: seconds on a busy machine


class DecodeAbandoned(ImagingError):
    """A file's decoder overran its time limit or died; its worker was replaced."""


def _serve(conn, function):
    """The worker: one call at a time until it is stopped or its parent goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle, then it stops us
    _quiet()
    parent = os.getppid()

    def orphaned():  # a thread, so it works even while the main thread is stuck in a decoder
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    conn.send("ready")
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):  # the parent closed the pipe, or died
            return
        try:
            reply = ("ok", function(*args))
        except BaseException as exc:  # comes back as a value, so the worker lives on
            reply = ("raised", exc if isinstance(exc, CovidXrayError) else _unexpected(args[0], exc))
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result or exception: send its message instead
            conn.send(("raised", _unexpected(args[0], exc)))


def _quiet() -> None:
    """Native decoders write their complaints straight onto the terminal ("Not a JPEG file: starts
    with 0x80 0xb8"), between the command's own lines; each file's row already says what went
    wrong in the user's words, and every failure comes back to the parent as a value."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    os.dup2(devnull, 2)
    os.close(devnull)


def _unexpected(path, exc: BaseException) -> ImagingError:
    return ImagingError(f"{display_name(path)}: unexpected error while reading ({type(exc).__name__}: {brief(exc)}).")


def end(process) -> None:
    """Stop a worker process now: asked first, then killed; joined either way."""
    for step in (process.terminate, process.kill):
        if process.is_alive():
            step()
            process.join(2.0)


@contextlib.contextmanager
def _sigint_blocked():
    """Ctrl+C held back from a worker from its first instruction: a terminal sends it to every process
    of the command, and one that came while a worker was still importing printed its traceback
    before the worker could ignore it (the mask is inherited; this thread's alone is changed)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: a console's Ctrl+C is no signal
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class _Worker:
    def __init__(self, context, function):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, function), daemon=True, name="covidxray-decoder")
        with _sigint_blocked():
            self.process.start()
        child.close()  # only the worker holds that end now: when it dies, our recv() sees EOF
        try:
            ready = self.conn.poll(START_LIMIT_S) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise OSError("the decoding worker did not start")

    def stop(self) -> None:
        # By signal, not by closing the pipe: a stuck decoder never reads it; a waiting thread sees EOF.
        end(self.process)
        self.conn.close()

    @staticmethod
    def stop_all(workers: set) -> None:
        while workers:
            workers.pop().stop()


def _shutdown(workers: set, warming: threading.Event, starters: list) -> None:
    """No worker is started after this, and none is left running. A worker spawned while the app
    exits would find its parent gone halfway through its start-up message and print an EOFError
    traceback, so the starting threads are waited for first."""
    warming.clear()
    _join(starters)
    _Worker.stop_all(workers)


def _join(threads: list) -> None:
    for thread in list(threads):
        if thread is not threading.current_thread():  # the owner can go while its own starter runs
            thread.join()


class Isolated:
    """Call `function(path, *args)` (module-level, picklable) in a worker, `limit_s` at most per call.

    Each busy thread holds one worker. Idle ones wait in a free list rather than one per thread:
    callers' thread pools are short-lived, and a fresh worker takes ~0.2-1 s to start."""

    def __init__(self, function, limit_s: float = 30.0):
        self.function, self.limit_s = function, limit_s
        self._context = multiprocessing.get_context("spawn")
        self._idle, self._workers = [], set()
        self._lock = threading.Lock()
        self._inline = False
        self._warming, self._starters = threading.Event(), []
        self._warming.set()
        # when this object goes, or at exit (before multiprocessing's own exit handler)
        weakref.finalize(self, _shutdown, self._workers, self._warming, self._starters)

    def __call__(self, path, *args):
        worker = None if self._inline else self._checkout()
        if worker is None:
            return self.function(path, *args)
        name = display_name(path)
        try:
            worker.conn.send((path, *args))
            answered = worker.conn.poll(self.limit_s)  # the wait a thread cannot give up on a decoder
            status, value = worker.conn.recv() if answered else (None, None)
        except (EOFError, OSError):  # the worker died: a crash in native code, or killed for memory
            self._release(worker, keep=False)
            worker.process.join(2.0)
            code = worker.process.exitcode
            how = f"signal {-code}: {signal.strsignal(-code)}" if code and code < 0 else f"exit code {code}"
            raise DecodeAbandoned(f"{name}: the decoder crashed on this file ({how}) and it was skipped "
                                  f"(a damaged or hostile file?).") from None
        except Exception as exc:  # a reply that cannot be unpickled here; the worker itself is fine
            self._release(worker, keep=True)
            raise _unexpected(path, exc) from None
        self._release(worker, keep=answered)
        if not answered:
            raise DecodeAbandoned(f"{name}: decoding took longer than {self.limit_s:g} s and was abandoned "
                                  f"(a damaged or hostile file?).")
        if status == "raised":
            raise value
        return value

    def warm(self, n: int) -> None:
        """Start up to n workers now, in the background: each spends ~0.2-1 s importing its
        libraries, which can overlap with a model loading instead of delaying the first file."""
        def start():
            with self._lock:
                missing = n - len(self._workers)
            for _ in range(max(0, missing)):
                if not self._warming.is_set():  # closing
                    return
                worker = self._checkout()
                if worker is None:
                    return
                self._release(worker, keep=True)

        thread = threading.Thread(target=start, name="covidxray-decoder-start", daemon=True)
        self._starters[:] = [t for t in self._starters if t.is_alive()] + [thread]
        thread.start()

    def close(self) -> None:
        """Stop every worker, those being started in the background too; a call in progress then
        raises DecodeAbandoned. Calls made later start fresh workers."""
        self._warming.clear()
        _join(self._starters)  # a worker being started now joins the others, stopped below
        self._starters.clear()
        with self._lock:
            workers = set(self._workers)
            self._workers.clear()  # the same set the finalizer holds, which stays armed
            self._idle.clear()
        _Worker.stop_all(workers)
        self._warming.set()

    def _checkout(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            worker = _Worker(self._context, self.function)
        except Exception as exc:  # a sandbox that forbids processes: decode in-thread, unprotected
            if not self._inline:
                log.warning("decoding worker did not start (%s); decoding in-thread, no time limit", brief(exc))
            self._inline = True
            return None
        with self._lock:
            self._workers.add(worker)
        return worker

    def _release(self, worker, keep: bool) -> None:
        with self._lock:
            if worker not in self._workers:  # close() took it and stops it
                return
            if keep:
                return self._idle.append(worker)
            self._workers.discard(worker)
        worker.stop()
