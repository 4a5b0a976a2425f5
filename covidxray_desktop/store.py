"""SQLite results store: one row per (film content, model bundle); each result committed as made.

A result is keyed by the hash of the bytes that were decoded and the hash of the whole bundle
(weights and card), so an edited card, another model or a changed file never gets an old answer.
It keeps the probability, never a label: labels come from the threshold in force. It also keeps
the models that made results (their thresholds and metrics), each batch's summary with its shift
test, and the window's queue, so a queue cut short by a reboot can resume.
"""
import datetime as dt
import json
import os
import re
import sqlite3
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import CovidXrayError, UsageError
from covidxray_desktop.files import display_name, display_path, inside, private_dir
from covidxray_desktop.results import STORED, Result, now

SCHEMA_VERSION = 3
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
    3: """
ALTER TABLE results ADD COLUMN path_raw BLOB;
ALTER TABLE results ADD COLUMN outside_share REAL;
ALTER TABLE results ADD COLUMN heat BLOB;
ALTER TABLE results ADD COLUMN batch INTEGER;
ALTER TABLE results ADD COLUMN features BLOB;
CREATE TABLE IF NOT EXISTS models (
    model_hash TEXT PRIMARY KEY, ident TEXT NOT NULL, threshold REAL NOT NULL, metrics TEXT,
    arch TEXT, path TEXT, first_used TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, model_hash TEXT, created_at TEXT NOT NULL,
    summary TEXT
);
CREATE INDEX IF NOT EXISTS results_created ON results (created_at);
""",
}
COLUMNS = ", ".join(("path_raw", "path", "heat", "batch", "features") + tuple(c for c in STORED if c != "path"))
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> str:
    """A calendar date as YYYY-MM-DD, or a UsageError: nothing else is taken for a date."""
    if not isinstance(text, str) or not DATE.fullmatch(text.strip()):
        raise UsageError(f"{text!r} is not a date; use YYYY-MM-DD (for example 2026-07-01)")
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise UsageError(f"{text!r} is not a date in the calendar; use YYYY-MM-DD")


def default_path() -> Path:
    from covidxray_desktop.paths import user_data_dir

    return user_data_dir() / "results.sqlite3"


