"""A clinic re-runs yesterday's folder: done files are not classified again, and results can be listed and pruned."""
import csv
import io
import shutil
import sqlite3
from pathlib import Path

import pytest
from factory import chest_like, save_png8

from covidxray_desktop.cli import main


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out.out))), out.err


def test_a_second_run_reuses_stored_results_even_for_a_renamed_file(tmp_path, tiny_bundle, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        save_png8(folder / f"x{i}.png", chest_like(128, i))
    db = tmp_path / "r.sqlite3"
    base = ["classify", "--model", str(tiny_bundle.path), "--db", str(db)]
    code, first, _ = run(base + ["--quiet", str(folder)], capsys)
    assert code == 0 and len(first) == 3
    shutil.move(folder / "x0.png", folder / "renamed.png")
    code, second, err = run(base + [str(folder)], capsys)
    assert code == 0 and len(second) == 3
    assert "3 files were already classified" in err
    assert {r["path"].rsplit("/", 1)[-1] for r in second} == {"renamed.png", "x1.png", "x2.png"}
    by_status = sorted((r["status"], r["label"], r["p_covid"]) for r in second)
    assert by_status == sorted((r["status"], r["label"], r["p_covid"]) for r in first)
    code, forced, err = run(base + ["--force", str(folder)], capsys)
    assert "already classified" not in err and len(forced) == 3
    # x0.png's row from the first run stays, and renamed.png has its own: the history names both.
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0] == 4


def test_the_history_says_what_the_latest_report_of_a_film_said(tmp_path, tiny_bundle, capsys):
    # A film first run at a custom threshold, then again at the default point, is served from the
    # store: the second report said "balanced", and the history kept saying "custom".
    save_png8(tmp_path / "a.png", chest_like(128, 1))
    db = str(tmp_path / "r.sqlite3")
    base = ["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", db, str(tmp_path / "a.png")]
    _, (first,), _ = run(base + ["--threshold", "0.001"], capsys)
    _, (second,), _ = run(base, capsys)
    assert (first["operating_point"], first["label"]) == ("custom", "covid")
    assert second["operating_point"] != "custom" and second["p_covid"] == first["p_covid"]
    _, (stored,), _ = run(["history", "--db", db], capsys)
    assert {k: stored[k] for k in ("label", "p_covid", "threshold", "operating_point", "recorded_at")} == \
        {k: second[k] for k in ("label", "p_covid", "threshold", "operating_point", "recorded_at")}
    assert first["recorded_at"] <= second["recorded_at"] and len(second["recorded_at"]) == 19  # 2026-12-07T16:20:05


def test_a_history_piped_into_a_reader_that_has_gone_ends_quietly(tmp_path, tiny_bundle, capsys):
    # `covidxray history | head -2` printed "standard output: cannot be written (Broken pipe)" and exit 2.
    import os
    import subprocess
    import sys
    from pathlib import Path

    save_png8(tmp_path / "a.png", chest_like(128, 1))
    db = str(tmp_path / "r.sqlite3")
    run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", db, str(tmp_path / "a.png")], capsys)
    reader, writer = os.pipe()
    os.close(reader)  # the reader has stopped before the first line
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root), XDG_STATE_HOME=str(tmp_path / "state"))
    try:
        done = subprocess.run([sys.executable, "-m", "covidxray_desktop", "history", "--db", db], stdout=writer,
                              stderr=subprocess.PIPE, env=env, cwd=root)
    finally:
        os.close(writer)
    assert done.returncode == 141 and done.stderr == b"", done.stderr
    # classify's --pdf is then not written: that is said, on the terminal still open
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([sys.executable, "-m", "covidxray_desktop", "classify", "--db", db, "--pdf",
                               str(tmp_path / "day.pdf"), str(tmp_path / "a.png")], stdout=writer,
                              stderr=subprocess.PIPE, env=env, cwd=root, text=True)
    finally:
        os.close(writer)
    assert done.returncode == 141 and "no pdf was written to" in done.stderr, done.stderr
    assert not (tmp_path / "day.pdf").exists()


