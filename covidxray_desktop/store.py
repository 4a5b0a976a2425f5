"""SQLite results store: one row per (film content, model bundle); each result committed as made.

A result is keyed by the hash of the bytes that were decoded and the hash of the whole bundle
(weights and card), so an edited card, another model or a changed file never gets an old answer.
It keeps the probability, never a label: labels come from the threshold in force, kept with the
result beside the name of its operating point. It also keeps the models that made results (their
thresholds and metrics), each batch's summary with its shift test, and the window's queue, so a
queue cut short by a reboot can resume.
"""
import datetime as dt
import json
import os
import re
import sqlite3
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import StoreError, UsageError
from covidxray_desktop.files import display_name, display_path, private_dir
from covidxray_desktop.results import STORED, Result, now
from covidxray_desktop.store_schema import MIGRATIONS, RESULTS, APPLICATION_ID, SCHEMA_VERSION, TABLES

COLUMNS = ", ".join(("path_raw", "path", "heat", "batch", "features", "look") + tuple(c for c in STORED if c != "path"))
# What history shows never needs a film's features or thumbnail (kept for the shift test of a batch
# served from the store): thousands of rows would hold megabytes of them in the window for nothing.
_SHOWN = COLUMNS.replace("features, look", "NULL, NULL")
_PUT_BACK = ("listed = 0 AND NOT EXISTS (SELECT 1 FROM results AS n WHERE n.path = results.path AND "
             "n.model_hash = results.model_hash AND n.created_at > results.created_at)")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LONGEST_PATH = 512  # bytes, with the final NUL: SQLite's MAX_PATHNAME on Linux and macOS


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
    """`create=False`: for commands that only read or delete; a missing store is refused, not made
    (a mistyped --db would otherwise answer from, or delete in, a new empty store)."""

    def __init__(self, path, create: bool = True):
        self.path = Path(path)
        self.name = name = display_name(self.path)
        if not create and not self.path.exists():
            raise StoreError(f"{name}: there is no results store at {display_path(self.path)} (nothing "
                                 f"classified yet, or a mistyped --db); nothing was read or deleted.")
        if self.path.exists() and not self.path.is_file():  # a folder, a device (/dev/null), a pipe
            raise StoreError(f"{name}: {display_path(self.path)} is not a file, so it cannot be a results store; "
                             f"choose a file with --db.")
        try:
            private_dir(self.path.parent)
            if not self.path.exists():  # created owner-only: it holds patient IDs and file names
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self.db = sqlite3.connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            why = getattr(exc, "strerror", None) or exc
            length = len(os.fsencode(os.path.abspath(self.path)))
            if isinstance(exc, sqlite3.Error) and length >= LONGEST_PATH and sys.platform != "win32":
                why = f"its path is {length} bytes long; SQLite opens paths of fewer than {LONGEST_PATH}"
            raise StoreError(f"{name}: the results store cannot be opened ({why}); choose another with --db.")
        try:
            self._check_ours()
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as exc:
                if "not a database" in str(exc) or "malformed" in str(exc):
                    raise
                # e.g. a network share: SQLite keeps its rollback journal
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=10000")
            # What is deleted is overwritten, not left in free pages (some builds of SQLite leave it).
            self.db.execute("PRAGMA secure_delete=ON")
            # A damaged store would go on taking results into a file that may lose them: stop at once.
            problem = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if problem != "ok":
                raise sqlite3.DatabaseError(f"damaged: {problem}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            kind = getattr(exc, "sqlite_errorname", "")
            # Not damaged: not writable here (read-only files, or a folder where SQLite cannot make its
            # -shm and -wal files beside the store: an immutable folder, a read-only share).
            if kind.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")):
                raise StoreError(f"{name}: the results store cannot be written in {display_path(self.path.parent)} "
                                 f"({exc}); check that folder's and the file's write permissions, or choose "
                                 f"another store with --db.")
            from covidxray_desktop.imaging.detect import sniff  # only here: the store opens before any film

            film = sniff(self.path) if kind.startswith("SQLITE_NOTADB") else None  # an image picked by mistake
            if film:  # "move it aside" would send staff after a patient's film
                raise StoreError(f"{name}: a {film.upper()} image, not a results store; it was left as it is. "
                                 f"Choose another file with --db.")
            raise StoreError(f"{name}: not a usable results store ({exc}); move it aside or choose another with --db.",
                             aside=not kind.startswith("SQLITE_BUSY"))  # locked
        except StoreError:
            self.db.close()
            raise

    def _check_ours(self) -> None:
        """Refuse another application's SQLite file: our tables must never be added to it."""
        app = self.db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                "AND name NOT LIKE 'sqlite_%'")}
        if app not in (0, APPLICATION_ID) or tables - TABLES:
            raise StoreError(f"{self.name}: this is another application's database, not a results store; it "
                                 f"was left as it is. Choose another file with --db.")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self.db.close()
            raise StoreError(f"{self.name}: this results store was written by a newer version of the app "
                             f"(schema {version}); update the app or choose another store with --db.", aside=True)
        fresh = not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='results'").fetchone()
        if fresh:
            self.db.executescript(RESULTS)
        elif version == SCHEMA_VERSION:
            return
        # All steps or none: sqlite3 opens no transaction before DDL by itself, so say BEGIN.
        level, self.db.isolation_level = self.db.isolation_level, None
        try:
            self.db.execute("BEGIN IMMEDIATE")  # a second process upgrading waits, then finds it done
            # Read again under the lock; 0 is a results table created just now, in version 1's layout.
            version = self.db.execute("PRAGMA user_version").fetchone()[0] or 1
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.rollback()  # none when BEGIN itself failed (locked): its error is the one to tell
            raise
        finally:
            self.db.isolation_level = level

    def _write(self, sql: str, args=(), many: bool = False) -> sqlite3.Cursor:
        """One statement, or with `many` one per row of `args`, in one transaction."""
        try:
            with self.db:
                return (self.db.executemany if many else self.db.execute)(sql, args)
        except sqlite3.DatabaseError as exc:  # locked, full disk, or damaged since it was opened
            raise StoreError(f"{self.name}: the results store cannot be written ({exc}).") from None

    def _read(self, sql: str, args=()) -> list:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.name}: the results store cannot be read ({exc}); move it aside or "
                                 f"choose another with --db.") from None

    def _read_in(self, sql: str, values: list) -> list:
        """The rows of `sql`, whose `IN ({})` takes `values` 500 at a time (SQLite bounds a
        statement's parameters)."""
        rows = []
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            rows += self._read(sql.format(",".join("?" * len(chunk))), chunk)
        return rows

    # --- models and batches -----------------------------------------------------------------
    def remember_model(self, bundle) -> None:
        """The model's own threshold and figures (figures.own), kept for every result it makes."""
        from covidxray_desktop.model import figures, operating

        card = bundle.card
        metrics = figures.own(card)
        # and at each of its operating points, for the results made there (the report cites those)
        metrics["points"] = {name: at for name in operating.points(card) if (at := figures.at_point(card, name))}
        metrics["other_pneumonias"] = figures.other_pneumonias(card)  # what a "COVID-19" can also mean
        # An older store kept an adapted model's base figures: its own replace them.
        self._write("INSERT INTO models (model_hash, ident, threshold, metrics, arch, path, first_used) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT(model_hash) DO UPDATE SET metrics = excluded.metrics",
                    (bundle.hash, bundle.ident, float(card["threshold"]), json.dumps(metrics), card.get("arch", ""),
                     display_path(bundle.path), now()))

    def models(self) -> dict:
        """model_hash -> {ident, threshold, metrics, arch, path}."""
        rows = self._read("SELECT model_hash, ident, threshold, metrics, arch, path FROM models")
        return {h: {"ident": i, "threshold": t, "metrics": _json(m, {}), "arch": a, "path": p}
                for h, i, t, m, a, p in rows}

    def batch_start(self, name: str, model_hash: str) -> int:
        # display_path: a name that is not UTF-8 (kept as surrogates) cannot go into SQLite as it is.
        return self._write("INSERT INTO batches (name, model_hash, created_at) VALUES (?,?,?)",
                           (display_path(name), model_hash, now())).lastrowid

    def batch_finish(self, batch_id: int, summary: dict, model_hash: str | None = None) -> None:
        """`model_hash`: the model whose summary this is, where it is not the one the batch started with
        (another model loaded meanwhile: the batch ran again under it)."""
        self._write("UPDATE batches SET summary=?, model_hash=COALESCE(?, model_hash) WHERE id=?",
                    (json.dumps(summary), model_hash, batch_id))

    def batch_summaries(self, ids) -> list:
        """[{name, model_hash, ...summary}] of these finished batches, oldest first (the PDF's shift lines)."""
        ids = sorted({int(i) for i in ids if i is not None})
        rows = self._read_in("SELECT name, model_hash, summary FROM batches WHERE summary IS NOT NULL AND id IN ({}) "
                             "ORDER BY id", ids)
        return [dict(json.loads(summary), name=name, model_hash=h) for name, h, summary in rows]

    # --- results ------------------------------------------------------------------------------
    def record(self, result: Result) -> bool:
        """Store a result; False when it is not one to keep (an error of the moment, or nothing read).

        A result reused from the store gets a row of its own under a new name (a copy, a renamed
        file), dated now; under a name it already has, it replaces that row, answer included (the
        newest stored answer of its content, which a copy classified later may have changed), so
        the history says what the latest report said."""
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
                      look=None if result.look is None else np.asarray(result.look, np.float16).tobytes(),
                      seconds=round(result.seconds, 4), batch=result.batch, listed=1)
        if result.reused:  # recorded again now: its row, here and in the CSV, says so
            result.created_at = values["created_at"] = now()
        names, marks = ", ".join(values), ", ".join("?" * len(values))
        self._write(f"INSERT OR REPLACE INTO results ({names}) VALUES ({marks})", tuple(values.values()))
        return True

    def lookup(self, sha256: str, model_hash: str, made_with: str) -> Result | None:
        """The latest stored result of this content by this bundle run the same way (after a forced
        run, its newest answer): only answers (ok or refused), never an error, which may pass another time."""
        rows = self._read(f"SELECT {COLUMNS} FROM results WHERE sha256=? AND model_hash=? AND made_with IS ? "
                          f"AND status IN ('ok', 'rejected') ORDER BY created_at DESC LIMIT 1",
                          (sha256, model_hash, made_with))
        result = _result(rows[0]) if rows else None
        return result if result is not None and result.status != "error" else None

    def count_stored(self, paths) -> int:
        """How many of these files have a stored result (by any model): a resumed queue's finished part."""
        raw = [os.fsencode(str(p)) for p in paths]
        return sum(n for (n,) in self._read_in("SELECT COUNT(DISTINCT path_raw) FROM results WHERE path_raw IN ({})",
                                               raw))

    def history(self, since: str | None = None, listed: bool = False) -> list[Result]:
        """Stored results, oldest first; `since` a YYYY-MM-DD date (recorded on or after it);
        `listed`: only those not taken off the window's list."""
        day = parse_day(since) if since else "0000-01-01"
        rows = self._read(f"SELECT {_SHOWN} FROM results WHERE date(created_at) >= date(?) "
                          f"{'AND listed = 1 ' if listed else ''}ORDER BY created_at, path", (day,))
        return [_result(r) for r in rows]

    def unlist(self, results) -> None:
        """Take these results off the window's list for good (they stay stored, and come back on
        it when their film is classified or dropped again, or with `relist`)."""
        # The window's key: a file overwritten under its name must not come back with an older answer.
        self._write("UPDATE results SET listed = 0 WHERE model_hash=? AND path=?",
                    [(r.model_hash, r.shown_path) for r in results], many=True)

    def relist(self) -> list[Result]:
        """Results taken off the list put back, oldest first; not an answer older than its name's newest."""
        rows = self._read(f"SELECT {_SHOWN} FROM results WHERE {_PUT_BACK} ORDER BY created_at, path")
        self._write(f"UPDATE results SET listed = 1 WHERE {_PUT_BACK}")
        return [_result(r) for r in rows]

    def count_before(self, before: str) -> int:
        """How many results `forget(before)` would delete."""
        return self._read("SELECT COUNT(*) FROM results WHERE date(created_at) < date(?)", (parse_day(before),))[0][0]

    def forget(self, before: str) -> int:
        """Delete results recorded before a YYYY-MM-DD date (retention of patient data), and the
        window's queue entries from then or naming those files; returns the results deleted."""
        day = parse_day(before)
        gone = _with_folders(r[0] for r in self._read("SELECT path FROM results WHERE date(created_at) < date(?)",
                                                      (day,)))
        try:
            with self.db:
                n = self.db.execute("DELETE FROM results WHERE date(created_at) < date(?)", (day,)).rowcount
                self.db.execute("DELETE FROM batches WHERE date(created_at) < date(?)", (day,))
                for entry_id, paths, created in self.db.execute("SELECT id, paths, created_at FROM queue").fetchall():
                    named = {_folder_key(display_path(p)) for p in _json(paths, [])}
                    if str(created)[:10] < day or named & gone:  # a forgotten file, or a folder holding one
                        self.db.execute("DELETE FROM queue WHERE id=?", (entry_id,))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.name}: the results store cannot be written ({exc}); nothing was "
                                 f"deleted.") from None
        if n:
            self._shrink()
        return n

    def _shrink(self) -> None:
        """Give the forgotten results' room back and write the store whole again, so that no copy of
        them stays in the file or its journal. Skipped while another copy of the app reads it."""
        self.db.execute("PRAGMA busy_timeout=500")  # not the 10 s a write waits: a busy store is left as it is
        try:
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError:
            pass  # busy: the pages were overwritten with zeros all the same (secure_delete)
        finally:
            self.db.execute("PRAGMA busy_timeout=10000")

    # --- the window's queue -------------------------------------------------------------------
    def queue_add(self, name: str, paths) -> int:
        cur = self._write("INSERT INTO queue (name, paths, state, created_at) VALUES (?,?,?,?)",
                          (display_path(name), json.dumps([str(p) for p in paths]), "queued", now()))
        return cur.lastrowid

    def queue_set_state(self, entry_id: int, state: str) -> None:
        self._write("UPDATE queue SET state=? WHERE id=?", (state, entry_id))

    def queue_unfinished(self) -> list[dict]:
        """Queue entries that neither finished nor were cancelled: a crash or a reboot cut them short."""
        rows = self._read("SELECT id, name, paths, state FROM queue WHERE state NOT IN "
                          "('done', 'cancelled', 'resumed', 'failed') ORDER BY id")
        return [{"id": i, "name": n, "paths": _json(p, []), "state": st} for i, n, p, st in rows]

    def close(self) -> None:
        self.db.close()