class Store:
    def __init__(self, path):
        self.path = Path(path)
        name = display_name(self.path)
        try:
            private_dir(self.path.parent)
            if not self.path.exists():  # created owner-only: it holds patient IDs and file names
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self.db = sqlite3.connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise CovidXrayError(f"{name}: the results store cannot be opened ({getattr(exc, 'strerror', None) or exc}); "
                                 f"choose another with --db.")
        try:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as exc:
                if "not a database" in str(exc) or "malformed" in str(exc):
                    raise
                # e.g. a network share: SQLite keeps its rollback journal
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=10000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise CovidXrayError(f"{name}: not a usable results store ({exc}); move it aside or choose "
                                 f"another with --db.")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.db.close()
            raise CovidXrayError(f"{display_name(self.path)}: this results store was written by a newer version of "
                                 f"the app (schema {version}); update the app or choose another store with --db.")
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

    def _write(self, sql: str, args=()) -> sqlite3.Cursor:
        try:
            with self.db:
                return self.db.execute(sql, args)
        except sqlite3.OperationalError as exc:
            raise CovidXrayError(f"{display_name(self.path)}: the results store cannot be written ({exc}).")

    # --- models and batches -----------------------------------------------------------------
    def remember_model(self, bundle) -> None:
        """The model's own threshold and figures (figures.own), kept for every result it makes."""
        from covidxray_desktop.model import figures

        card = bundle.card
        metrics = figures.own(card)
        # An older store kept an adapted model's base figures: its own replace them.
        self._write("INSERT INTO models (model_hash, ident, threshold, metrics, arch, path, first_used) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT(model_hash) DO UPDATE SET metrics = excluded.metrics",
                    (bundle.hash, bundle.ident, float(card["threshold"]), json.dumps(metrics), card.get("arch", ""),
                     display_path(bundle.path), now()))

    def models(self) -> dict:
        """model_hash -> {ident, threshold, metrics, arch, path}."""
        cur = self.db.execute("SELECT model_hash, ident, threshold, metrics, arch, path FROM models")
        return {h: {"ident": i, "threshold": t, "metrics": json.loads(m or "{}"), "arch": a, "path": p}
                for h, i, t, m, a, p in cur.fetchall()}

    def batch_start(self, name: str, model_hash: str) -> int:
        return self._write("INSERT INTO batches (name, model_hash, created_at) VALUES (?,?,?)",
                           (name, model_hash, now())).lastrowid

    def batch_finish(self, batch_id: int, summary: dict) -> None:
        self._write("UPDATE batches SET summary=? WHERE id=?", (json.dumps(summary), batch_id))

    def batch_summaries(self, ids) -> list:
        """[{name, ...summary}] of these finished batches, oldest first (the PDF's shift lines)."""
        ids = sorted({int(i) for i in ids if i is not None})
        out = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cur = self.db.execute(f"SELECT name, summary FROM batches WHERE summary IS NOT NULL AND id IN "
                                  f"({','.join('?' * len(chunk))}) ORDER BY id", chunk)
            out += [dict(json.loads(summary), name=name) for name, summary in cur.fetchall()]
        return out

    # --- results ------------------------------------------------------------------------------
    def record(self, result: Result) -> bool:
        """Store a result; False when it is not one to keep (an error of the moment, or nothing read)."""
        if result.transient or not result.sha256:
            return False
        try:
            st = os.stat(result.path)
            size, mtime = st.st_size, st.st_mtime
        except (OSError, ValueError):
            size = mtime = None
        values = {c: getattr(result, c) for c in STORED if c != "path"}
        values.update(path=result.shown_path, path_raw=os.fsencode(str(result.path)), size=size, mtime=mtime,
                      heat=result.heat.to_bytes() if result.heat is not None else None,
                      features=None if result.features is None else np.asarray(result.features, np.float16).tobytes(),
                      seconds=round(result.seconds, 4), batch=result.batch)
        names = ", ".join(values)
        self._write(f"INSERT OR REPLACE INTO results ({names}) VALUES ({', '.join('?' * len(values))})",
                    tuple(values.values()))
        return True

    def lookup(self, sha256: str, model_hash: str) -> Result | None:
        """The stored result of this content by this bundle: only answers (ok or refused), never an
        error, which may pass another time."""
        cur = self.db.execute(f"SELECT {COLUMNS} FROM results WHERE sha256=? AND model_hash=? "
                              f"AND status IN ('ok', 'rejected')", (sha256, model_hash))
        row = cur.fetchone()
        return _result(cur, row) if row else None

    def count_stored(self, paths) -> int:
        """How many of these files have a stored result (by any model): a resumed queue's finished part."""
        raw = [os.fsencode(str(p)) for p in paths]
        n = 0
        for start in range(0, len(raw), 500):
            chunk = raw[start:start + 500]
            n += self.db.execute(f"SELECT COUNT(DISTINCT path_raw) FROM results WHERE path_raw IN "
                                 f"({','.join('?' * len(chunk))})", chunk).fetchone()[0]
        return n

    def history(self, since: str | None = None) -> list[Result]:
        """Stored results, oldest first; `since` a YYYY-MM-DD date (recorded on or after it)."""
        day = parse_day(since) if since else "0000-01-01"
        cur = self.db.execute(f"SELECT {COLUMNS} FROM results WHERE date(created_at) >= date(?) "
                              f"ORDER BY created_at, path", (day,))
        return [_result(cur, r) for r in cur.fetchall()]

    def forget(self, before: str) -> int:
        """Delete results recorded before a YYYY-MM-DD date (retention of patient data), and the
        window's queue entries from then or naming those files; returns the results deleted."""
        day = parse_day(before)
        gone = {r[0] for r in self.db.execute("SELECT path FROM results WHERE date(created_at) < date(?)", (day,))}
        with self.db:
            n = self.db.execute("DELETE FROM results WHERE date(created_at) < date(?)", (day,)).rowcount
            self.db.execute("DELETE FROM batches WHERE date(created_at) < date(?)", (day,))
            for entry_id, paths, created in self.db.execute("SELECT id, paths, created_at FROM queue").fetchall():
                named = {display_path(p) for p in json.loads(paths)}
                if created[:10] < day or any(inside(g, p) for p in named for g in gone):
                    self.db.execute("DELETE FROM queue WHERE id=?", (entry_id,))
        return n

    # --- the window's queue -------------------------------------------------------------------
    def queue_add(self, name: str, paths) -> int:
        cur = self._write("INSERT INTO queue (name, paths, state, created_at) VALUES (?,?,?,?)",
                          (name, json.dumps([str(p) for p in paths]), "queued", now()))
        return cur.lastrowid

    def queue_set_state(self, entry_id: int, state: str) -> None:
        self._write("UPDATE queue SET state=? WHERE id=?", (state, entry_id))

    def queue_unfinished(self) -> list[dict]:
        """Queue entries that neither finished nor were cancelled: a crash or a reboot cut them short."""
        cur = self.db.execute("SELECT id, name, paths, state FROM queue WHERE state NOT IN "
                              "('done', 'cancelled', 'resumed', 'failed') ORDER BY id")
        return [{"id": i, "name": n, "paths": json.loads(p), "state": st} for i, n, p, st in cur.fetchall()]

    def close(self) -> None:
        self.db.close()


def _result(cur, row) -> Result:
    from covidxray_desktop.model.cam import HeatMap

    values = dict(zip((d[0] for d in cur.description), row))
    raw, heat, features = values.pop("path_raw"), values.pop("heat"), values.pop("features")
    path = os.fsdecode(raw) if raw else values["path"]
    values["path"] = path
    values = {k: ("" if v is None and k in ("message", "patient_id", "study_uid", "study_date", "model_hash") else v)
              for k, v in values.items()}
    result = Result(**values, reused=True)
    if features:
        result.features = np.frombuffer(features, np.float16).astype(np.float32)
    if heat:
        try:
            result.heat = HeatMap.from_bytes(heat)
        except (ValueError, KeyError, TypeError):
            result.heat = None  # a damaged map costs the picture, not the result
    return result
