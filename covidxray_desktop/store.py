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


COLUMNS = "path, status, label, p_covid, message, model, seconds, ood_score, created_at"


def cur_names(cur) -> list[str]:
    return [d[0] for d in cur.description]


def default_path() -> Path:
    from covidxray_desktop.paths import user_data_dir

    return user_data_dir() / "results.sqlite3"


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

    def record(self, prediction, model_hash: str, sha256: str | None = None) -> None:
        p = Path(prediction.path)
        try:
            st = p.stat()
            size, mtime = st.st_size, st.st_mtime
        except OSError:
            size = mtime = None
        meta = prediction.meta or {}
        self.db.execute(
            "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha256 or file_sha256(p), model_hash, prediction.model, str(p), size, mtime, prediction.status,
             prediction.label, prediction.p_covid, prediction.ood_score, prediction.message,
             round(prediction.seconds, 4), meta.get("patient_id"), meta.get("study_uid"),
             meta.get("study_date"), dt.datetime.now().isoformat(timespec="seconds")))
        self.db.commit()

    def lookup(self, sha256: str, model_hash: str) -> dict | None:
        """The stored result for this content and model, if any (an unreadable file never matches)."""
        if sha256.startswith("unreadable:"):
            return None
        cur = self.db.execute(f"SELECT {COLUMNS} FROM results WHERE sha256=? AND model_hash=?", (sha256, model_hash))
        row = cur.fetchone()
        return dict(zip(cur_names(cur), row)) if row else None

    def history(self, since: str | None = None) -> list[dict]:
        """Stored results, oldest first; `since` is an ISO date (YYYY-MM-DD)."""
        cur = self.db.execute(f"SELECT {COLUMNS} FROM results WHERE created_at >= ? ORDER BY created_at, path",
                              (since or "",))
        names = cur_names(cur)
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def forget(self, before: str) -> int:
        """Delete results recorded before an ISO date (retention of patient data); returns the count."""
        n = self.db.execute("DELETE FROM results WHERE created_at < ?", (before,)).rowcount
        self.db.commit()
        return n

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.db.close()
