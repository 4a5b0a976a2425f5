"""A clinic's batch whose outputs cannot be written: it says so at once, naming the file, and never
leaves a half-written CSV without saying so."""
import errno
import os
import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from factory import chest_like, save_png8

from covidxray_desktop.cli import main


def films(folder, n=3):
    folder.mkdir()
    for i in range(n):
        save_png8(folder / f"x{i}.png", chest_like(128, i))
    return folder


@pytest.mark.parametrize("limit", ["nan", "inf", "-1"])
def test_a_decode_limit_that_is_not_a_number_of_seconds_is_refused_at_once(tmp_path, capsys, limit):
    db = tmp_path / "r.db"
    assert main(["classify", "--decode-limit", limit, "--db", str(db), str(films(tmp_path / "in"))]) == 2
    assert "--decode-limit" in capsys.readouterr().err and not db.exists()  # before any file is read


def test_a_read_only_output_folder_is_named_before_any_film_is_read(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        target = locked / "report.pdf"
        if os.access(locked, os.W_OK):  # root writes anyway: a folder nobody can write into
            target = "/sys/report.pdf"
        db = tmp_path / "r.sqlite3"
        code = main(["classify", "--quiet", "--db", str(db), "--pdf", str(target), str(films(tmp_path / "in"))])
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and "report.pdf" in err and "cannot be written" in err
    assert not db.exists()  # nothing was classified, nothing stored


@pytest.mark.parametrize("command", ["train", "adapt"])
def test_a_model_folder_that_cannot_be_written_is_named_before_any_training(tmp_path, capsys, monkeypatch, command):
    from factory import class_folders

    def never(*args, **kwargs):
        raise AssertionError("the job started")

    monkeypatch.setattr(f"covidxray_desktop.training.{'job.train' if command == 'train' else 'adapt.adapt'}", never)
    data = class_folders(tmp_path / "site", per_class=2, size=64)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        folder = locked if not os.access(locked, os.W_OK) else Path("/sys")  # root writes anyway, not into /sys
        out = folder / ("models" if command == "train" else "site.keras")
        code = main([command, str(data), "--out", str(out), "--quiet"])
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and "--out" in err and "cannot be written" in err, err


def test_a_full_disk_is_named_before_any_film_is_read(tmp_path, capsys, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage(10 << 30, 10 << 30, 0))
    code = main(["classify", "--quiet", "--db", str(tmp_path / "r.db"), "--summary", str(tmp_path / "s.json"),
                 str(films(tmp_path / "in"))])
    err = capsys.readouterr().err
    assert code == 2 and "s.json" in err and "disk is full" in err


def test_a_disk_that_fills_mid_batch_stops_it_with_the_csv_named_and_yesterdays_csv_kept(tmp_path, tiny_bundle,
                                                                                          capsys, monkeypatch):
    from covidxray_desktop.results import csv_export

    written = []
    real = csv_export.Writer.write

    def fills_up(self, result, heatmap=""):
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(result)
        real(self, result, heatmap)

    monkeypatch.setattr(csv_export.Writer, "write", fills_up)
    out = tmp_path / "out.csv"
    out.write_text("path,status\nyesterday.png,ok\n")
    os.chmod(out, 0o600)
    code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--csv", str(out), str(films(tmp_path / "in"))])
    err = capsys.readouterr().err
    assert code == 2 and "No space left" in err and "Traceback" not in err
    assert "out.csv.partial holds its rows so far and" in err and "out.csv is left as it was" in err
    assert out.read_text() == "path,status\nyesterday.png,ok\n"  # not emptied, not half replaced
    partial = tmp_path / "out.csv.partial"
    assert len(partial.read_text().splitlines()) == 2 and oct(partial.stat().st_mode & 0o777) == "0o600"

    monkeypatch.setattr(csv_export.Writer, "write", real)  # space again: the whole run takes the name
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--csv", str(out), str(tmp_path / "in")]) == 0
    assert len(out.read_text().splitlines()) == 1 + len(list((tmp_path / "in").iterdir()))
    assert not partial.exists() and oct(out.stat().st_mode & 0o777) == "0o600"


def test_a_csv_that_cannot_take_its_name_after_the_batch_says_every_film_was_classified(tmp_path, tiny_bundle,
                                                                                        capsys, monkeypatch):
    real = os.replace

    def share_gone(src, dst, *args, **kwargs):  # the rename at the end of the batch, and nothing else
        if str(src).endswith(".partial"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", share_gone)
    out = tmp_path / "out.csv"
    out.write_text("path,status\nyesterday.png,ok\n")
    code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--csv", str(out), str(films(tmp_path / "in"))])
    err = capsys.readouterr().err
    assert code == 2 and "all 3 files were classified" in err and "stopped" not in err, err
    assert "out.csv.partial holds every row" in err and out.read_text() == "path,status\nyesterday.png,ok\n"
    assert len((tmp_path / "out.csv.partial").read_text().splitlines()) == 4


def test_a_check_whose_json_cannot_be_written_stops_before_scoring(tmp_path, capsys):
    from factory import class_folders

    site = class_folders(tmp_path / "site", per_class=2, size=96)
    assert main(["evaluate", str(site), "--json", "/sys/check.json", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "check.json" in err and "cannot be written" in err


def test_history_into_a_full_disk_says_the_list_is_incomplete(tmp_path, capsys, monkeypatch):
    import io
    import sys

    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    store = Store(tmp_path / "r.db")
    store.record(Result("/ward/a.png", "ok", p_covid=0.4, threshold=0.5, model="m@1", model_hash="h", sha256="a" * 64))
    store.close()

    class Full(io.StringIO):
        def flush(self):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sys, "stdout", Full())
    assert main(["history", "--db", str(tmp_path / "r.db")]) == 2
    err = capsys.readouterr().err
    assert "standard output" in err and "No space left" in err and "incomplete" in err


def test_a_heat_map_folder_that_cannot_be_made_is_named_before_any_film_is_read(tmp_path, capsys):
    code = main(["classify", "--quiet", "--db", str(tmp_path / "r.db"), "--heatmaps", "/sys/maps/today",
                 str(films(tmp_path / "in"))])
    err = capsys.readouterr().err
    assert code == 2 and "--heatmaps" in err and "cannot be written" in err
    assert not (tmp_path / "r.db").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_json_report_into_a_pipe_goes_down_the_pipe_and_leaves_it_a_pipe(tmp_path):
    # `evaluate --json /dev/stdout | jq` or a named pipe: a report written beside and renamed onto it
    # would replace the pipe (or /dev/stdout itself) with a file and leave its reader waiting.
    import json
    import stat
    import threading

    from covidxray_desktop.commands.writing import write_json

    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    write_json(pipe, {"auc": 0.99})
    reader.join(10)
    assert json.loads(got[0]) == {"auc": 0.99} and stat.S_ISFIFO(os.stat(pipe).st_mode)
    write_json(tmp_path / "report.json", {"auc": 0.98})  # a plain file: whole or absent, as before
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == {"auc": 0.98}


@pytest.mark.parametrize("option", ["--summary", "--pdf"])
def test_a_batch_summary_or_report_into_a_pipe_goes_down_the_pipe(tmp_path, option):
    import stat
    import threading

    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    assert main(["classify", "--quiet", "--db", str(tmp_path / "r.db"), option, str(pipe),
                 str(films(tmp_path / "in"))]) == 0
    reader.join(60)
    assert got[0].startswith(b"%PDF" if option == "--pdf" else b"{") and stat.S_ISFIFO(os.stat(pipe).st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report")]  # no temp file left beside it


def test_a_history_csv_into_a_pipe_goes_down_the_pipe(tmp_path):
    import stat
    import threading

    db = str(tmp_path / "r.db")
    assert main(["classify", "--quiet", "--db", db, str(films(tmp_path / "in"))]) == 0
    pipe = tmp_path / "list.pipe"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    assert main(["history", "--db", db, "--csv", str(pipe)]) == 0
    reader.join(60)
    assert len(got[0].splitlines()) == 4 and stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_a_disk_that_fills_while_a_rehearsal_store_is_copied_leaves_the_earlier_one_whole(tmp_path, own_model,
                                                                                         monkeypatch):
    """Adapting copies the base's rehearsal store beside the adapted bundle; a copy cut short never
    takes the store's name, so an earlier adaptation's store is whole or replaced, never half."""
    from types import SimpleNamespace

    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.training import rehearsal

    base = load(own_model)
    earlier = tmp_path / "site.rehearsal.npz"
    earlier.write_bytes(b"an earlier adaptation's store")

    def half(src, dst, *args, **kwargs):
        with open(src, "rb") as fh, open(dst, "wb") as out:
            out.write(fh.read(1000))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copyfile", half)
    with pytest.raises(OSError):
        rehearsal.copy(base, SimpleNamespace(path=tmp_path / "site.keras"))
    assert earlier.read_bytes() == b"an earlier adaptation's store"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["site.rehearsal.npz"]
