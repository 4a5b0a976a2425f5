"""The results store's layout: its tables as first made, and each step that upgrades an older store.

A store says its version in SQLite's user_version; opening one runs the steps after it, all or none
(`store.Store._migrate`). A step is never edited once released: a new need is a new step.
"""

SCHEMA_VERSION = 9
APPLICATION_ID = 0x43585231  # "CXR1": marks an SQLite file as this app's results store
TABLES = {"results", "queue", "models", "batches"}
RESULTS = """
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL, model_hash TEXT NOT NULL, model TEXT NOT NULL,
    path TEXT NOT NULL, size INTEGER, mtime REAL,
    status TEXT NOT NULL, label TEXT, p_covid REAL, ood_score REAL, message TEXT, seconds REAL,
    patient_id TEXT, study_uid TEXT, study_date TEXT, created_at TEXT NOT NULL,
    PRIMARY KEY (sha256, model_hash)
);
"""
# Each step takes a database of the version before it to the next one.
MIGRATIONS = {
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
    # Keyed by path too: two files with the same bytes are two rows of history, not one.
    4: """
CREATE TABLE results_v4 (
    sha256 TEXT NOT NULL, model_hash TEXT NOT NULL, model TEXT NOT NULL,
    path TEXT NOT NULL, size INTEGER, mtime REAL,
    status TEXT NOT NULL, label TEXT, p_covid REAL, ood_score REAL, message TEXT, seconds REAL,
    patient_id TEXT, study_uid TEXT, study_date TEXT, created_at TEXT NOT NULL,
    threshold REAL, path_raw BLOB, outside_share REAL, heat BLOB, batch INTEGER, features BLOB,
    PRIMARY KEY (sha256, model_hash, path)
);
INSERT INTO results_v4 (ALL_COLUMNS) SELECT ALL_COLUMNS FROM results;
DROP TABLE results;
ALTER TABLE results_v4 RENAME TO results;
CREATE INDEX IF NOT EXISTS results_created ON results (created_at);
""".replace("ALL_COLUMNS", "sha256, model_hash, model, path, size, mtime, status, label, p_covid, ood_score, "
                           "message, seconds, patient_id, study_uid, study_date, created_at, threshold, path_raw, "
                           "outside_share, heat, batch, features"),
    # The operating point (balanced, screening, custom...) whose threshold the result was made with.
    5: """
ALTER TABLE results ADD COLUMN operating_point TEXT;
""",
    # The film's thumbnail, for the shift test's look part (model/look.py).
    6: """
ALTER TABLE results ADD COLUMN look BLOB;
""",
    # 0: taken off the window's list (Delete, Clear the list): kept, but not shown there at the next start.
    7: """
ALTER TABLE results ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;
""",
    # How the bundle was run (its segmenter export, the decoding's version): NULL before, never reused.
    8: """
ALTER TABLE results ADD COLUMN made_with TEXT;
""",
    # Delete and Clear the list find rows by name and model, putting rows back looks for a newer answer
    # of each name: without this each looked through the whole table (a year's store: minutes).
    9: """
CREATE INDEX IF NOT EXISTS results_path ON results (path, model_hash, created_at);
""",
}