def test_history_lists_and_forget_prunes(tmp_path, tiny_bundle, capsys):
    save_png8(tmp_path / "a.png", chest_like(128, 1))
    db = str(tmp_path / "r.sqlite3")
    run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", db, str(tmp_path / "a.png")], capsys)
    code, rows, _ = run(["history", "--db", db], capsys)
    assert code == 0 and [r["path"].rsplit("/", 1)[-1] for r in rows] == ["a.png"]
    assert list(rows[0].keys())[:7] == ["path", "status", "label", "p_covid", "message", "model", "seconds"]
    assert run(["history", "--db", db, "--since", "2999-01-01"], capsys)[1] == []
    assert main(["forget", "--before", "yesterday", "--db", db]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    # ISO basic and week dates used to pass the check and then compare as text: refused now.
    for bad in ("20250701", "2025-W27", "2025-07-01T00:00", "2025-13-01"):
        assert main(["forget", "--before", bad, "--db", db]) == 2
        assert main(["history", "--since", bad, "--db", db]) == 2
    capsys.readouterr()
    assert main(["forget", "--before", "2000-01-01", "--db", db]) == 0
    assert "deleted 0 stored results" in capsys.readouterr().out
    # A year mistyped (2999, 2062 for 2026) would delete everything: a day still to come is refused,
    # tomorrow means "all of them", and --dry-run counts first.
    assert main(["forget", "--before", "2999-01-01", "--db", db]) == 2
    assert "still to come; nothing was deleted" in capsys.readouterr().err
    import datetime as dt

    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert main(["forget", "--before", tomorrow, "--dry-run", "--db", db]) == 0
    assert "1 stored results were recorded before" in capsys.readouterr().out
    assert len(run(["history", "--db", db], capsys)[1]) == 1
    assert main(["forget", "--before", tomorrow, "--db", db]) == 0
    said = capsys.readouterr().out
    assert "deleted 1 stored results" in said and "heat-map pictures" in said and "not touched" in said
    assert run(["history", "--db", db], capsys)[1] == []


def test_killing_classify_at_random_moments_loses_nothing_and_corrupts_nothing(tmp_path, tiny_bundle):
    """SIGKILL mid-batch, several times; the last run finishes with every file exactly once."""
    import os
    import random
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(400):  # a few seconds of work, so the kills land mid-batch too
        save_png8(folder / f"f{i:03d}.png", chest_like(96, 1000 + i))
    db = tmp_path / "r.sqlite3"
    cmd = [sys.executable, "-m", "covidxray_desktop", "classify", "--quiet", "--model", str(tiny_bundle.path),
           "--db", str(db), "--csv", os.devnull, str(folder)]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    def stored():
        try:
            return sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.Error:  # not created yet
            return 0

    rng = random.Random(5)
    done_after_kills = []
    # One kill while the model may still be loading, then kills at random points inside the batch.
    for target in [None] + sorted(rng.sample(range(5, 300), 3)):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        if target is None:
            time.sleep(rng.uniform(0.5, 3.0))
        while target is not None and stored() < target and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done_after_kills.append(stored())
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    paths = [p for (p,) in con.execute("SELECT path FROM results")]
    print(f"kill test: {len(done_after_kills)} SIGKILLs, results stored at each kill {done_after_kills}, "
          f"{len(paths)} rows for 400 files, duplicates {len(paths) - len(set(paths))}")
    assert len(paths) == len(set(paths)) == 400
    assert any(0 < n < 400 for n in done_after_kills), done_after_kills  # kills did land mid-batch


def test_anonymised_exports_carry_file_names_only(tmp_path, tiny_bundle, capsys):
    save_png8(tmp_path / "patient 42.png", chest_like(128, 4))
    db = str(tmp_path / "r.sqlite3")
    _, rows, _ = run(["classify", "--quiet", "--anonymise", "--model", str(tiny_bundle.path), "--db", db,
                      str(tmp_path / "patient 42.png")], capsys)
    assert rows[0]["path"] == "patient 42.png"
    assert main(["history", "--db", db, "--anonymise", "--csv", str(tmp_path / "h.csv")]) == 0
    exported = list(csv.DictReader(open(tmp_path / "h.csv", encoding="utf-8")))
    assert [r["path"] for r in exported] == ["patient 42.png"]


def test_a_dicoms_patient_and_study_day_go_into_the_csv_unless_anonymised(tmp_path, tiny_bundle, capsys):
    # The CSV had no patient column: a clinic matched rows to patients by file names like IM000012.
    from factory import write_dicom

    film = write_dicom(tmp_path / "IM000012", chest_like(128, 5))  # PatientID TEST-0001, StudyDate 20200401
    db = str(tmp_path / "r.sqlite3")
    for anonymise, patient, day in ((False, "TEST-0001", "2020-04-01"), (True, "", "")):
        _, rows, _ = run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", db, str(film)]
                         + (["--anonymise"] if anonymise else []), capsys)
        assert (rows[0]["patient_id"], rows[0]["study_date"]) == (patient, day)


