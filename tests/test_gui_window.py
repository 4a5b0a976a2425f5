"""A radiographer drops films and folders on the window, reads the table, and exports it."""
import csv
import shutil
import threading
from pathlib import Path

import pytest
from factory import chest_like, save_png8, write_dicom
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent

from covidxray_desktop.cli import main
from covidxray_desktop.gui.results import COLUMNS
from covidxray_desktop.gui.window import MainWindow

LONG = 120_000  # ms: the first model load and the first batches on a slow 2-core CI machine


@pytest.fixture
def make_window(qtbot, tmp_path, default_bundle):
    made = []

    def make(db=None, model=None):
        settings = QSettings(str(tmp_path / f"settings{len(made)}.ini"), QSettings.IniFormat)
        settings.setValue("confirm_quit", "false")  # tests close windows mid-batch on purpose
        window = MainWindow(model, db or tmp_path / "results.sqlite3", settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model_info is not None, timeout=LONG)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        assert not window.engine._worker.running()  # no orphan worker thread


def drop(window, paths):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)


def films(folder: Path, n: int, size: int = 160) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        save_png8(folder / f"film_{i:03d}.png", chest_like(size, seed=i))
        out.append(folder / f"film_{i:03d}.png")
    return out


def table(window) -> list[dict]:
    return window.visible_rows()


def shown(window, row: int, column: str) -> str:
    return window.proxy.index(row, COLUMNS.index(column)).data()


def test_dropped_real_films_get_the_labels_their_source_says(make_window, shared_data, tmp_path, qtbot):
    covid = [shared_data / f"images/hannover/{n}.jpg" for n in ("1d435a4b", "3a81faf3")]
    normal = [shared_data / f"images/kermany_darshan/NonAugmentedTrain_{n}.jpg" for n in (10, 106)]
    folder = tmp_path / "ward"
    folder.mkdir()
    for f in normal:
        shutil.copy(f, folder / f.name)
    window = make_window()
    drop(window, covid + [folder])  # two files and a folder in one drop: one queue entry
    wait_rows(qtbot, window, 4)
    by_name = {r.name: window.results.label(r) for r in table(window)}
    assert by_name == {**{f.name: "covid" for f in covid}, **{f.name: "normal" for f in normal}}
    assert len(window.queue.entries) == 1 and window.queue.entries[0]["state"] == "done"


def wait_rows(qtbot, window, n):
    qtbot.waitUntil(lambda: window.results.rowCount() >= n and not window.queue.busy(), timeout=LONG)


def export_csv(qtbot, window, path, scope):
    """Export as the user does; the table is written off the window's thread, so wait for it."""
    with qtbot.waitSignal(window.engine.exportDone, timeout=LONG) as done:
        window.export_csv(str(path), scope=scope)
    assert done.args[1] == "" and done.args[3] == "csv", done.args
    return done.args[2]


def test_a_non_image_is_reported_and_never_silently_dropped(make_window, tmp_path, qtbot):
    folder = tmp_path / "mixed"
    films(folder, 2)
    (folder / "notes.txt").write_text("not an image")
    letter = tmp_path / "letter.docx"
    letter.write_bytes(b"PK\x03\x04 not an x-ray")
    window = make_window()
    drop(window, [folder])
    wait_rows(qtbot, window, 2)
    assert "skipped" in window.statusBar().currentMessage()  # the .txt inside the folder
    drop(window, [letter])  # named explicitly: it gets a row with the reason
    wait_rows(qtbot, window, 3)
    [row] = [r for r in table(window) if r.path.endswith("letter.docx")]
    assert row.status == "error" and "letter.docx" in row.message
    assert "letter.docx" in shown(window, window.proxy.rowCount() - 1, "status")  # the reason is in its status


def test_pause_resume_and_cancel_act_on_their_own_batch(make_window, tmp_path, qtbot):
    first = films(tmp_path / "first", 40)
    second = films(tmp_path / "second", 40, size=170)
    window = make_window()
    a = window.enqueue([tmp_path / "first"])
    b = window.enqueue([tmp_path / "second"])
    window.engine.set_state(a, "paused")
    window.engine.set_state(b, "cancelled")
    qtbot.waitUntil(lambda: window.queue.entry(b)["state"] == "cancelled", timeout=LONG)
    qtbot.waitUntil(lambda: window.queue.entry(a)["state"] == "paused", timeout=LONG)
    paused_at = window.results.rowCount()
    qtbot.wait(1500)
    assert window.results.rowCount() == paused_at < len(first)  # nothing moves while paused
    window.engine.set_state(a, "queued")  # resume
    qtbot.waitUntil(lambda: window.queue.entry(a)["state"] == "done", timeout=LONG)
    names = [Path(r.path).parent.name for r in table(window)]
    assert names.count("first") == len(first)  # every file exactly once
    assert names.count("second") < len(second)
    # Over and told, neither batch is kept by the engine: each held its films' shift-test features for
    # the whole session (29 MB a batch of 3,200 films), "Clear finished" or not.
    qtbot.waitUntil(lambda: not window.engine._entries, timeout=LONG)


