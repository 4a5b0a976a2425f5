"""Which window runs a results store's kept queue (the batches offered again after a crash).

Two windows on one store (two copies of the app, on one PC or two PCs sharing a folder): the one
that did not start first must neither offer, take over nor cancel the other's batches. A lock file
beside the store says whose queue it is. Qt's QLockFile finds a lock stale when its process is gone
(same PC) or when the file has not been touched for STALE_MS (another PC): the holder touches it
every REFRESH_MS while it lives. A window that starts second keeps asking, and takes the lock when the
first closes, so that a third window never takes the second's live batches for unfinished ones.
"""
import os

from PySide6.QtCore import QLockFile, QTimer

STALE_MS = 5 * 60_000  # a lock untouched this long, written on another PC, is a crashed window's
REFRESH_MS = 60_000
RETRY_MS = 2_000


class QueueClaim:
    """`first`: this window may offer the store's unfinished batches (no other window runs them)."""

    def __init__(self, window, db_path):
        self.path = str(db_path) + ".window"
        self.lock = QLockFile(self.path)
        self.lock.setStaleLockTime(STALE_MS)
        self.held = self.lock.tryLock(0)
        # a folder where no lock can be made (read-only): no other window is known there
        self.first = self.held or self.lock.error() != QLockFile.LockFailedError
        self.timer = QTimer(window)
        self.timer.timeout.connect(self._tick)
        if self.held or not self.first:
            self.timer.start(REFRESH_MS if self.held else RETRY_MS)

    def _tick(self) -> None:
        if self.held:
            try:
                os.utime(self.path)  # alive: never taken for a crashed window's lock
            except OSError:
                pass  # a share that blinked: the next touch comes in a minute
        elif self.lock.tryLock(0):  # the window that started first has closed
            self.held = True
            self.timer.start(REFRESH_MS)

    def release(self) -> None:
        self.timer.stop()
        if self.held:
            self.lock.unlock()
            self.held = False