def test_the_log_says_what_ran_but_names_no_file(tmp_path, tiny_bundle, capsys):
    from covidxray_desktop.logs import log_dir

    save_png8(tmp_path / "Doe_Jane_1960.png", chest_like(128, 6))
    main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
          str(tmp_path / "Doe_Jane_1960.png")])
    text = (log_dir() / "covidxray.log").read_text(encoding="utf-8")
    assert "classify: 1 files" in text and "Doe" not in text


def test_a_results_store_from_the_first_version_opens_and_keeps_its_rows(tmp_path):
    from covidxray_desktop.store import SCHEMA_VERSION, Store

    old = tmp_path / "v1.sqlite3"
    db = sqlite3.connect(old)
    db.executescript("""
        CREATE TABLE results (
            sha256 TEXT NOT NULL, model_hash TEXT NOT NULL, model TEXT NOT NULL,
            path TEXT NOT NULL, size INTEGER, mtime REAL,
            status TEXT NOT NULL, label TEXT, p_covid REAL, ood_score REAL, message TEXT, seconds REAL,
            patient_id TEXT, study_uid TEXT, study_date TEXT, created_at TEXT NOT NULL,
            PRIMARY KEY (sha256, model_hash));
        INSERT INTO results VALUES ('abc', 'm1', 'default@x', '/ward/a.png', 10, 0, 'ok', 'covid', 0.91, 0.5,
                                    '', 0.01, 'P-7', '1.2.3', '20200401', '2026-01-02T10:00:00');
        PRAGMA user_version=1;""")
    db.commit()
    db.close()

    store = Store(old)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    [row] = store.history()
    assert row.p_covid == 0.91 and row.patient_id == "P-7" and row.threshold is None
    assert row.operating_point == ""  # made before operating points had names
    assert store.lookup("abc", "m1", "route 1; onnx, lungs") is None  # made before the store said how the model ran
    from covidxray_desktop.results import Result

    store.record(Result("/ward/b.png", "ok", p_covid=0.2, threshold=0.05, operating_point="screening", sha256="def",
                        model="default@x", model_hash="m1", made_with="route 1; onnx, lungs"))
    found = store.lookup("def", "m1", "route 1; onnx, lungs")
    assert (found.threshold, found.operating_point) == (0.05, "screening")
    entry = store.queue_add("ward 3", ["/ward/a.png"])  # the table the new version added
    assert store.queue_unfinished()[0]["id"] == entry
    store.close()


def test_a_store_from_a_newer_app_is_refused_with_a_sentence(tmp_path):
    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.store import SCHEMA_VERSION, Store

    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(CovidXrayError, match="newer version"):
        Store(newer)