def test_sort_filter_threshold_and_csv_export_match_the_command_line(make_window, tmp_path, capsys, default_bundle, qtbot):
    folder = tmp_path / "batch"
    films(folder, 6)
    window = make_window()
    drop(window, [folder])
    wait_rows(qtbot, window, 6)

    window.table.sortByColumn(COLUMNS.index("p_covid"), Qt.DescendingOrder)
    shown_p = [float(shown(window, i, "p_covid") or -1) for i in range(window.proxy.rowCount())]
    assert shown_p == sorted(shown_p, reverse=True)

    window.status_filter.setCurrentIndex(window.status_filter.findData("ok"))
    assert all(r.status == "ok" for r in table(window))
    assert "showing" in window.summary_label.text()
    window.status_filter.setCurrentIndex(0)

    ok = [r for r in table(window) if r.status == "ok"]
    if ok:  # a threshold just above one film's P(COVID) makes it Normal; just below, COVID-19
        p = ok[0].p_covid
        window.threshold.setValue(min(0.999, p + 0.001))
        assert window.results.label(ok[0]) == "normal"
        window.threshold.setValue(max(0.001, p - 0.001))
        assert window.results.label(ok[0]) == "covid"
        window.label_filter.setCurrentIndex(window.label_filter.findData("covid"))
        assert ok[0].path in [r.path for r in table(window)]
        assert f"showing {window.proxy.rowCount()} of 6" in window.summary_label.text()
        window.label_filter.setCurrentIndex(0)
    # back to the model's own threshold: its default operating point ("model" on a card with one threshold)
    own = window.points.box.findData(default_bundle.card.get("default_operating_point", "model"))
    assert own >= 0
    window.points.box.setCurrentIndex(own)

    gui_csv = tmp_path / "gui.csv"
    export_csv(qtbot, window, gui_csv, "all")
    assert "Exported 6 row" in window.statusBar().currentMessage()
    cli_csv = tmp_path / "cli.csv"
    assert main(["classify", str(folder), "--csv", str(cli_csv), "--db", str(tmp_path / "other.sqlite3"),
                 "--quiet"]) == 0
    strip = lambda rows: sorted(({k: v for k, v in r.items() if k not in ("seconds", "recorded_at")} for r in rows),
                                key=lambda r: r["path"])  # how long and when differ; every answer is the same
    gui_rows, cli_rows = (list(csv.DictReader(open(p, encoding="utf-8-sig"))) for p in (gui_csv, cli_csv))
    assert gui_rows and strip(gui_rows) == strip(cli_rows)
    # Excel reads a CSV without UTF-8's mark in the PC's code page: the window's, opened by people, has it;
    # the command line's, read by scripts, has not
    assert gui_csv.read_bytes().startswith(b"\xef\xbb\xbf") and not cli_csv.read_bytes().startswith(b"\xef")
    assert all(r["threshold"] == f"{default_bundle.card['threshold']:.4f}" for r in gui_rows if r["status"] == "ok")


def test_the_window_never_stalls_while_200_films_are_classified(tmp_path):
    """Every read, network pass and store write of a 200-film batch runs off the GUI thread, and the
    window's timer keeps ticking throughout (the longest stall is printed; timings belong in bench)."""
    import os
    import re
    import subprocess
    import sys

    films(tmp_path / "many", 200, size=128)
    here = Path(__file__).parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(here / "gui_stall.py"), str(tmp_path / "many"),
                           str(tmp_path / "r.sqlite3"), str(tmp_path / "s.ini")],
                          capture_output=True, text=True, timeout=300, env=env)
    found = re.search(r"rows=(\d+) ticks=(\d+) heavy_calls=(\d+) on_gui_thread=(\S+) longest_stall_ms=(\d+)",
                      done.stdout)
    assert found, done.stdout + done.stderr
    print(found.group(0))
    rows, ticks, heavy, on_gui = int(found[1]), int(found[2]), int(found[3]), found[4]
    assert rows == 200
    assert heavy >= 200  # the watch saw the work: at least a read per film
    assert on_gui == "none"  # none of it on the GUI thread
    assert ticks > 0  # and the window's own timer ran while the batch did


def test_earlier_results_come_back_and_an_unfinished_queue_is_offered(make_window, tmp_path, qtbot):
    films(tmp_path / "day1", 3)
    db = tmp_path / "clinic.sqlite3"
    first = make_window(db=db)
    first.enqueue([tmp_path / "day1"])
    wait_rows(qtbot, first, 3)
    films(tmp_path / "never-run", 3, size=150)
    first.enqueue([tmp_path / "never-run"])  # still queued at closing time
    first.engine.set_state(2, "paused")
    qtbot.waitUntil(lambda: first.queue.entry(2)["state"] == "paused", timeout=LONG)
    first.close()

    second = make_window(db=db)
    qtbot.waitUntil(lambda: second.results.rowCount() == 3, timeout=LONG)
    assert "3 earlier result" in second.statusBar().currentMessage()
    qtbot.waitUntil(lambda: getattr(second, "resume_box", None) is not None, timeout=10_000)
    assert "resume" in second.resume_box.text().lower()
    assert "films 3 (classified" in second.resume_box.text()  # films counted, not folders
    second.enqueue([tmp_path / "day1"])  # the same films again: their rows update, none is added
    qtbot.waitUntil(lambda: not second.queue.busy(), timeout=LONG)
    assert second.results.rowCount() == 3 + sum(Path(r.path).parent.name == "never-run" for r in second.results.rows)
    second.search.setText("day1")
    day1 = [r for r in second.results.rows if Path(r.path).parent.name == "day1"]
    assert len(day1) == 3 and all(r.reused for r in day1)  # taken from the store, not run again
    # their thumbnails come with them (the films were read again), or are drawn when the engine is idle
    qtbot.waitUntil(lambda: all(r.thumbnail is not None for r in day1), timeout=LONG)


