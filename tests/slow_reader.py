"""Decoders that misbehave on purpose, for the isolation tests; imported inside worker processes.

Files named stuck* hang, crash* kill their process, odd* raise a non-project exception,
chatty* print on the process's standard error first; the rest go to the real `prepare`.
"""
import os
import signal
import sys
import time
from pathlib import Path

from covidxray_desktop.errors import DataError

# How Ctrl+C was handled once the app's package had loaded, before the heavy imports below.
SIGINT_AT_IMPORT = signal.getsignal(signal.SIGINT)
# Whether Ctrl+C was held back from the process's start (before multiprocessing's own imports).
SIGINT_HELD_BACK = hasattr(signal, "pthread_sigmask") and signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])

from covidxray_desktop.prepare import prepare as real_prepare  # noqa: E402


def prepare(path, *args):
    name = Path(path).name
    if name.startswith("stuck"):
        while True:  # stands in for a C decoder in an endless loop
            time.sleep(3600)
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL) if hasattr(signal, "SIGKILL") else os._exit(1)
    if name.startswith("odd"):
        raise ValueError("a library error nobody wrapped")
    if name.startswith("chatty"):  # as a C decoder complains: on the process's own standard error
        os.write(2, b"Not a JPEG file: starts with 0x80 0xb8\n")
    if name.startswith("typed"):
        raise DataError(f"{name}: a typed error")
    return real_prepare(path, *args)


def heavy_modules(path, *args) -> list:
    """Which heavy packages a worker has imported (it should have none)."""
    return sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "tensorflow", "PySide6", "jax", "torch"))


def sigint_at_import(path, *args) -> bool:
    """Whether this worker ignored Ctrl+C from the moment the app's package loaded."""
    return SIGINT_AT_IMPORT is signal.SIG_IGN


def sigint_held_back(path, *args) -> bool:
    return SIGINT_HELD_BACK