def test_an_unfinished_queue_is_remembered_until_it_is_done(tmp_path):
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    first = store.queue_add("folder A", ["/a/1.png", "/a/2.png"])
    second = store.queue_add("2 files", ["/b/1.png"])
    store.queue_set_state(first, "done")
    store.close()
    reopened = Store(tmp_path / "r.sqlite3")  # after a reboot
    assert [(e["id"], e["paths"]) for e in reopened.queue_unfinished()] == [(second, ["/b/1.png"])]


def test_forget_also_clears_queued_batches_naming_the_forgotten_files(tmp_path):
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    store.record(Result("/ward/a.png", "ok", p_covid=0.2, threshold=0.5, model="m@1", model_hash="h", sha256="s" * 64,
                        created_at="2020-01-02T10:00:00"))
    store.queue_add("ward", ["/ward"])
    store.queue_add("other", ["/elsewhere/b.png"])
    store.queue_add("the ward, typed with a slash", ["/ward/"])
    store.queue_add("the film itself", ["/elsewhere/c.png", "/ward/a.png"])
    store.queue_add("the whole disk", ["/"])
    store.queue_add("a ward whose name starts alike", ["/ward2", "/war"])
    assert store.forget("2021-01-01") == 1
    assert [e["name"] for e in store.queue_unfinished()] == ["other", "a ward whose name starts alike"]


def test_forgetting_films_on_windows_clears_the_entries_of_their_folder_drive_and_share_however_spelled():
    """Windows spells one folder many ways (`C:/ward/` from a drop, `c:\\ward` typed, `D:\\` a CD):
    an entry naming a forgotten film's folder, drive or share goes, and one beside them stays."""
    import ntpath

    from covidxray_desktop.store import _folder_key, _with_folders

    gone = _with_folders(["C:\\ward\\a.png", "\\\\srv\\share\\cd\\IM1.dcm"], ntpath)
    named = {p: _folder_key(p, ntpath) in gone for p in (
        "C:\\", "c:/ward/", "C:\\WARD", "C:\\ward\\a.png", "\\\\srv\\share", "\\\\srv\\share\\cd\\",
        "D:\\", "C:\\ward2", "C:\\war", "\\\\srv\\other")}
    assert [p for p, hit in named.items() if not hit] == ["D:\\", "C:\\ward2", "C:\\war", "\\\\srv\\other"]


