"""The app's log: per-user log folder, rotated, and never any pixel data or patient names.

Only commands log, and only what a support person needs: which command, how many files, how
fast, which model, and errors by kind. File names are left out, since they often hold names.
"""
import logging
import logging.handlers
import os
from pathlib import Path

from covidxray_desktop import APP_NAME
from covidxray_desktop.files import private_dir

log = logging.getLogger(APP_NAME)


def log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Each new log file (the first, and the one after every rotation) readable by this user only:
    the stock handler makes them with the umask's mode (0666 under umask 000)."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup() -> None:
    if log.handlers:
        return
    try:
        folder = private_dir(log_dir())  # only this user: the log says when and how much was classified
        path = folder / "covidxray.log"
        handler = _PrivateRotatingHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # a read-only home must not stop the app
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
