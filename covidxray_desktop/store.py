"""SQLite results store: one row per (file content, model); each result committed as produced.

It also keeps the desktop window's batch queue, so a queue cut short by a reboot can resume.
"""
import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.model.bundle import sha256_file

SCHEMA_VERSION = 2
_RESULTS = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL, model_hash TEXT NOT NULL, model TEXT NOT NULL,
    path TEXT NOT NULL, size INTEGER, mtime REAL,
    status TEXT NOT NULL, label TEXT, p_covid REAL, ood_score REAL, message TEXT, seconds REAL,
    patient_id TEXT, study_uid TEXT, study_date TEXT, created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, model_hash)
);
"""
# Each step takes a database of the version before it to the next one.
_MIGRATIONS = {
    2: """
ALTER TABLE results ADD COLUMN threshold REAL;
CREATE TABLE IF NOT EXISTS queue (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, paths TEXT NOT NULL, state TEXT NOT NULL,
    created_at TEXT NOT NULL
);
""",
}

COLUMNS = ("path, status, label, p_covid, threshold, message, model, seconds, ood_score, "
           "patient_id, study_uid, study_date, created_at")


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
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.db.close()
            raise CovidXrayError(f"{self.path.name}: this results store was written by a newer version of the "
                                 f"app (schema {version}); update the app or choose another store with --db.")
        fresh = not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='results'").fetchone()
        if fresh:
            self.db.executescript(_RESULTS)
        elif version == SCHEMA_VERSION:
            return
        # All steps or none: sqlite3 opens no transaction before DDL by itself, so say BEGIN.
        level, self.db.isolation_level = self.db.isolation_level, None
        try:
            self.db.execute("BEGIN IMMEDIATE")  # a second process upgrading waits, then finds it done
            # Read again under the lock; 0 is a results table created just now, in version 1's layout.
            version = self.db.execute("PRAGMA user_version").fetchone()[0] or 1
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, _MIGRATIONS[step].split(";")):
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        finally:
            self.db.isolation_level = level

    def record(self, prediction, model_hash: str, sha256: str | None = None, threshold: float | None = None) -> None:
        p = Path(prediction.path)
        try:
            st = p.stat()
            size, mtime = st.st_size, st.st_mtime
        except OSError:
            size = mtime = None
        meta = prediction.meta or {}
        self.db.execute(
            "INSERT OR REPLACE INTO results (sha256, model_hash, model, path, size, mtime, status, label, p_covid, "
            "ood_score, message, seconds, patient_id, study_uid, study_date, created_at, threshold) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha256 or file_sha256(p), model_hash, prediction.model, str(p), size, mtime, prediction.status,
             prediction.label, prediction.p_covid, prediction.ood_score, prediction.message,
             round(prediction.seconds, 4), meta.get("patient_id"), meta.get("study_uid"),
             meta.get("study_date"), dt.datetime.now().isoformat(timespec="seconds"), threshold))
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

    def queue_add(self, name: str, paths) -> int:
        with self.db:
            cur = self.db.execute("INSERT INTO queue (name, paths, state, created_at) VALUES (?,?,?,?)",
                                  (name, json.dumps([str(p) for p in paths]), "queued",
                                   dt.datetime.now().isoformat(timespec="seconds")))
        return cur.lastrowid

    def queue_set_state(self, entry_id: int, state: str) -> None:
        with self.db:
            self.db.execute("UPDATE queue SET state=? WHERE id=?", (state, entry_id))

    def queue_unfinished(self) -> list[dict]:
        """Queue entries that neither finished nor were cancelled: a crash or a reboot cut them short."""
        cur = self.db.execute("SELECT id, name, paths, state FROM queue WHERE state NOT IN ('done', 'cancelled', 'resumed', 'failed') "
                              "ORDER BY id")
        return [{"id": i, "name": n, "paths": json.loads(p), "state": st} for i, n, p, st in cur.fetchall()]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def close(self) -> None:
        self.db.close()