def test_delete_and_put_back_find_a_years_rows_by_an_index_not_by_reading_the_whole_store(tmp_path):
    """Delete or Clear the list runs one update per row: each read the whole table (a year's store,
    20,000 rows: minutes on the window's thread). Every statement they run must search an index."""
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    for i in range(3):
        store.record(Result(f"/ward/IM{i}.png", "ok", p_covid=0.2, threshold=0.5, model="m@1", model_hash="h",
                            sha256=f"{i}" * 64, created_at="2026-03-05T10:00:00"))
    ran = []
    store.db.set_trace_callback(ran.append)
    store.unlist(store.history())
    store.relist()
    store.db.set_trace_callback(None)
    updates = [sql for sql in ran if sql.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 4  # three taken off, one put back
    for sql in updates:
        plan = [row[-1] for row in store.db.execute("EXPLAIN QUERY PLAN " + sql)]
        # Putting back looks at every row taken off (a scan of `results`), but never scans for a newer
        # answer of each (`n`); taking off searches for its row.
        scans = [step for step in plan if step.startswith("SCAN") and step != "SCAN results"]
        assert not scans and any("USING" in step and "INDEX results_path" in step for step in plan), plan
        if "listed = 0 WHERE" in sql:
            assert not any(step.startswith("SCAN") for step in plan), plan
    store.close()


def test_output_paths_never_overwrite_an_input_or_the_store(tmp_path, tiny_bundle, capsys):
    folder = tmp_path / "victim"
    folder.mkdir()
    save_png8(folder / "006f3a8a.jpg", chest_like(96, 1))
    db = tmp_path / "v.db"
    before = (folder / "006f3a8a.jpg").read_bytes()
    base = ["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(db)]
    assert main(base + [str(folder), "--csv", str(folder / "006f3a8a.jpg")]) == 2
    assert main(base + [str(folder), "--pdf", str(folder / "006f3a8a.jpg")]) == 2
    assert main(base + [str(folder), "--csv", str(db)]) == 2
    assert main(base + [str(folder), "--heatmaps", str(folder / "maps")]) == 2
    (tmp_path / "link").symlink_to(folder)  # the same folder under another name
    assert main(base + [str(folder), "--heatmaps", str(tmp_path / "link" / "maps")]) == 2
    assert main(["history", "--db", str(db), "--csv", str(db)]) == 2
    assert (folder / "006f3a8a.jpg").read_bytes() == before
    assert "input" in capsys.readouterr().err


def test_no_output_overwrites_another_results_store_or_any_database(tmp_path, tiny_bundle, capsys):
    """Last year's store, a ward's own store, another program's database: none is the store this run
    uses, and a list written over one destroys every result it kept."""
    import sqlite3

    from covidxray_desktop.store import Store

    film = sorted(tiny_bundle.folder.glob("covid_*.png"))[0]
    last_year = tmp_path / "results-2025.sqlite3"
    Store(last_year).close()
    theirs = tmp_path / "billing.db"
    sqlite3.connect(theirs).execute("CREATE TABLE invoices (n INTEGER)").connection.close()
    kept = {p: p.read_bytes() for p in (last_year, theirs)}
    base = ["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "this-year.db"), str(film)]
    for option in ("--csv", "--summary", "--pdf"):
        assert main(base + [option, str(last_year)]) == 2
        assert f"{option} {last_year} is a results store; it would be overwritten" in capsys.readouterr().err
        assert main(base + [option, str(theirs)]) == 2
        assert "is a database; it would be overwritten" in capsys.readouterr().err
    assert main(["history", "--db", str(tmp_path / "this-year.db"), "--csv", str(last_year)]) == 2
    assert all(p.read_bytes() == data for p, data in kept.items())


def test_a_store_that_stops_taking_results_mid_batch_is_said_with_how_far_the_run_got(tmp_path, tiny_bundle, capsys,
                                                                                       monkeypatch):
    """Another copy of the app holding the store past its wait: the line says what is where, as Ctrl+C's does."""
    from covidxray_desktop.errors import StoreError
    from covidxray_desktop.store import Store

    folder = tmp_path / "ward"
    folder.mkdir()
    for i in range(5):
        save_png8(folder / f"x{i}.png", chest_like(128, i))
    record, taken = Store.record, []

    def locked_after_two(store, result):
        if len(taken) == 2:
            raise StoreError("r.sqlite3: the results store cannot be written (database is locked).")
        taken.append(record(store, result))

    monkeypatch.setattr(Store, "record", locked_after_two)
    out = tmp_path / "ward.csv"
    code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.sqlite3"),
                 str(folder), "--csv", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "(database is locked); stopped after 2 of 5 files" in err
    assert f"{out}.partial holds those 2 rows" in err and "the same command again runs only the rest" in err
    assert len(list(csv.DictReader(open(f"{out}.partial")))) == 2 and not out.exists()


def test_a_heat_map_overlay_is_recognised_and_refused_as_input(tmp_path, tiny_bundle, capsys):
    film = sorted(tiny_bundle.folder.glob("covid_*.png"))[0]
    maps = tmp_path / "maps"
    run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
         "--heatmaps", str(maps), str(film)], capsys)
    overlay = next(maps.glob("*.png"))
    _, rows, _ = run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                      str(overlay)], capsys)
    assert rows[0]["status"] == "error" and "heat-map picture made by this app" in rows[0]["message"]


