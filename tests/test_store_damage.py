"""The results store when something is wrong with it: damaged, someone else's, mistyped, or one bad row."""
import csv
import io
import json
import os
import sqlite3

import pytest

from covidxray_desktop.cli import main
from covidxray_desktop.errors import CovidXrayError, StoreError
from covidxray_desktop.results import Result
from covidxray_desktop.store import Store


def stored(path, sha="s" * 64, **extra) -> Result:
    return Result(str(path), "ok", p_covid=0.7, threshold=0.5, model="m@1", model_hash="h", sha256=sha, **extra)


def history_rows(db, capsys) -> tuple[int, list, str]:
    code = main(["history", "--db", str(db)])
    out = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out.out))), out.err


def test_a_damaged_store_is_refused_at_open_instead_of_taking_more_results(tmp_path, capsys):
    db = tmp_path / "ward.sqlite3"
    store = Store(db)
    for i in range(400):
        store.record(stored(f"/ward/{i}.png", sha=f"{i:064d}", message="x" * 200))
    store.close()
    data = bytearray(db.read_bytes())
    middle = len(data) // 4096 // 2 * 4096
    data[middle:middle + 16] = b"\xff" * 16  # a disk error in the middle of the results
    db.write_bytes(bytes(data))
    with pytest.raises(CovidXrayError, match="ward.sqlite3"):
        Store(db)
    code, _, err = history_rows(db, capsys)
    assert code == 2 and "ward.sqlite3" in err and "Traceback" not in err


def test_another_applications_database_is_left_alone(tmp_path, capsys):
    theirs = tmp_path / "accounts.db"
    db = sqlite3.connect(theirs)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    db.commit()
    db.close()
    before = theirs.read_bytes()
    for args in (["history", "--db", str(theirs)], ["forget", "--before", "2000-01-01", "--db", str(theirs)]):
        assert main(args) == 2
        assert "accounts.db" in capsys.readouterr().err
    with pytest.raises(CovidXrayError, match="another application"):
        Store(theirs)  # what classify and the window open
    assert theirs.read_bytes() == before


def test_a_mistyped_db_for_history_or_forget_creates_nothing(tmp_path, capsys):
    typo = tmp_path / "resluts.sqlite3"
    assert main(["history", "--db", str(typo)]) == 2
    assert main(["forget", "--before", "2000-01-01", "--db", str(typo)]) == 2
    assert "resluts.sqlite3" in capsys.readouterr().err
    assert not typo.exists()


def test_two_files_with_the_same_bytes_both_stay_in_the_history(tmp_path, capsys):
    db = tmp_path / "r.sqlite3"
    store = Store(db)
    store.record(stored("/ward/a.png"))
    store.record(stored("/ward/copy-of-a.png"))
    store.record(stored("/ward/a.png").with_changes(p_covid=0.8))  # run again with --force: replaces its own row
    store.close()
    code, rows, _ = history_rows(db, capsys)
    assert code == 0 and sorted(r["path"] for r in rows) == ["/ward/a.png", "/ward/copy-of-a.png"]


def test_a_store_of_the_previous_version_keeps_its_rows(tmp_path):
    db = tmp_path / "v3.sqlite3"
    store = Store(db)
    store.record(stored("/ward/a.png"))
    store.close()
    old = sqlite3.connect(db)  # the same store as the previous version wrote it (one row per content)
    old.executescript("PRAGMA user_version=3;")
    old.close()
    reopened = Store(db)
    assert [r.path for r in reopened.history()] == ["/ward/a.png"]
    reopened.record(stored("/ward/b.png"))
    assert len(reopened.history()) == 2


def test_a_store_another_copy_of_the_app_is_upgrading_is_said_to_be_locked_not_damaged(tmp_path):
    # Two copies of the app started after an update: the second waits for the first's upgrade, then
    # says the store is locked; moving it aside (the way out for a damaged one) would do harm.
    from covidxray_desktop.errors import StoreError

    db = tmp_path / "v3.sqlite3"
    Store(db).close()
    old = sqlite3.connect(db)
    old.executescript("PRAGMA user_version=3;")
    old.isolation_level = None
    old.execute("BEGIN IMMEDIATE")  # the first copy, upgrading
    with pytest.raises(StoreError) as caught:
        Store(db)
    old.execute("ROLLBACK")
    old.close()
    assert "database is locked" in str(caught.value) and not caught.value.aside
    assert len(Store(db).history()) == 0  # and once it is free, it opens


def test_a_name_that_is_not_utf8_can_be_a_batch_of_its_own(tmp_path):
    from covidxray_desktop import batch

    name = os.fsdecode(b"M\xfcller.png")
    store = Store(tmp_path / "r.sqlite3")
    batch_id = store.batch_start(batch.name([str(tmp_path / name)]), "h")
    store.queue_add(batch.name([name]), [name])
    name_stored = store.db.execute("SELECT name FROM batches WHERE id=?", (batch_id,)).fetchone()[0]
    assert name_stored == "M\\xfcller.png"


