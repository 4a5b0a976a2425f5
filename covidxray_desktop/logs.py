"""The app's log: per-user log folder, rotated, and never any pixel data or patient names.

Only commands log, and only what a support person needs: which command, how many files, how
fast, which model, and errors by kind. File names are left out, since they often hold names.
"""
import logging
import logging.handlers
from pathlib import Path

from covidxray_desktop import APP_NAME

log = logging.getLogger(APP_NAME)


def log_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def setup() -> None:
    if log.handlers:
        return
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(folder / "covidxray.log", maxBytes=1_000_000,
                                                       backupCount=3, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # a read-only home must not stop the app
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
