"""A training run's state, shared by the command line and the window: no Qt here.

The job reports through `emit(event)`; the owner asks it to stop with `cancel()` (keep the best
finished epoch) or `abort()` (drop the run). The job polls `stopping()` between batches.
"""
import threading
import time


class Cancelled(Exception):
    """The run stopped before any epoch finished (or was aborted): nothing was saved."""


def polling(on_event, cancelled):
    """`on_event` that first asks whether the run was abandoned, for the minutes of scoring after
    the epochs: a user who gave up (a second Ctrl+C, the window closing) is not kept waiting for a
    model that will not be saved. A first Ctrl+C (keep the best epoch) is not giving up."""
    def event(e):
        cancelled()  # raises Cancelled when the run was abandoned
        on_event(e)
    return event


class Session:
    def __init__(self, on_event=lambda e: None, batch_events_per_s: float | None = None):
        self.on_event = on_event
        self._cancel = threading.Event()
        self._abort = threading.Event()
        self.running = False
        self._min_gap = 1 / batch_events_per_s if batch_events_per_s else 0.0
        self._last_batch = 0.0

    def emit(self, event: dict) -> None:
        kind = event["kind"]
        if kind == "batch" and self._min_gap:
            now = time.monotonic()
            if event["step"] < event["steps"] and now - self._last_batch < self._min_gap:
                return  # more would only flood a window's event queue on a fast GPU
            self._last_batch = now
        self.on_event(event)

    def cancel(self) -> None:
        """Stop after the current batch; a finished epoch or more is kept as a model."""
        self._cancel.set()

    def abort(self) -> None:
        """Stop and keep nothing (the window is closing)."""
        self._abort.set()
        self._cancel.set()

    @property
    def cancelling(self) -> bool:
        return self._cancel.is_set()

    def stopping(self) -> bool:
        """Polled by the job between batches; raises Cancelled when the run is aborted."""
        if self._abort.is_set():
            raise Cancelled()
        return self._cancel.is_set()


def stopped(cancelled) -> None:
    """Raise Cancelled once a stop was asked for: a job that keeps nothing of a part-done run (an
    adaptation) asks this; `cancelled` (Session.stopping) raises by itself only when abandoned."""
    if cancelled():
        raise Cancelled()
