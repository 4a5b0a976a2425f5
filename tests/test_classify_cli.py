"""IT points `covidxray classify` at files and folders and gets one CSV row per X-ray."""
import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from factory import chest_like, save_jpeg, save_png8, write_dicom

from covidxray_desktop.cli import main
from covidxray_desktop.results.csv_export import COLUMNS

ROOT = Path(__file__).resolve().parents[1]


def classify(args, capsys):
    code = main(["classify", "--quiet", *map(str, args)])
    out = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out.out))), out


def test_csv_contract_files_folders_and_junk(tmp_path, tiny_bundle, capsys):
    folder = tmp_path / "ward 3 – röntgen"  # spaces and non-ASCII in the path
    (folder / "sub").mkdir(parents=True)
    save_png8(folder / "a.png", chest_like(200, 1))
    write_dicom(folder / "sub" / "IM0001", chest_like(200, 2))  # no extension: found by content
    save_jpeg(folder / "sub" / "b.jpg", chest_like(200, 3))
    (folder / "notes.txt").write_text("not an image")
    (folder / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (folder / "manifest.csv").write_text("file,label\n")
    (folder / "broken.png").write_text("this is text")
    missing = tmp_path / "missing.png"

    code, rows, out = classify(["--model", tiny_bundle.path, folder, missing], capsys)
    assert code == 0
    assert list(rows[0].keys())[:7] == ["path", "status", "label", "p_covid", "message", "model", "seconds"]
    assert list(rows[0].keys()) == COLUMNS
    by_name = {Path(r["path"]).name: r for r in rows}
    assert set(by_name) == {"a.png", "IM0001", "b.jpg", "broken.png", "missing.png"}
    for r in rows:
        assert Path(r["path"]).is_absolute()
        assert r["model"] == tiny_bundle.ident
        assert float(r["seconds"]) >= 0
        if r["status"] == "ok":
            assert r["label"] in ("covid", "normal") and 0 <= float(r["p_covid"]) <= 1
        else:
            assert r["label"] == "" and r["p_covid"] == "" and r["message"]
    assert by_name["missing.png"]["status"] == "error" and "file not found" in by_name["missing.png"]["message"]
    assert by_name["broken.png"]["status"] == "error" and "not an image" in by_name["broken.png"]["message"]
    summary = main_summary(tmp_path, tiny_bundle, folder, capsys)
    assert "3 other files skipped" in summary and "notes.txt: neither an image nor DICOM" in summary


def test_a_file_name_holding_a_terminal_escape_is_printed_escaped_not_obeyed(tmp_path, tiny_bundle, capsys):
    folder = tmp_path / "share"
    folder.mkdir()
    save_png8(folder / "a.png", chest_like(200, 1))
    (folder / "b\x1b]0;pwned\x07\x1b[31m.txt").write_text("a note")  # would retitle and recolour the terminal
    (folder / "病历\u3000说明.txt").write_text("a note")  # an ideographic space is a name's, kept
    summary = main_summary(tmp_path, tiny_bundle, folder, capsys)
    assert "病历\u3000说明.txt" in summary
    assert "\x1b" not in summary and "\x07" not in summary
    assert "skipped " in summary and "b\\x1b]0;pwned\\x07\\x1b[31m.txt" in summary
    gone = folder / "gone\x1b[2J" / "out.csv"  # a refusal names the folder: escaped too
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--csv", str(gone), str(folder)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "gone\\x1b[2J" in err


def test_a_batch_stopped_with_ctrl_c_says_which_outputs_are_partial_or_earlier(tmp_path, tiny_bundle, capsys,
                                                                                monkeypatch):
    from covidxray_desktop.commands import progress

    folder = tmp_path / "ward"
    folder.mkdir()
    for i in range(4):
        save_png8(folder / f"{i}.png", chest_like(128, i))
    (tmp_path / "day.pdf").write_bytes(b"%PDF yesterday's report")
    steps = []

    def step(self, n=1):
        steps.append(n)
        self.done += n
        if len(steps) == 2:
            raise KeyboardInterrupt  # staff press Ctrl+C after the second film

    monkeypatch.setattr(progress.Progress, "step", step)
    code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--csv", str(tmp_path / "day.csv"), "--pdf", str(tmp_path / "day.pdf"),
                 "--summary", str(tmp_path / "day.json"), "--heatmaps", str(tmp_path / "maps"), str(folder)])
    err = capsys.readouterr().err
    assert code == 130
    assert "interrupted; stopped after 2 of 4 files" in err
    assert f"the heat maps drawn so far, some for films past those rows, are in {tmp_path / 'maps'}" in err
    assert "day.csv.partial holds those 2 rows and" in err and "day.csv is left as it was" in err
    assert "no pdf was written to" in err and "(the file there is an earlier run's)" in err
    assert "no summary was written to" in err and "the same command again runs only the rest" in err
    assert len((tmp_path / "day.csv.partial").read_text().splitlines()) == 3  # the header and two rows
    assert not (tmp_path / "day.csv").exists()  # the name never holds a part of a run
    assert (tmp_path / "day.pdf").read_bytes() == b"%PDF yesterday's report" and not (tmp_path / "day.json").exists()