def test_one_damaged_row_leaves_the_rest_of_the_history_readable(tmp_path, capsys):
    db = tmp_path / "r.sqlite3"
    store = Store(db)
    for name in ("a.png", "b.png", "c.png", "d.png", "e.png"):
        store.record(stored(f"/ward/{name}", sha=name * 13))
    deep = b"[" * 100_000 + b"]" * 100_000
    store.db.execute("UPDATE results SET features=x'010203' WHERE path='/ward/a.png'")
    store.db.execute("UPDATE results SET heat=? WHERE path='/ward/b.png'", (len(deep).to_bytes(4, "little") + deep,))
    store.db.execute("UPDATE results SET p_covid='not a number' WHERE path='/ward/c.png'")
    store.db.execute("UPDATE results SET message=x'00ff' WHERE path='/ward/e.png'")
    store.db.commit()
    store.close()
    code, rows, err = history_rows(db, capsys)
    assert code == 0 and "Traceback" not in err
    by_name = {r["path"]: r for r in rows}
    assert set(by_name) == {"/ward/a.png", "/ward/b.png", "/ward/c.png", "/ward/d.png", "/ward/e.png"}
    assert by_name["/ward/a.png"]["p_covid"] == by_name["/ward/b.png"]["p_covid"] == "0.7000"
    for damaged in ("/ward/c.png", "/ward/e.png"):
        assert by_name[damaged]["status"] == "error" and "damaged" in by_name[damaged]["message"]
    json.dumps(rows)


def test_a_lone_file_whose_name_is_not_utf8_is_classified_and_listed(tmp_path, tiny_bundle, capsys):
    from factory import chest_like, save_png8

    film = tmp_path / os.fsdecode(b"M\xfcller.png")  # from an old Windows share
    save_png8(film, chest_like(128, 4))
    db = tmp_path / "r.sqlite3"
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(db), str(film)]) == 0
    capsys.readouterr()
    code, rows, _ = history_rows(db, capsys)
    assert code == 0 and [r["path"].rsplit("/", 1)[-1] for r in rows] == ["M\\xfcller.png"]


def test_a_device_or_a_folder_given_as_the_store_is_refused_before_sqlite_touches_it(tmp_path):
    for where in (os.devnull, tmp_path):
        with pytest.raises(CovidXrayError, match="is not a file, so it cannot be a results store") as caught:
            Store(where)
        assert not caught.value.aside  # nothing to move aside


READ_ONLY = """
import sys
from covidxray_desktop.store import Store
try:
    Store(sys.argv[1], create=False)
except Exception as exc:
    print(exc, getattr(exc, "aside", None))
"""


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="permissions as on Linux and macOS")
def test_a_store_in_a_folder_the_user_cannot_write_is_said_to_be_read_only_not_damaged(tmp_path):
    """A shared store on a read-only share: "move it aside" would send staff after a file that is fine."""
    import shutil
    import subprocess
    import sys

    Store(tmp_path / "ward" / "r.sqlite3").close()
    (tmp_path / "ward").chmod(0o555)
    command = [sys.executable, "-c", READ_ONLY, str(tmp_path / "ward" / "r.sqlite3")]
    if os.geteuid() == 0:  # root writes anywhere: run it without that power
        if shutil.which("setpriv") is None:
            pytest.skip("as root, setpriv is needed to drop the power to write anywhere")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps=-all", *command]
    try:
        said = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    finally:
        (tmp_path / "ward").chmod(0o755)
    assert "the results store cannot be written in" in said and "write permissions" in said, said
    assert said.strip().endswith("False") and "move it aside" not in said


def test_a_store_whose_folder_sqlite_cannot_add_its_files_to_is_not_called_damaged(tmp_path, monkeypatch):
    # An immutable folder or a read-only share: SQLite opens the store but cannot make its -shm file
    # beside it ("unable to open database file"), and the store was "not usable ... move it aside".
    Store(tmp_path / "r.sqlite3").close()

    def cannot_open(self):
        error = sqlite3.OperationalError("unable to open database file")
        error.sqlite_errorname = "SQLITE_CANTOPEN"
        raise error

    monkeypatch.setattr(Store, "_check_ours", cannot_open)
    with pytest.raises(StoreError) as error:
        Store(tmp_path / "r.sqlite3")
    assert "cannot be written in" in str(error.value) and "move it aside" not in str(error.value)
    assert not error.value.aside


def test_a_film_given_as_the_store_is_named_a_film_not_a_store_to_move_aside(tmp_path):
    # `--db ward/COVID/308.jpg` said "not a usable results store ... move it aside": a patient's film.
    from factory import chest_like, save_png8

    film = tmp_path / "308.png"
    save_png8(film, chest_like(64, 1))
    with pytest.raises(StoreError) as error:
        Store(film)
    assert "a PNG image, not a results store; it was left as it is" in str(error.value)
    assert "move it aside" not in str(error.value) and not error.value.aside
    assert film.read_bytes()[:4] == b"\x89PNG"