def test_a_failed_heat_map_costs_its_row_the_picture_never_the_batch(tmp_path, tiny_bundle, capsys):
    films = tmp_path / "films"
    films.mkdir()
    long = films / ("x" * 240 + ".png")
    save_png8(long, chest_like(128, 2))
    save_png8(films / "b.png", chest_like(128, 3))
    maps = tmp_path / "maps"
    maps.mkdir()
    maps.chmod(0o500)  # not writable (root writes anyway: then the long name is the test)
    try:
        code, rows, _ = run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                             "--heatmaps", str(maps), str(films)], capsys)
    finally:
        maps.chmod(0o700)
    assert code == 0 and len(rows) == 2  # every film has its row


def test_csv_cells_cannot_run_as_spreadsheet_formulas(tmp_path):
    from covidxray_desktop.results import Result
    from covidxray_desktop.results.csv_export import write

    rows = [Result(str(tmp_path / "=HYPERLINK(x).png"), "error", message="=cmd|' /C calc'!A0"),
            Result(str(tmp_path / "+1.png"), "error", message="@SUM(A1)"),
            Result(str(tmp_path / "-2.png"), "error", message="\tTAB")]
    write(tmp_path / "out.csv", rows, anonymise=True)
    cells = [c for r in csv.reader(open(tmp_path / "out.csv", encoding="utf-8")) for c in r]
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


def test_the_store_and_its_folder_are_private_and_a_broken_store_is_named(tmp_path):
    import os
    import stat

    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "private" / "r.sqlite3")
    store.close()
    assert stat.S_IMODE(os.stat(tmp_path / "private").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "private" / "r.sqlite3").st_mode) == 0o600
    (tmp_path / "broken.sqlite3").write_bytes(b"SQLite format 3\0" + b"garbage" * 500)
    with pytest.raises(CovidXrayError, match="broken.sqlite3"):
        Store(tmp_path / "broken.sqlite3")


def test_errors_of_the_moment_are_never_stored_as_results(tmp_path, tiny_bundle, capsys):
    missing, here = tmp_path / "gone.png", tmp_path / "here.png"
    save_png8(here, chest_like(128, 2))
    db = tmp_path / "r.db"
    run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(db), str(missing), str(here)], capsys)
    stored = sqlite3.connect(db).execute("SELECT path FROM results").fetchall()
    assert [Path(p).name for (p,) in stored] == ["here.png"]  # "file not found" is not an answer to keep
    save_png8(missing, chest_like(128, 1))  # it is there now: it is classified, not "file not found"
    _, rows, _ = run(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(db), str(missing)], capsys)
    assert rows[0]["status"] in ("ok", "rejected")


def test_an_answer_is_reused_only_by_the_same_model_run_the_same_way(tmp_path):
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    store.record(Result("/ward/IM1.png", "rejected", threshold=0.5, model="m@1", model_hash="h", sha256="s" * 64,
                        made_with="route 1; onnx, lungs_int8"))
    assert store.lookup("s" * 64, "h", "route 1; onnx, lungs_int8").status == "rejected"
    assert store.lookup("s" * 64, "h", "route 1; onnx, lungs") is None  # another segmenter export: other masks
    assert store.lookup("s" * 64, "h", "route 2; onnx, lungs_int8") is None  # decoding has changed since
    assert store.lookup("s" * 64, "other", "route 1; onnx, lungs_int8") is None  # another model
    store.close()


def test_putting_rows_back_leaves_a_films_older_answer_off_when_it_was_saved_again_since(tmp_path):
    # IM1 was cleared from the list in March, then saved again under its name and classified in
    # April: putting the rows back brings IM2, not March's IM1 beside April's (at this start or the next).
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    for path, sha, day in (("/ward/IM1.png", "a", "03-05"), ("/ward/IM2.png", "b", "03-05")):
        store.record(Result(path, "ok", p_covid=0.2, threshold=0.5, model="m@1", model_hash="h", sha256=sha * 64,
                            created_at=f"2026-{day}T10:00:00"))
    store.unlist(store.history())
    store.record(Result("/ward/IM1.png", "ok", p_covid=0.9, threshold=0.5, model="m@1", model_hash="h",
                        sha256="c" * 64, created_at="2026-04-01T10:00:00"))
    assert [r.path for r in store.relist()] == ["/ward/IM2.png"]
    assert sorted((r.path, r.p_covid) for r in store.history(listed=True)) == [("/ward/IM1.png", 0.9),
                                                                              ("/ward/IM2.png", 0.2)]
    store.close()