def test_a_pdf_report_a_clinician_can_read(make_window, tmp_path, qtbot, shared_data):
    """Rendered, each film page shows the film across most of the page, with the answer beside it."""
    pdfium = pytest.importorskip("pypdfium2")
    import numpy as np

    (tmp_path / "rep").mkdir()
    real = [r["file"] for r in csv.DictReader(open(shared_data / "manifest.csv"))
            if r["split"] == "test" and r["source"] == "rsna_via_covid19radiography"]
    for i, name in enumerate(real[:2]):  # real films: the shipped model answers them (made-up ones it may refuse)
        shutil.copy(shared_data / name, tmp_path / "rep" / f"film_{i:03d}{Path(name).suffix}")
    window = make_window()
    window.enqueue([tmp_path / "rep"])
    wait_rows(qtbot, window, 2)
    window.table.selectAll()
    pdf = tmp_path / "report.pdf"
    with qtbot.waitSignal(window.engine.exportDone, timeout=LONG) as done:
        window.export_pdf(str(pdf), scope="selected")
    assert done.args[1] == "" and done.args[2] == 2
    document = pdfium.PdfDocument(str(pdf))
    assert len(document) == 3  # a summary page, then one page per film
    summary = document[0].get_textpage().get_text_range()
    assert "2 films" in summary and "Research use only" in summary
    page = document[1]
    text = page.get_textpage().get_text_range()
    assert "P(COVID)" in text and "threshold" in text and "Page 2 of 3" in text
    assert f"film_000{Path(real[0]).suffix}" in text
    picture = np.asarray(page.render(scale=1).to_pil().convert("L"))
    film_columns = np.flatnonzero((picture[: picture.shape[0] // 2] < 200).mean(axis=0) > 0.3)
    assert film_columns.size > 0.6 * picture.shape[1]  # the film spans most of the page's width


def test_a_report_keeps_the_threshold_it_was_asked_under_while_the_threshold_moves(make_window, tmp_path, qtbot,
                                                                                   monkeypatch):
    """A report of many films is written on another thread, page by page: moving the threshold
    meanwhile must not label its last pages otherwise than its first."""
    films(tmp_path / "ward", 2)
    window = make_window()
    window.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, window, 2)
    row = window.results.rows[0]
    asked, point = window.results.threshold_of(row), window.results.point_of(row)
    jobs = []
    monkeypatch.setattr(window.engine, "export", jobs.append)  # held, as a long report still being written
    window.export_pdf(str(tmp_path / "report.pdf"), scope="all")
    window.threshold.setValue(0.999 if asked < 0.5 else 0.001)  # she moves on while it is written
    assert window.results.threshold_of(row) != pytest.approx(asked)
    assert jobs[0].threshold_of(row) == asked and jobs[0].point_of(row) == point


def test_exports_say_which_rows_they_write(make_window, tmp_path, qtbot, monkeypatch):
    from covidxray_desktop.results import csv_export

    writers, write = [], csv_export.write
    monkeypatch.setattr(csv_export, "write",
                        lambda *a, **k: writers.append(threading.current_thread()) or write(*a, **k))
    films(tmp_path / "ex", 4)
    window = make_window()
    window.enqueue([tmp_path / "ex"])
    wait_rows(qtbot, window, 4)
    window.search.setText("film_001")
    export_csv(qtbot, window, tmp_path / "shown.csv", "shown")
    assert len(list(csv.DictReader(open(tmp_path / "shown.csv", encoding="utf-8-sig")))) == 1
    assert "Exported 1 row" in window.statusBar().currentMessage()
    export_csv(qtbot, window, tmp_path / "all.csv", "all")  # the filter does not narrow "all"
    assert len(list(csv.DictReader(open(tmp_path / "all.csv", encoding="utf-8-sig")))) == 4
    # a year's rows, or a folder on a network share, never freeze the window while written
    assert len(writers) == 2 and threading.main_thread() not in writers


def test_an_export_never_replaces_the_results_store_the_model_or_a_film(make_window, tmp_path, qtbot, monkeypatch,
                                                                         own_model):
    # The file dialog only asks "replace it?"; a tired click on results.sqlite3 must not cost every result.
    from PySide6.QtWidgets import QMessageBox

    from covidxray_desktop.store import Store

    films(tmp_path / "ward", 2)
    notes = tmp_path / "notes.txt"  # dropped with the films: an error row, and no image
    notes.write_text("Bed 4: repeat film tomorrow")
    last_year = tmp_path / "results-2025.sqlite3"  # another store: not the one in use, as precious
    Store(last_year).close()
    window = make_window(model=str(own_model))  # a copy: were the guard to fail, the shipped model stays whole
    window.enqueue([tmp_path / "ward", notes])
    wait_rows(qtbot, window, 3)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warned.append(text))
    store, film = tmp_path / "results.sqlite3", tmp_path / "ward" / "film_000.png"
    model = Path(window.model_info["files"][1])  # its card
    kept = {p: p.read_bytes() for p in (film, model, notes, last_year)}
    for target, said in ((store, "the results store"), (model, "model in use"), (film, "X-ray on the list"),
                         (notes, "a file on the list"), (last_year, "is a results store")):
        window.export_csv(str(target), scope="all")
        window.export_pdf(str(target), scope="all")
        assert len(warned) == 2 and all(said in w and str(target) in w for w in warned), (target, warned)
        warned.clear()
    assert all(p.read_bytes() == kept[p] for p in kept)
    assert len(window._store.history()) == 3  # the store is still a store
    export_csv(qtbot, window, tmp_path / "results.csv", "all")  # a plain new name is written
    assert not warned and len(list(csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8-sig")))) == 3


def test_a_result_keeps_the_model_that_made_it(make_window, tmp_path, qtbot, tiny_bundle):
    """After switching models, old rows keep their own model's threshold and label; the model
    column says which model; selected rows can be run again with the current one."""
    films(tmp_path / "two", 2)
    window = make_window()
    window.enqueue([tmp_path / "two"])
    wait_rows(qtbot, window, 2)
    first_hash = window.model_info["hash"]
    window.load_model(str(tiny_bundle.path))
    qtbot.waitUntil(lambda: window.model_info["hash"] != first_hash, timeout=LONG)
    window.threshold.setValue(0.999)  # the new model's threshold
    old = [r for r in window.results.rows if r.model_hash == first_hash]
    assert old and all(window.results.threshold_of(r) == r.threshold != 0.999 for r in old)
    assert shown(window, 0, "model").startswith("(not the current model) ")  # before the name the column elides
    window.table.selectAll()
    window.rerun_selected()
    qtbot.waitUntil(lambda: sum(r.model_hash == window.model_info["hash"] for r in window.results.rows) == 2,
                    timeout=LONG)
    assert window.results.rowCount() == 4  # both models' rows, each its own


def test_first_start_shows_where_to_drop_and_the_viewer_explains_its_colours(make_window, tmp_path, qtbot):
    window = make_window()
    assert window.hint.isVisible() and "Drop" in window.hint.label.text()
    films(tmp_path / "one", 1, size=300)
    window.enqueue([tmp_path / "one"])
    wait_rows(qtbot, window, 1)
    assert not window.hint.isVisible()
    window.table.selectRow(0)
    row = window.current_row()
    qtbot.waitUntil(lambda: window.viewer.has_image(), timeout=LONG)
    if row.status == "ok":
        assert window.viewer._legend.isVisible() or not window.isVisible()
        assert "Its answer" in window.viewer._legend_text.text()
        assert "Zoom" in window.viewer._readout.text()


def pause_then_cancel(qtbot, window, entry_id: int) -> None:
    """The running batch's buttons, as she clicks them: pause, then cancel."""
    assert window.queue_panel.target()["id"] == entry_id and window.queue_panel.pause_button.isEnabled()
    window.queue_panel.pause_button.click()
    qtbot.waitUntil(lambda: window.queue.entry(entry_id)["state"] == "paused", timeout=LONG)
    window.queue_panel.cancel_button.click()
    qtbot.waitUntil(lambda: window.queue.entry(entry_id)["state"] == "cancelled", timeout=LONG)


def test_queue_controls_follow_the_running_batch(make_window, tmp_path, qtbot):
    films(tmp_path / "q1", 30)
    films(tmp_path / "q2", 30, size=170)
    window = make_window()
    window.enqueue([tmp_path / "q1"])
    second = window.enqueue([tmp_path / "q2"])
    qtbot.waitUntil(lambda: window.queue.entry(second)["state"] == "running", timeout=LONG)
    pause_then_cancel(qtbot, window, second)
    qtbot.waitUntil(lambda: not window.queue.busy(), timeout=LONG)
    window.queue_panel.clear_button.click()
    assert window.queue.entries == []


def test_a_tampered_model_is_refused_and_the_previous_one_stays(make_window, tmp_path, qtbot, default_bundle):
    bad = tmp_path / "bad.keras"
    data = bytearray(default_bundle.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    shutil.copy(default_bundle.path.with_suffix(".json"), bad.with_suffix(".json"))
    window = make_window()
    before = window.model_info["ident"]
    window.load_model(str(bad))
    qtbot.waitUntil(lambda: getattr(window, "model_box", None) is not None, timeout=LONG)
    assert "previous model stays" in window.model_box.text()
    assert window.model_info["ident"] == before


def test_closing_while_a_batch_runs_stops_cleanly(make_window, tmp_path, qtbot):
    films(tmp_path / "long", 120, size=140)
    window = make_window()
    window.enqueue([tmp_path / "long"])
    qtbot.waitUntil(lambda: window.results.rowCount() > 0, timeout=LONG)
    window.close()
    assert not window.engine._worker.running()  # stopped between rows and joined (how fast belongs in bench)
    assert threading.active_count() < 40


def headings_fit(window) -> bool:
    """Each column of the results table at least as wide as its heading with the sort arrow."""
    header = window.table.horizontalHeader()
    return all(header.sectionSize(i) >= header.sectionSizeHint(i) for i in range(header.count())
               if not header.isSectionHidden(i))


def test_the_results_tables_headings_are_whole_with_the_sort_arrow_beside_them(make_window):
    # "P(COVID)" was cut under the arrow once the table was sorted by it.
    window = make_window()
    window.table.sortByColumn(window.table.model().sourceModel().columnCount() - 1, Qt.AscendingOrder)
    assert headings_fit(window)


def test_the_window_speaks_simplified_chinese_when_asked(make_window, qtbot):
    from PySide6.QtWidgets import QApplication

    from covidxray_desktop import DISCLAIMER
    from covidxray_desktop.gui.app import install_translations, remove_translations

    app = QApplication.instance()
    translators = install_translations(app, "zh_CN")
    try:
        assert translators, "the Simplified Chinese translation did not load"
        window = make_window()
        menus = [a.text() for a in window.menuBar().actions()]
        assert menus[0] == "文件(&F)"
        assert "仅供研究使用" in window.notice()
        assert window.results.headerData(COLUMNS.index("label"), Qt.Horizontal) == "标签"
        from covidxray_desktop.gui.messages import translated

        assert translated("a.png: file not found.") == "a.png：找不到文件。"
        assert translated("a.png: a damaged PNG file; its structure cannot be read.") == "a.png：PNG 文件已损坏，无法读取其结构。"
        note = "multi-page TIFF (3 pages): the first page was used."
        assert translated(note) == "多页 TIFF（3 页）：使用了第一页。"
        from covidxray_desktop.gui.dialogs import DayDialog

        assert "月" in DayDialog(window, window.tr).day.text()  # the calendar's day in Chinese, not "Saturday, 7 …"
        assert headings_fit(window)
        from covidxray_desktop.model import ood

        assert "侧位" in translated(f"{ood.NO_LUNGS}; no prediction.")
        assert "侧位" in translated(f"{ood.NOT_FRONTAL}; no prediction.")
        # a result stored by an earlier release, in its words
        assert "侧位" in translated("not a frontal chest X-ray: no two lung fields side by side were found "
                                   "(a lateral view shows one); no prediction.")
        # About this model: the operating points' rules, written in the card in English, in Chinese
        from covidxray_desktop.gui.dialogs import plain, points_table

        table = points_table(window.model_info["card"], window.tr)
        assert "验证集上新冠敏感度 ≥ 0.9" in table and "sensitivity >=" not in table
        adapted = ("sensitivity >= 0.9 for COVID-19 on the site's 40 adaptation films, each scored by a network "
                   "trained without it (5-fold cross-fitting), then the best balanced accuracy (balanced)")
        assert translated(plain(adapted)) == ("本院的 40 张适配影像（每张影像由未学过该患者的模型版本评分）上"
                                              "新冠敏感度 ≥ 0.9，并取平衡准确率最高者（均衡）")
    finally:
        remove_translations(app, translators)
    assert window.notice() == DISCLAIMER  # the English text is the disclaimer itself


def test_the_window_code_imports_no_tensorflow_so_it_can_show_first():
    import subprocess
    import sys

    code = ("import sys, covidxray_desktop.gui.app, covidxray_desktop.gui.window; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_without_a_display_the_window_command_says_what_to_use_instead():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = subprocess.run([sys.executable, "-m", "covidxray_desktop"], capture_output=True, text=True,
                         timeout=120, env=env, cwd=Path(__file__).parents[1])
    assert out.returncode == 2
    assert "no display" in out.stderr and "classify" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_display_whose_session_has_ended_is_named_instead_of_a_core_dump():
    """DISPLAY left over from a desktop that is gone (a closed remote session): Qt would abort."""
    import ctypes
    import os
    import subprocess
    import sys

    from covidxray_desktop.gui.display import missing_libraries

    try:
        ctypes.CDLL("libxcb.so.1")
    except OSError:
        pytest.skip("no X11 client library here to ask a display with (Qt could not open one either)")
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":6473"  # no X server listens there
    out = subprocess.run([sys.executable, "-m", "covidxray_desktop"], capture_output=True, text=True,
                         timeout=120, env=env, cwd=Path(__file__).parents[1])
    assert out.returncode == 2, out.stderr
    # A PC without Qt's X11 libraries hears of those first: Qt would abort on them before the display.
    said = "the window needs libraries" if missing_libraries() else "display :6473 does not answer"
    assert said in out.stderr and "classify" in out.stderr
    assert "Traceback" not in out.stderr and "core dumped" not in out.stderr


def test_a_linux_pc_without_qts_x11_libraries_is_told_which_packages_to_install(monkeypatch):
    """pip's Qt needs libxcb-icccm4 and others from the system; without them Qt aborts the process."""
    import ctypes
    import sys

    from covidxray_desktop.gui import display

    if not sys.platform.startswith("linux"):
        pytest.skip("Qt's X11 plugin is Linux's")
    real = ctypes.CDLL

    def cdll(name, *args, **kwargs):  # this PC lacks one library: whatever needs it fails to load
        if name == "libxcb-icccm.so.4" or str(name).endswith("libqxcb.so"):
            raise OSError("libxcb-icccm.so.4: cannot open shared object file: No such file or directory")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(display.ctypes, "CDLL", cdll)
    monkeypatch.setattr(display.os.path, "exists", lambda path: True)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    said = display.cannot_open()
    assert "the window needs libraries this system lacks (" in said and "libxcb-icccm.so.4" in said
    assert "sudo apt install libxcb-icccm4" in said and "sudo dnf install" in said and "xcb-util-wm" in said
    assert "covidxray classify" in said


def test_a_pc_whose_opengl_library_is_missing_or_damaged_is_told_which_package_to_install(monkeypatch):
    # In the built app the plugin's error read "…libqxcb.so'. Most likely this dynlib/dll was not found
    # when the application was frozen.": it blamed the build and named no library.
    import ctypes
    import sys

    from covidxray_desktop.gui import display

    if not sys.platform.startswith("linux"):
        pytest.skip("Qt's X11 plugin is Linux's")
    real = ctypes.CDLL

    def cdll(name, *args, **kwargs):
        if str(name).endswith("libqxcb.so"):
            raise OSError("Failed to load dynlib/dll '/opt/covidxray/_internal/PySide6/Qt/plugins/platforms/"
                          "libqxcb.so'. Most likely this dynlib/dll was not found when the application was frozen.")
        if name == "libGL.so.1":
            raise OSError("/lib/x86_64-linux-gnu/libGL.so.1: file too short")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(display.ctypes, "CDLL", cdll)
    monkeypatch.setattr(display.os.path, "exists", lambda path: True)
    monkeypatch.setattr(display, "_loads", lambda name: name != "libGL.so.1")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    said = display.cannot_open()
    assert "lacks (libGL.so.1); on Debian or Ubuntu: sudo apt install libgl1;" in said and "mesa-libGL" in said
    assert "frozen" not in said


def test_settings_come_back_after_a_restart(qtbot, tmp_path, default_bundle):
    settings_file = str(tmp_path / "settings.ini")
    first = MainWindow(None, tmp_path / "r.sqlite3", QSettings(settings_file, QSettings.IniFormat))
    qtbot.addWidget(first)
    first.show()
    qtbot.waitUntil(lambda: first.model_info is not None, timeout=LONG)
    first.resize(1150, 720)
    first.threshold.setValue(0.3)
    first.viewer.opacityChanged.emit(0.8)  # as when the user moves the slider
    first.anonymise.trigger()
    first.close()

    second = MainWindow(None, tmp_path / "r.sqlite3", QSettings(settings_file, QSettings.IniFormat))
    qtbot.addWidget(second)
    second.show()
    qtbot.waitUntil(lambda: second.model_info is not None, timeout=LONG)
    assert second.threshold.value() == pytest.approx(0.3)  # same model: the user's threshold stays
    assert second.viewer.opacity() == pytest.approx(0.8)
    assert second.anonymise.isChecked()
    assert second.height() == 720  # the offscreen test screen is too narrow to check the width too
    second.close()


def test_an_unexpected_engine_error_stops_one_batch_and_the_window_goes_on(make_window, tmp_path, qtbot,
                                                                          monkeypatch):
    from covidxray_desktop import batch

    real_run = batch.run

    def failing(files, *args, **kwargs):
        if any("boom" in str(f) for f in files):
            raise RuntimeError("disk full")
        return real_run(files, *args, **kwargs)

    monkeypatch.setattr(batch, "run", failing)
    films(tmp_path / "boom", 2)
    films(tmp_path / "fine", 2)
    window = make_window()
    bad = window.enqueue([tmp_path / "boom"])
    qtbot.waitUntil(lambda: window.queue.entry(bad)["state"] == "failed", timeout=LONG)
    assert "disk full" in window.problem_box.text()
    good = window.enqueue([tmp_path / "fine"])  # the engine thread is alive and goes on
    qtbot.waitUntil(lambda: window.queue.entry(good)["state"] == "done", timeout=LONG)
    assert window.results.rowCount() == 2


def test_the_same_file_twice_in_one_update_keeps_one_row_and_the_others_in_place():
    from covidxray_desktop.gui.results import ResultsModel
    from covidxray_desktop.results import Result

    model = ResultsModel(0.5)
    row = lambda name, p: Result(f"/ward/{name}", "ok", p_covid=p, threshold=0.5, model="m@1", model_hash="m")
    model.add_rows([row("a.png", 0.1), row("b.png", 0.2), row("a.png", 0.9), row("c.png", 0.3)])
    assert [(r.path, r.p_covid) for r in model.rows] == [("/ward/a.png", 0.9), ("/ward/b.png", 0.2),
                                                          ("/ward/c.png", 0.3)]
    model.add_rows([row("c.png", 0.7)])
    assert model.rows[2].p_covid == 0.7 and model.rowCount() == 3


def test_about_this_model_shows_how_it_did_on_each_source_left_out_of_training():
    from covidxray_desktop.gui.dialogs import model_page
    from covidxray_desktop.model.bundle import read_card
    from covidxray_desktop.model.figures import other_pneumonias
    from covidxray_desktop.paths import default_model

    card = read_card(default_model())
    page = model_page({"card": card, "ident": f"{card['name']}@{card['version']}", "path": "default.keras"},
                      lambda text: text)
    held = card["metrics"]["held_out"]["per_source"]
    assert held  # the sources its leave-one-source-out runs left out
    for source, m in held.items():
        assert f"left out of training: {source}" in page and f"{m['auc']:.3f}" in page
    # a collection's code name says nothing to a clinic: who its films are, beside it
    assert "left out of training: kermany_darshan: children aged 1 to 5 (Guangzhou)" in page
    # ... and says what those rows mean, once: the children's row reads 0.04 with no other word
    assert page.count("Left out of training: the same network trained without that source") == 1
    # how it looks at a film, as the shipped recipe does: the whole film, the lungs for the gate and the map
    assert "It judges the whole film; it finds the lung fields" in page and "judges only them" not in page
    # what a COVID-19 answer can also mean, with the card's own count
    called, judged = other_pneumonias(card)
    assert f"cannot tell COVID-19 from other pneumonias: in its tests it called {called} of {judged} films" in page
    assert "at a hospital it never saw, it called more healthy adults COVID-19" in page
    from covidxray_desktop.gui.dialogs import limits

    adapted = {**card, "adapted_from": {"model": card["name"]}, "metrics": {"site": {"check": {"after": {"n": 60}}}}}
    assert "Its figures are for its own site's check films" in limits(adapted, lambda text: text)  # not a new hospital
    assert "Left out of training:" not in model_page({"card": {**card, "metrics": {}}, "ident": "x@1", "path": "x"},
                                                     lambda text: text)


def test_a_new_threshold_relabels_the_film_on_screen_without_reading_it_again(make_window, shared_data, qtbot):
    window = make_window()
    window.enqueue([shared_data / "images/nih_darkcovidnet/00001470_003.jpg"])  # Normal, P about 0.03
    wait_rows(qtbot, window, 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.viewer.has_image(), timeout=LONG)
    assert window.viewer._legend_text.text().endswith("Its answer: Normal.")
    asked = []
    window.engine.request_detail = asked.append
    window.threshold.setValue(0.001)
    assert window.results.label(window.current_row()) == "covid"
    assert window.viewer._legend_text.text().endswith("Its answer: COVID-19.") and "COVID-19" in window.viewer._caption.text()
    assert asked == [] and window.viewer.has_image()  # the film on screen stays; nothing is read again


def test_closing_the_window_while_the_engine_still_has_news_writes_nothing_to_a_closed_store(make_window, tmp_path,
                                                                                             qtbot):
    """The engine's last words (a batch's state) can still be queued for the window when it closes;
    they are heard before the store closes, never after it."""
    import threading

    films(tmp_path / "one", 1)
    window = make_window()
    window.enqueue([tmp_path / "one"])
    wait_rows(qtbot, window, 1)
    entry = window.queue.entries[0]
    late = threading.Thread(target=window.engine._worker._job.tell, args=(("entryState", entry["id"], "done"),))
    late.start()  # said on another thread, as the engine's own says it: not yet heard by the window
    late.join()
    window.close()
    qtbot.wait(50)  # were it delivered now: "Cannot operate on a closed database" in the slot
    assert window.queue.entry(entry["id"])["state"] == "done"


def test_films_dropped_while_another_copy_holds_the_store_are_classified_and_the_window_says_what_is_lost(
        make_window, tmp_path, qtbot, monkeypatch):
    """The queue kept for a restart cannot be written (the store locked past its wait, a full disk):
    the films are classified all the same, and the status bar says they would not be offered again."""
    from covidxray_desktop.errors import StoreError

    window = make_window()

    def locked(*args, **kwargs):
        raise StoreError("results.sqlite3: the results store cannot be written (database is locked).")

    monkeypatch.setattr(window._store, "queue_add", locked)
    monkeypatch.setattr(window._store, "queue_set_state", locked)
    drop(window, films(tmp_path / "ward", 2))
    said = window.statusBar().currentMessage()
    assert "would not be offered again" in said and "database is locked" in said, said
    wait_rows(qtbot, window, 2)
    assert [e["state"] for e in window.queue.entries] == ["done"]


def test_a_table_exported_as_the_window_closes_is_still_written(make_window, tmp_path, qtbot):
    """The CSV is written in the engine's thread: closing the window right after asking for it
    must not drop it (a long PDF report, by contrast, stops)."""
    films(tmp_path / "ward", 2)
    window = make_window()
    window.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, window, 2)
    with window.engine._wake:  # the engine hears of the export and of the closing at once
        window.export_csv(str(tmp_path / "last.csv"), scope="all")
        window.engine._stop = True
    window.close()
    assert len(list(csv.DictReader(open(tmp_path / "last.csv", encoding="utf-8-sig")))) == 2


def opened(qtbot, tmp_path, model, name):
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.IniFormat)
    settings.setValue("confirm_quit", "false")
    window = MainWindow(model, tmp_path / "results.sqlite3", settings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_store_another_copy_holds_locked_at_start_costs_neither_the_model_nor_an_error_per_row(
        make_window, tmp_path, qtbot):
    """Two copies of the app on one store, the other writing as this one starts: the model loads all
    the same (it was refused as "the results store cannot be written"), and the first batch is kept
    once the store is free."""
    import sqlite3

    films(tmp_path / "ward", 3)
    first = make_window()
    first.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, first, 3)
    first.close()
    other = sqlite3.connect(tmp_path / "results.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the other copy, writing
    window = opened(qtbot, tmp_path, None, "second")
    qtbot.waitUntil(lambda: window.model_info is not None or hasattr(window, "model_box"), timeout=LONG)
    assert window.model_info is not None, window.model_box.text()
    other.execute("ROLLBACK")
    other.close()
    films(tmp_path / "later", 1, size=192)
    window.enqueue([tmp_path / "later"])
    wait_rows(qtbot, window, 4)
    assert not hasattr(window, "problem_box") and len(window._store.history()) == 4
    assert window.model_info["hash"] in window._store.models()  # its figures, for the reports of its results
    window.close()


def test_a_model_that_cannot_load_leaves_the_stored_results_listed_without_an_error_for_each(
        make_window, tmp_path, qtbot):
    """Their pictures are drawn by the model's decoders: without a model they wait, quietly (a
    "Something went wrong" box came up for each of the 110 stored results)."""
    films(tmp_path / "ward", 3)
    first = make_window()
    first.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, first, 3)
    first.close()
    window = opened(qtbot, tmp_path, str(tmp_path / "missing.keras"), "broken")
    qtbot.waitUntil(lambda: hasattr(window, "model_box") and window.results.rowCount() == 3, timeout=LONG)
    qtbot.wait(1500)  # the engine's loop turns many times in this while
    assert not hasattr(window, "problem_box") and len(window.engine._thumbs) == 3  # waiting for a model
    window.close()


def test_a_second_window_on_the_same_store_leaves_the_first_windows_batch_alone(make_window, tmp_path, qtbot):
    """Two copies of the app on one store: the second offered the first's running batch as unfinished,
    where "yes" ran it twice and "no" cancelled it for good, so a crash of the first lost it."""
    films(tmp_path / "ward", 12)
    first = make_window()
    first.enqueue([tmp_path / "ward"])
    first.engine.set_state(1, "paused")  # on its list, unfinished
    qtbot.waitUntil(lambda: first.queue.entry(1)["state"] == "paused", timeout=LONG)
    second = make_window()
    assert second._unfinished == [] and len(second._store.queue_unfinished()) == 1
    qtbot.wait(1000)
    assert getattr(second, "resume_box", None) is None
    films(tmp_path / "desk2", 12, size=150)
    second.enqueue([tmp_path / "desk2"])  # the second window's own batch, unfinished too
    second.engine.set_state(1, "paused")
    qtbot.waitUntil(lambda: second.queue.entry(1)["state"] == "paused", timeout=LONG)
    first.close()  # what is left is kept; the second window now runs the store's queue
    qtbot.waitUntil(lambda: second.queue_claim.held, timeout=30_000)
    third = make_window()  # opened while the second still runs its batch: nothing of it is offered
    qtbot.wait(1000)
    assert third._unfinished == [] and getattr(third, "resume_box", None) is None
    third.close()
    second.close()
    fourth = make_window()
    qtbot.waitUntil(lambda: getattr(fourth, "resume_box", None) is not None, timeout=10_000)
    assert "batches 2" in fourth.resume_box.text()


def test_a_lock_left_by_another_pcs_window_counts_until_it_has_gone_untouched_for_minutes(tmp_path, qtbot):
    """A store in a folder two PCs share: a window that crashed on the other PC must not keep this
    one from ever offering its own unfinished batches again."""
    import os
    import time

    from covidxray_desktop.gui.queue_claim import STALE_MS, QueueClaim

    lock = tmp_path / "results.sqlite3.window"
    lock.write_text("4242\ncovidxray\nward-pc-2\n0\n0\n")  # QLockFile's lines: pid, app, host, machine, boot
    live = QueueClaim(None, tmp_path / "results.sqlite3")
    assert not live.first and not live.held
    live.release()
    then = time.time() - STALE_MS / 1000 - 60
    os.utime(lock, (then, then))
    gone = QueueClaim(None, tmp_path / "results.sqlite3")
    assert gone.first and gone.held
    gone.release()
    assert not lock.exists()


def test_keyboard_and_wheel_do_what_a_clinic_expects_of_the_list_and_the_operating_point(make_window, qtbot,
                                                                                           tmp_path):
    """Tab moves on from a table (it went from cell to cell for ever); a wheel turned while passing
    over the operating point leaves it (Balanced became Screening and every row was relabelled)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    window = make_window()
    window.enqueue(films(tmp_path / "ward", 2))
    wait_rows(qtbot, window, 2)
    for table in (window.table, window.queue_panel.view):
        table.setFocus()
        table.setCurrentIndex(table.model().index(0, 1))
        QTest.keyClick(table, Qt.Key_Tab)
        assert QApplication.focusWidget() is not table
    box = window.points.box
    window.search.setFocus()
    before = (box.currentIndex(), window.threshold.value())
    for widget in (box, window.threshold):
        centre = QPointF(widget.rect().center())
        turn = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120), Qt.NoButton,
                           Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(widget, turn)
    assert (box.currentIndex(), window.threshold.value()) == before
    assert box.accessibleName() == "Operating point" and window.threshold.accessibleName() == "Threshold"


def test_the_viewers_controls_leave_the_arrow_keys_to_the_list_and_its_invert_box_agrees_with_the_menu(
        make_window, qtbot, tmp_path):
    """After a click on Fit, Down did nothing (the button kept the keys); ticking Invert under the film
    left View ▸ Invert unticked, so I did nothing the first time; a multi-frame DICOM's note that only
    its first frame was judged never reached the caption."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QCheckBox, QPushButton

    window = make_window()
    ward = tmp_path / "ward"
    films(ward, 2)
    write_dicom(ward / "series.dcm", chest_like(160, seed=7), frames=3)
    window.enqueue([ward])
    wait_rows(qtbot, window, 3)
    window.table.setFocus()
    window.table.selectRow(0)
    fit = next(b for b in window.viewer.findChildren(QPushButton) if b.text() == "Fit")
    QTest.mouseClick(fit, Qt.LeftButton)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key_Down)  # wherever the focus is now
    assert window.table.currentIndex().row() == 1 and not fit.hasFocus()
    invert = next(b for b in window.viewer.findChildren(QCheckBox) if b.text() == "Invert")
    qtbot.waitUntil(invert.isEnabled, timeout=LONG)  # the film is shown
    invert.click()
    assert invert.isChecked() and window.invert_action.isChecked()
    window.invert_action.trigger()  # I, once: back to the film as it is
    assert not invert.isChecked() and not window.viewer.inverted()
    row = next(i for i in range(window.proxy.rowCount()) if window.proxy.row_at(i).name == "series.dcm")
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: "the first frame was used" in window.viewer._caption.text().replace("\u200b", ""),
                    timeout=LONG)


def test_every_menu_item_has_its_own_access_key_in_english_and_in_chinese(make_window, qtbot):
    """Alt+F, then a letter: without access keys the menus were walked with the arrows only."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QApplication

    from covidxray_desktop.gui.app import install_translations, remove_translations

    def check(menu):
        shown = [a for a in menu.actions() if not a.isSeparator()]
        keys = [QKeySequence.mnemonic(a.text()).toString() for a in shown]
        assert all(keys) and len(set(keys)) == len(keys), [a.text() for a in shown]
        for action in shown:
            if action.menu() is not None:
                check(action.menu())

    check(make_window().menuBar())
    app = QApplication.instance()
    translators = install_translations(app, "zh_CN")
    try:
        window = make_window()
        assert window.menuBar().actions()[0].menu().actions()[0].text() == "打开文件(&O)…"
        check(window.menuBar())
    finally:
        remove_translations(app, translators)