def test_a_batch_the_system_stops_with_sigterm_says_what_it_left_as_ctrl_c_does(tmp_path, tiny_bundle, capsys,
                                                                                 monkeypatch):
    """A shutdown or a job scheduler sends SIGTERM: killed outright, classify said nothing and left
    a .partial file nobody knew about."""
    import os
    import signal
    import threading

    from covidxray_desktop.commands import progress

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread, and this test does not run there")
    folder = tmp_path / "ward"
    folder.mkdir()
    for i in range(4):
        save_png8(folder / f"{i}.png", chest_like(128, i))
    steps = []

    def step(self, n=1):
        steps.append(n)
        self.done += n
        if len(steps) == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(progress.Progress, "step", step)
    before = signal.getsignal(signal.SIGTERM)
    code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--csv", str(tmp_path / "day.csv"), str(folder)])
    err = capsys.readouterr().err
    assert code == 143
    assert "stopped by the system (SIGTERM); stopped after 2 of 4 files" in err
    assert "day.csv.partial holds those 2 rows" in err and "the same command again runs only the rest" in err
    assert signal.getsignal(signal.SIGTERM) is before  # the process's own handling is back


def main_summary(tmp_path, bundle, folder, capsys):
    main(["classify", "--model", str(bundle.path), "--csv", str(tmp_path / "out.csv"), str(folder)])
    return capsys.readouterr().err


def test_rows_are_written_as_files_finish_and_csv_goes_to_a_file(tmp_path, tiny_bundle, capsys):
    for i in range(3):
        save_png8(tmp_path / f"x{i}.png", chest_like(128, i))
    target = tmp_path / "results.csv"
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--csv", str(target), str(tmp_path)]) == 0
    rows = list(csv.DictReader(open(target, encoding="utf-8")))
    assert len(rows) == 3


def test_threshold_override_moves_the_label(tmp_path, tiny_bundle, capsys):
    save_png8(tmp_path / "x.png", chest_like(128, 5))
    _, low, _ = classify(["--model", tiny_bundle.path, "--threshold", "0.001", tmp_path / "x.png"], capsys)
    _, high, _ = classify(["--model", tiny_bundle.path, "--threshold", "0.999", tmp_path / "x.png"], capsys)
    if low[0]["status"] == "ok":
        assert low[0]["label"] == "covid" and high[0]["label"] == "normal"