def test_a_copy_of_a_film_classified_again_gets_its_newest_answer_not_its_first(tmp_path):
    # March's forced run of a copy of IM1 gave a new answer: IM1 dropped again in April is served that
    # one, its own row says so, and the next drop still gets it.
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    for path, p, day in (("/ward/IM1.png", 0.2, "2026-01-05"), ("/ward/old/IM1.png", 0.8, "2026-03-05")):
        store.record(Result(path, "ok", p_covid=p, threshold=0.5, model="m@1", model_hash="h", sha256="s" * 64,
                            created_at=f"{day}T10:00:00", made_with="route 1; onnx"))
    served = store.lookup("s" * 64, "h", "route 1; onnx")
    assert served.p_covid == 0.8
    store.record(served.with_changes(path="/ward/IM1.png", created_at="2026-04-01T10:00:00"))
    assert {r.path: r.p_covid for r in store.history()}["/ward/IM1.png"] == 0.8
    assert store.lookup("s" * 64, "h", "route 1; onnx").p_covid == 0.8


def test_forgotten_results_leave_no_trace_in_the_store_file_and_give_its_room_back(tmp_path):
    """Deleted rows stayed in the file's free pages (SQLite built without secure delete, as some are)
    and the file never shrank: a 336 MB store stayed 336 MB after forgetting 22,400 results."""
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    path = tmp_path / "r.sqlite3"
    store = Store(path)
    store.db.execute("PRAGMA secure_delete=OFF")  # as such a build would leave it, to show what the shrink does
    for n in range(400):
        store.record(Result(f"/ward/SMITH^JOHN-{n:04d}.png", "ok", p_covid=0.2, threshold=0.5, model="m@1",
                            model_hash="h", sha256=f"{n:064d}", patient_id=f"PAT-{n:04d}",
                            created_at="2020-01-02T10:00:00"))
    store.record(Result("/ward/kept.png", "ok", p_covid=0.2, threshold=0.5, model="m@1", model_hash="h",
                        sha256="k" * 64))
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.stat().st_size
    assert store.forget("2021-01-01") == 400
    store.close()
    left = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("r.sqlite3"))
    assert b"SMITH^JOHN" not in left and b"PAT-0" not in left and b"kept.png" in left
    assert path.stat().st_size < before / 2


def test_a_store_deeper_than_sqlite_can_open_says_its_path_is_too_long(tmp_path):
    # SQLite opens paths of fewer than 512 bytes; past that it said only "unable to open database file".
    import sys

    from covidxray_desktop.errors import StoreError
    from covidxray_desktop.store import Store

    if sys.platform == "win32":
        pytest.skip("SQLite's limit on Windows is another")
    deep = tmp_path
    while len(str(deep)) < 600:
        deep = deep / ("folder-" + "x" * 60)
    deep.mkdir(parents=True)
    with pytest.raises(StoreError, match=r"cannot be opened \(its path is \d+ bytes long; SQLite opens paths of fewer "
                                         r"than 512\); choose another with --db"):
        Store(deep / "results.sqlite3")


def test_a_batch_run_again_under_another_model_is_summed_up_under_that_model(tmp_path):
    # Another model loaded mid-batch runs the batch again under it: its shift line was said of the first.
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.sqlite3")
    batch = store.batch_start("ward 3", "first-model")
    store.batch_finish(batch, {"files": 2}, "second-model")
    kept = store.batch_start("ward 4", "first-model")
    store.batch_finish(kept, {"files": 1})
    assert [(b["name"], b["model_hash"]) for b in store.batch_summaries([batch, kept])] == [
        ("ward 3", "second-model"), ("ward 4", "first-model")]