def _with_folders(paths, flavour=os.path) -> set[str]:
    """These paths and every folder above each, as `_folder_key` spells them: a queue entry names a
    file or a folder. `flavour`: os.path, or ntpath to check Windows' spelling anywhere."""
    found = set()
    for path in paths:
        while True:
            found.add(_folder_key(path, flavour))
            path, below = flavour.dirname(path), path
            if path == below or not path:
                break
    return found


def _folder_key(path: str, flavour=os.path) -> str:
    """One spelling of a path: normalised (on Windows backslashes, any case) and without a trailing
    separator (`/` stays `/`, `C:\\` becomes `C:`)."""
    key = flavour.normcase(flavour.normpath(path))
    return key.rstrip(flavour.sep + (flavour.altsep or "")) or key


def _json(text, default):
    """A stored JSON value, or `default` when the stored text is damaged."""
    try:
        return json.loads(text) if text else default
    except (ValueError, TypeError, RecursionError):
        return default


_COLUMN_NAMES = [c.strip() for c in COLUMNS.split(",")]
_TEXT = ("message", "patient_id", "study_uid", "study_date", "model_hash", "operating_point", "made_with")
_NUMBERS = ("p_covid", "threshold", "seconds", "ood_score", "outside_share", "size", "mtime")


def _result(row) -> Result:
    """A stored row as a Result. A damaged heat map or feature vector costs only itself; a row that
    cannot be read at all becomes an error row saying so, and the other rows stay readable."""
    from covidxray_desktop.model.cam import HeatMap

    values = dict(zip(_COLUMN_NAMES, row))
    raw, heat, features, look = values.pop("path_raw"), values.pop("heat"), values.pop("features"), values.pop("look")
    try:
        values["path"] = os.fsdecode(raw) if isinstance(raw, bytes) and raw else str(values["path"])
        values = {k: ("" if v is None and k in _TEXT else v) for k, v in values.items()}
        wrong = [k for k, v in values.items() if k in _NUMBERS and v is not None and not isinstance(v, (int, float))
                 or k not in _NUMBERS and k != "batch" and not isinstance(v, str)]
        if wrong:
            raise TypeError(", ".join(wrong))
        result = Result(**values, reused=True)
    except (TypeError, ValueError) as exc:
        shown = display_path(str(values.get("path") or "?"))
        return Result(shown, "error", message=f"{display_name(shown)}: this stored result is damaged ({exc}); it "
                                              f"is shown without its answer.",
                      created_at=str(values.get("created_at") or ""), reused=True)
    for name, blob in (("features", features), ("look", look)):
        if blob:
            try:
                setattr(result, name, np.frombuffer(blob, np.float16).astype(np.float32))
            except (ValueError, TypeError):
                setattr(result, name, None)  # the shift test's part goes without this film (so does batch.Summary)
    if heat:
        try:
            result.heat = HeatMap.from_bytes(heat)
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            result.heat = None  # a damaged map costs the picture, not the result
    return result

