"""SQLite results store: one row per (file content, model); each result committed as produced."""
import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

from covidxray_desktop.model.bundle import sha256_file

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL, model_hash TEXT NOT NULL, model TEXT NOT NULL,
    path TEXT NOT NULL, size INTEGER, mtime REAL,
    status TEXT NOT NULL, label TEXT, p_covid REAL, ood_score REAL, message TEXT, seconds REAL,
    patient_id TEXT, study_uid TEXT, study_date TEXT, created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, model_hash)
);
"""


def file_sha256(path) -> str:
    """Content hash, or a stand-in derived from the path for a file that cannot be read."""
    try:
        return sha256_file(path)
    except OSError:
        return "unreadable:" + hashlib.sha256(str(path).encode()).hexdigest()


class Store:
    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError:
            pass  # e.g. a network share: SQLite keeps its rollback journal
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self.db.commit()

    def record(self, prediction, model_hash: str) -> None:
        p = Path(prediction.path)
        try:
            st = p.stat()
            size, mtime = st.st_size, st.st_mtime
        except OSError:
            size = mtime = None
        meta = prediction.meta or {}
        self.db.execute(
            "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (file_sha256(p), model_hash, prediction.model, str(p), size, mtime, prediction.status,
             prediction.label, prediction.p_covid, prediction.ood_score, prediction.message,
             round(prediction.seconds, 4), meta.get("patient_id"), meta.get("study_uid"),
             meta.get("study_date"), dt.datetime.now().isoformat(timespec="seconds")))
        self.db.commit()

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.db.close()