def test_bad_model_and_bad_arguments_exit_non_zero_with_one_line(tmp_path, capsys):
    bogus = tmp_path / "m.keras"
    bogus.write_bytes(b"not a model")
    assert main(["classify", "--model", str(bogus), str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "model card not found" in err
    assert main(["classify", "--model", str(tmp_path / "mistyped.keras"), str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "mistyped.keras: no such model" in err  # not "mistyped.json: card not found"
    proc = subprocess.run([sys.executable, "-m", "covidxray_desktop", "classify"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode != 0 and "PATH" in proc.stderr


def test_heatmaps_have_unique_names_outside_the_inputs(tmp_path, tiny_bundle, capsys):
    inputs = tmp_path / "in"
    for d in ("s1", "s2"):
        (inputs / d).mkdir(parents=True)
        write_dicom(inputs / d / "IM0001", chest_like(160, 7))
    save_png8(inputs / "a.png", chest_like(160, 8))
    save_jpeg(inputs / "a.jpg", chest_like(160, 9))
    heat = tmp_path / "heat"
    code, rows, _ = classify(["--model", tiny_bundle.path, "--heatmaps", heat, "--threshold", "0.5", inputs], capsys)
    assert code == 0
    written = [r["heatmap"] for r in rows if r["status"] == "ok"]
    assert len(set(written)) == len(written) == sum(r["status"] == "ok" for r in rows)
    for w in written:
        assert Path(w).parent == heat and Path(w).exists()
    assert all(r["heatmap"] == "" for r in rows if r["status"] != "ok")
    assert main(["classify", "--model", str(tiny_bundle.path), "--heatmaps", str(inputs / "s1"), str(inputs)]) != 0


def test_a_mistyped_command_is_an_error_not_a_window(capsys):
    with pytest.raises(SystemExit) as done:
        main(["evalute", "data"])
    assert done.value.code == 2
    assert "invalid choice: 'evalute'" in capsys.readouterr().err


def test_a_mistyped_option_is_answered_with_that_commands_usage(capsys):
    # It showed the top-level usage, which lists commands, not the options classify takes.
    with pytest.raises(SystemExit) as done:
        main(["classify", "a.png", "--bogus"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith("usage: covidxray classify")
    assert "covidxray classify: error: unrecognized arguments: --bogus" in err


def test_the_built_apps_console_program_names_itself_in_its_usage(capsys, monkeypatch):
    # On Windows covidxray.exe is the window: usage that said "covidxray classify" sent users typing in
    # the console to a program whose printout goes nowhere.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", [str(Path("covidxray") / "covidxray-cli.exe"), "classify", "--bogus"])
    with pytest.raises(SystemExit):
        main(["classify", "a.png", "--bogus"])
    assert capsys.readouterr().err.startswith("usage: covidxray-cli classify")


def test_help_lists_the_commands_and_the_window(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "classify" in out and "gui" in out


def test_same_film_as_png16_monochrome1_dicom_and_jpeg_gets_the_same_answer(tmp_path, tiny_bundle):
    from covidxray_desktop.inference import Predictor

    img = chest_like(256, 11)
    from factory import save_png16
    save_png16(tmp_path / "a.png", img)
    write_dicom(tmp_path / "b.dcm", img, photometric="MONOCHROME1", bits=12)
    save_jpeg(tmp_path / "c.jpg", img, quality=95)
    rows = list(Predictor(tiny_bundle).run([tmp_path / "a.png", tmp_path / "b.dcm", tmp_path / "c.jpg"]))
    logits = np.array([r.logit for r in rows if r.logit is not None])
    assert len(logits) == 3
    from covidxray_desktop.model.calibration import sigmoid

    p = sigmoid(logits / tiny_bundle.card["calibration"]["temperature"])
    assert p.max() - p.min() <= 0.02


def test_db_records_every_row_with_its_content_hash(tmp_path, tiny_bundle, capsys):
    import sqlite3

    for i in range(2):
        save_png8(tmp_path / f"x{i}.png", chest_like(128, i))
    (tmp_path / "bad.png").write_text("no")
    db = tmp_path / "results.sqlite3"
    code, rows, _ = classify(["--model", tiny_bundle.path, "--db", db, tmp_path], capsys)
    assert code == 0 and len(rows) == 3
    stored = sqlite3.connect(db).execute("SELECT path, status, sha256, model FROM results ORDER BY path").fetchall()
    assert [Path(p).name for p, *_ in stored] == ["bad.png", "x0.png", "x1.png"]
    assert all(len(sha) == 64 and model == tiny_bundle.ident for _, _, sha, model in stored)


def test_an_unwritable_csv_or_a_broken_db_is_one_line_not_a_traceback(tmp_path, tiny_bundle, capsys):
    save_png8(tmp_path / "x.png", chest_like(64))
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--csv", str(tmp_path / "no" / "o.csv"),
                 str(tmp_path / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "bad.db").write_text("not a database at all" * 100)
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "bad.db"),
                 str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("covidxray:") and "\n" not in err


def test_every_csv_row_carries_the_research_use_notice(tmp_path, tiny_bundle, capsys):
    from covidxray_desktop import DISCLAIMER

    save_png8(tmp_path / "a.png", chest_like(128, 5))
    code, rows, _ = classify(["--model", tiny_bundle.path, "--db", tmp_path / "r.db", tmp_path / "a.png"], capsys)
    assert code == 0 and rows and all(r["notice"] == DISCLAIMER for r in rows)


def test_a_summary_is_printed_and_written_and_nothing_classified_is_exit_3(tmp_path, tiny_bundle, capsys):
    import json

    save_png8(tmp_path / "a.png", chest_like(128, 5))
    out = tmp_path / "s.json"
    code, _, err = classify(["--model", tiny_bundle.path, "--db", tmp_path / "r.db", "--summary", out,
                             tmp_path / "a.png"], capsys)
    summary = json.loads(out.read_text())
    assert code == 0 and summary["files"] == 1 and summary["ok"] + summary["rejected"] == 1
    assert set(summary["shift"]) == {"tested", "detected", "p_value", "message"}
    assert summary["shift"]["tested"] is False  # one film is no batch to test
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x.png").write_text("not an image")
    code, _, _ = classify(["--model", tiny_bundle.path, "--db", tmp_path / "r.db", tmp_path / "junk"], capsys)
    assert code == 3


def test_a_pdf_report_is_written_by_the_command_line_as_by_the_window(tmp_path, tiny_bundle, capsys):
    pdfium = pytest.importorskip("pypdfium2")
    import shutil

    folder = tmp_path / "films"
    folder.mkdir()
    for name in ("covid_00.png", "normal_00.png"):  # films the tiny model judges, not refuses
        shutil.copy(tiny_bundle.folder / name, folder / name)
    report = tmp_path / "report.pdf"
    code, _, _ = classify(["--model", tiny_bundle.path, "--db", tmp_path / "r.db", "--pdf", report, folder], capsys)
    assert code == 0
    document = pdfium.PdfDocument(str(report))
    assert len(document) == 3  # the summary, then a page per film
    text = document[1].get_textpage().get_text_range()
    assert "P(COVID)" in text and "Research use only" in text and "Page 2 of 3" in text


def test_the_closing_line_counts_one_file_and_one_error_in_the_singular():
    from covidxray_desktop.batch import Summary

    said = Summary.line(None, {"files": 1, "ok": 0, "covid": 0, "normal": 0, "operating_point": "balanced",
                               "threshold": 0.316, "rejected": 0, "errors": 1,
                               "shift": {"tested": False, "message": "not tested: too few films"}})
    assert said.startswith("1 file: 0 ok") and "1 error;" in said and "files" not in said


def test_a_mistyped_or_empty_folder_is_said_before_last_weeks_outputs_are_touched(tmp_path, tiny_bundle, capsys):
    # A weekly script's typo replaced last week's CSV, PDF and summary with one "file not found" row.
    week = {name: tmp_path / name for name in ("week.csv", "week.pdf", "week.json")}
    for path in week.values():
        path.write_bytes(b"last week's " + path.name.encode())
    (tmp_path / "empty ward").mkdir()
    (tmp_path / "empty ward" / "today.png").symlink_to(week["week.csv"])  # a link is skipped: said why
    outputs = ["--csv", week["week.csv"], "--pdf", week["week.pdf"], "--summary", week["week.json"]]
    for given, said in ((tmp_path / "clnic", "no such file or folder"),
                        (tmp_path / "empty ward", "no X-ray files found (skipped: ")):
        code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                     *map(str, outputs), str(given)])
        err = capsys.readouterr().err
        assert code == 2 and said in err and given.name in err and "no output was written" in err
        assert ("a symbolic link" in err) == (given.name == "empty ward")
        assert all(path.read_bytes() == b"last week's " + path.name.encode() for path in week.values())


def test_an_empty_value_or_an_option_before_the_command_does_nothing_and_says_why(tmp_path, capsys):
    # `--db "$ARCHIVE"` with the variable unset answered from, and `forget` deleted in, the per-user store.
    for argv, said in ((["forget", "--before", "2026-01-01", "--db", ""], "an empty argument after --db"),
                       (["forget", "--before", "2026-01-01", "--db="], "--db was given an empty value"),
                       (["classify", ""], "an empty argument after classify"),
                       (["--db", str(tmp_path / "r.db"), "history"], "options go after the command (covidxray "
                                                                      "history --help lists its own)")):
        assert main(argv) == 2
        assert said in capsys.readouterr().err
