"""A guard against one known PySide6 defect that would end the window mid-session.

PySide6 6.12.0 drops one reference to `True` on every `Signal.emit()` made from Python. On
Python 3.11, whose `True` is an ordinary counted object, a few thousand emits (a store of
~1,100 results loading its thumbnails) free it and the process aborts with "bool_dealloc".
Python 3.12 made `True` immortal, which is why the defect goes unseen there. The package pins
PySide6 below 6.12; this guard covers an environment that has that version anyway.
"""
import ctypes
import sys

_BALLAST = 1 << 40  # far more references than a session could ever drop


def emit_drops_references() -> bool:
    """True when emitting a signal here loses references to `True` (measured, not version-sniffed)."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(64):
        probe.ping.emit()
    return sys.getrefcount(True) < before - 32


def guard() -> bool:
    """Give `True` enough spare references that the lost ones can never free it; True if needed."""
    if sys.version_info >= (3, 12) or not emit_drops_references():
        return False
    # CPython's object header starts with its reference count; extra references to a
    # singleton only keep it alive, which it is for the whole process anyway.
    ctypes.c_ssize_t.from_address(id(True)).value += _BALLAST
    return True
