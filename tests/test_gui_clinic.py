"""A clinic tries the window: an adapted model's own numbers, the report of a batch, the queue's
controls while batches follow each other."""
from pathlib import Path

import pytest
from test_clinic_reports import ADAPTED, text_of
from test_gui_window import LONG, films, make_window, pause_then_cancel, wait_rows  # noqa: F401  (make_window: a fixture)

from covidxray_desktop.gui.dialogs import model_page
from covidxray_desktop.gui.training_report import worse_than

BASE = {"name": "default", "version": "2", "threshold": 0.085,
        "metrics": {"test": {"n": 626, "auc": 0.973, "sensitivity": 0.96, "specificity": 0.773}}}


def test_after_an_adaptation_the_status_bar_and_about_page_cite_the_adapted_models_own_check(make_window):
    window = make_window()
    window._show_model({"ident": "site-adapted-clinic@1", "card": ADAPTED, "hash": "x", "threshold": 0.226})
    status = window.model_label.text()
    assert "25 check films" in status and "0.583 [0.32, 0.81]" in status and "0.846" in status
    assert "626" not in status and "0.973" not in status
    page = model_page({"card": ADAPTED, "ident": "site-adapted-clinic@1", "path": "site.keras"}, lambda t: t)
    mine = page.index("this model: your site")
    assert mine < page.index("the model it was adapted from: test films") and "0.846" in page[mine:mine + 400]


def test_a_model_adapted_twice_names_both_sites_films_and_its_own_adaptation_not_the_first_training():
    # Its About page gave the shipped model's training day and 16 epochs as the model's, and named only
    # the last site's films.
    card = {**ADAPTED, "version": "2026-12-08+5d8886f9",
            "training": {"trained_on": "2026-12-05T23:15:20", "epochs_run": 16, "device": "CPU (2 cores)"},
            "adapted_from": {"model": "site1@2026-12-07+16e59a50", "epochs": 10,
                             "data": "class folders in site2/ (patients: 80 films each counted as a patient of its "
                                     "own (no PatientID))",
                             "earlier": [{"model": "default@2", "data": "class folders in site1/", "epochs": 10}]}}
    page = model_page({"card": card, "ident": "site2@2026-12-08+5d8886f9", "path": "site2.keras"}, lambda t: t)
    assert "First trained 2026-12-05 23:15" in page and "16 epochs" in page
    assert "Adapted from site1@2026-12-07+16e59a50</b> on the films of class folders in site2/" in page
    assert "10 epochs, 2026-12-08." in page
    assert "Before that, adapted from default@2 on the films of class folders in site1/." in page


def test_use_this_model_weighs_what_the_adaptation_gained_against_what_it_lost():
    warning = worse_than(ADAPTED, BASE)
    assert "specificity 0.58 [0.32, 0.81] against 0.83 [0.55, 0.95]" in warning  # the loss
    assert "sensitivity 0.85 [0.58, 0.96] against 0.61 [0.36, 0.82]" in warning  # and the gain
    assert "balanced accuracy 0.71 against 0.72" in warning and "25 check films" in warning
    assert "chance" in warning  # 25 films: the intervals overlap


def test_the_windows_report_keeps_the_batch_shift_line_and_shows_its_progress(make_window, tmp_path, qtbot):
    pytest.importorskip("pypdfium2")
    films(tmp_path / "ward", 3, size=200)
    window = make_window()
    window.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, window, 3)
    batch = window.results.rows[0].batch
    message = ("The films this model calls COVID-19 look unlike those it was checked on, so its results on them may "
               "be wrong here. Check the model on about 100 of this site's labelled films (Tools ▸ Check the model "
               "on my films) before relying on it.")
    window._store.batch_finish(batch, {"files": 3, "shift": {"tested": True, "detected": True, "p_value": 0.002,
                                                              "message": message}})
    steps = []
    window.engine.exportProgress.connect(lambda done, total: steps.append((done, total)))
    pdf = tmp_path / "report.pdf"
    with qtbot.waitSignal(window.engine.exportDone, timeout=LONG) as done:
        window.export_pdf(str(pdf), scope="all")
        assert window._report_progress.bar.isVisible()  # the status bar shows how far the report got
    assert done.args[1] == ""
    summary = text_of(pdf)[0]
    assert "calls COVID-19 look unlike those it was checked on" in summary and "p = 0.002" in summary
    qtbot.waitUntil(lambda: steps and steps[-1] == (3, 3), timeout=LONG)
    assert not window._report_progress.bar.isVisible()


def test_queue_buttons_leave_a_finished_batch_for_the_one_now_running(make_window, tmp_path, qtbot):
    films(tmp_path / "morning", 2)
    films(tmp_path / "afternoon", 40, size=170)
    window = make_window()
    first = window.enqueue([tmp_path / "morning"])
    qtbot.waitUntil(lambda: window.queue.entry(first)["state"] == "done", timeout=LONG)
    window.queue_panel.select(first)  # she looked at the morning's batch
    second = window.enqueue([tmp_path / "afternoon"])
    qtbot.waitUntil(lambda: window.queue.entry(second)["state"] == "running", timeout=LONG)
    pause_then_cancel(qtbot, window, second)


def test_films_dropped_on_the_viewer_are_queued_like_anywhere_else(make_window, tmp_path, qtbot):
    from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    dropped = films(tmp_path / "ward", 2)
    window = make_window()
    target = window.viewer.viewport() if hasattr(window.viewer, "viewport") else window.viewer
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in dropped])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, enter)
    move = QDragMoveEvent(QPoint(30, 30), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, move)
    assert enter.isAccepted() and move.isAccepted()  # the cursor says "drop here" over the film too
    QApplication.sendEvent(target, QDropEvent(QPointF(20, 20), Qt.CopyAction, data, Qt.LeftButton, Qt.NoModifier))
    wait_rows(qtbot, window, 2)


def test_a_store_of_many_results_says_how_many_came_back_and_what_is_left_to_resume(make_window, tmp_path, qtbot,
                                                                                    default_bundle):
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    db = tmp_path / "clinic.sqlite3"
    store = Store(db)
    folder = films(tmp_path / "night", 4)
    for i in range(520):  # more than one chunk of earlier results
        store.record(Result(path=str(tmp_path / f"gone/{i}.png"), status="rejected", message="a blank image; no prediction.",
                            model=default_bundle.ident, model_hash=default_bundle.hash, sha256=f"{i:064x}"))
    for i, path in enumerate(folder[:3]):  # three of the night's four films were done before the crash
        store.record(Result(path=str(path), status="ok", p_covid=0.1, threshold=0.5, model=default_bundle.ident,
                            model_hash=default_bundle.hash, sha256=f"{i + 1000:064x}"))
    store.queue_add("night", [str(tmp_path / "night")])
    store.close()
    window = make_window(db=db)
    qtbot.waitUntil(lambda: window.results.rowCount() == 523, timeout=LONG)
    assert "523 earlier result" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: getattr(window, "resume_box", None) is not None, timeout=LONG)
    assert "films 4 (classified 3, left 1), batches 1" in window.resume_box.text()


def test_the_queue_shows_a_thousand_films_whole_and_time_left_to_the_end(qtbot):
    from covidxray_desktop.gui.queue_panel import FIELDS, QueueModel, QueuePanel

    model = QueueModel()
    panel = QueuePanel(model)
    qtbot.addWidget(panel)
    model.add(1, "ward", 1088)
    model.update(1, state="running", done=1087, rate=4.0)
    column = FIELDS.index("progress")
    assert panel.view.columnWidth(column) > panel.fontMetrics().horizontalAdvance("1088/1088") + 8
    assert model.index(0, FIELDS.index("left")).data() == "0:01"
    model.update(1, done=1088)
    assert model.index(0, FIELDS.index("left")).data() == ""  # done: no time left shown
    model.update(1, done=304, rate=0.5)
    assert model.index(0, FIELDS.index("left")).data() == "26:08"


def test_films_classified_again_by_a_second_model_are_counted_per_model_and_can_show_their_latest(make_window,
                                                                                                  qtbot):
    from covidxray_desktop.gui.results import COLUMNS
    from covidxray_desktop.results import Result

    window = make_window()
    window.resize(1320, 820)
    old = [Result(path=f"/ward/film_{i}.png", status="ok" if i else "rejected", p_covid=0.9 if i % 2 else 0.1,
                  threshold=0.5, model="default@2", model_hash="old", created_at="2026-03-01T10:00:00")
           for i in range(10)]
    again = [r.with_changes(model="site-adapted@1", model_hash="new", created_at="2026-03-01T11:00:00",
                            p_covid=0.8) for r in old]  # Ctrl+R: the same ten films, beside their old rows
    window.engine.rowsReady.emit(1, old)
    window.engine.rowsReady.emit(2, again)
    qtbot.waitUntil(lambda: window.results.rowCount() == 20)
    summary = window.summary_label.text()
    assert "default@2: 5 COVID-19 · 4 Normal · 1 refused" in summary
    assert "site-adapted@1: 9 COVID-19 · 0 Normal · 1 refused" in summary and "10 films by 2 models" in summary
    header = window.table.horizontalHeader()
    model = COLUMNS.index("model")
    assert header.sectionViewportPosition(model) + header.sectionSize(model) <= window.table.viewport().width()
    window.latest.setChecked(True)
    assert window.proxy.rowCount() == 10
    assert {window.proxy.row_at(i).model for i in range(10)} == {"site-adapted@1"}
    assert "showing 10 of 20" in window.summary_label.text()


def test_the_model_column_shows_only_while_it_tells_something(make_window, qtbot):
    # One model's name on every row took 150 px of a laptop's table and said what the status bar says.
    from covidxray_desktop.gui.results import COLUMNS
    from covidxray_desktop.results import Result

    window = make_window()
    current = window.model_info["hash"]
    mine = [Result(path=f"/ward/{i}.png", status="ok", p_covid=0.2, threshold=0.3, model="default@2",
                   model_hash=current) for i in range(3)]
    window.engine.rowsReady.emit(1, mine)
    qtbot.waitUntil(lambda: window.results.rowCount() == 3)
    model = COLUMNS.index("model")
    assert window.table.isColumnHidden(model)
    other = mine[0].with_changes(model="site-adapted@1", model_hash="adapted")  # classified again by another
    window.engine.rowsReady.emit(2, [other])
    qtbot.waitUntil(lambda: window.results.rowCount() == 4)
    assert not window.table.isColumnHidden(model)


def test_after_a_run_the_training_dialog_still_fits_a_small_screen(qtbot, tmp_path):
    from types import SimpleNamespace

    from PIL import Image

    from covidxray_desktop.gui.training_dialog import TrainingDialog

    dialog = TrainingDialog(out_dir=tmp_path / "models")
    qtbot.addWidget(dialog)
    dialog.show()
    roc = tmp_path / "roc.png"
    Image.new("RGB", (640, 480), "white").save(roc)
    dialog.report_box.show_report(SimpleNamespace(card=ADAPTED, ident="site-adapted-clinic@1", path="site.keras"),
                                  {"figures": {"roc": str(roc)}, "path": "site.json"}, "2 min")
    dialog.report_box.show()
    qtbot.wait(50)
    try:
        assert dialog.minimumSizeHint().height() <= 760  # a 900 px screen, less its task bar, holds it all
        assert dialog.height() <= 800
    finally:
        dialog.close()  # its device check stops with it


def test_a_long_dicom_name_wraps_beside_the_film_instead_of_squeezing_it(make_window, tmp_path, qtbot):
    from covidxray_desktop.results import Result

    window = make_window()
    window.resize(1320, 820)
    name = "1.2.840.113619.2.55.3.604688119.969.1268071029.320.1" * 2 + ".dcm"
    window.viewer.clear()
    qtbot.wait(20)
    before = window.viewer._view.width()
    window.engine.rowsReady.emit(1, [Result(path=str(tmp_path / name), status="rejected", message="a blank image; "
                                            "no prediction.", model="default@2", model_hash="h")])
    qtbot.waitUntil(lambda: window.results.rowCount() == 1)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: name in window.viewer._caption.text().replace("\u200b", ""))
    qtbot.wait(50)
    assert window.viewer._view.width() >= before - 2  # the film keeps its room


def test_a_filter_that_hides_the_film_on_screen_moves_the_viewer_with_the_highlight(make_window, qtbot):
    from covidxray_desktop.results import Result

    window = make_window()
    rows = [Result(path=f"/ward/film_{i}.png", status="ok", p_covid=p, threshold=0.5, model="default@2",
                   model_hash="h") for i, p in enumerate((0.9, 0.1, 0.8, 0.2))]
    window.engine.rowsReady.emit(1, rows)
    qtbot.waitUntil(lambda: window.results.rowCount() == 4)
    window.table.selectRow(1)  # film_1, Normal
    qtbot.waitUntil(lambda: window._detail_path == "/ward/film_1.png")
    window.label_filter.setCurrentIndex(window.label_filter.findData("covid"))
    current = window.table.currentIndex()
    if current.isValid():
        assert window.table.selectionModel().isRowSelected(current.row())
        assert window._detail_path == window.proxy.row_at(current.row()).path
    else:
        assert window._detail_path is None


def test_window_and_level_read_in_grey_levels(qtbot):
    import numpy as np

    from covidxray_desktop.gui.viewer import Viewer

    viewer = Viewer()
    qtbot.addWidget(viewer)
    viewer.show_image(np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64))
    assert "W 255  L 128" in viewer._readout.text()


@pytest.mark.parametrize("photometric", ["MONOCHROME2", "MONOCHROME1"])
def test_a_dicoms_window_and_level_read_in_its_own_values(qtbot, tmp_path, photometric):
    """A radiographer reads a DICOM's W/L in its own units, as the file's window gives them; a PNG
    has none and reads in grey levels."""
    import re

    from factory import chest_like, save_png8, write_dicom

    from covidxray_desktop.gui.viewer import Viewer
    from covidxray_desktop.prepare import view

    film = write_dicom(tmp_path / "ward3.dcm", chest_like(256), bits=12, slope=1, intercept=-1024,
                       window=(1024, 1000), photometric=photometric)
    pixels, units, _ = view(film, 512)
    viewer = Viewer()
    qtbot.addWidget(viewer)
    viewer.show_image(pixels, units=units)
    width, level = map(int, re.search(r"W (-?\d+)  L (-?\d+)", viewer._readout.text()).groups())
    assert (width, level) == (1000, 1024), viewer._readout.text()  # as the header says (it read W 999)
    save_png8(tmp_path / "ward3.png", chest_like(256))
    pixels, units, _ = view(tmp_path / "ward3.png", 512)
    assert units is None
    viewer.show_image(pixels, units=units)
    assert "W 255  L 128" in viewer._readout.text()


SITE_REPORT = {"n": 80, "n_covid": 40, "n_normal": 40, "auc": 0.81, "auc_ci95": [0.7, 0.9], "sensitivity": 0.62,
               "sensitivity_ci95": [0.47, 0.76], "specificity": 0.9, "specificity_ci95": [0.77, 0.96], "ece": 0.08,
               "rejected": {"covid": 1, "normal": 2}, "errors": 0, "data": "/clinic/labelled",
               "per_class": {"covid": {"n": 40, "sensitivity": 0.62}, "normal": {"n": 40, "specificity": 0.9}}}


def test_the_site_check_speaks_to_staff_not_to_engineers(qtbot, monkeypatch):
    from covidxray_desktop.gui.site_check import SiteCheckDialog
    from covidxray_desktop.training.sitecheck import verdict

    said = verdict(SITE_REPORT, {"metrics": {"test": {"sensitivity": 0.9, "specificity": 0.8}}})["sentences"]
    assert said[0].startswith("On your 40 COVID-19 films: sensitivity 0.62")  # not "your 40 films"
    assert said[1].startswith("On your 40 Normal films: specificity")
    assert not any("covidxray" in s for s in said)
    dialog = SiteCheckDialog({"ident": "default@2", "path": "default.keras"}, folder="/clinic/labelled")
    qtbot.addWidget(dialog)
    page = dialog._html(dict(SITE_REPORT, verdict={"sentences": said, "rely": False}), "default@2")
    assert "ECE" not in page and "Calibration error: 0.080" in page
    assert "COVID-19 films" in page and "Normal films" in page and ">covid<" not in page
    proposed = []
    monkeypatch.setattr("covidxray_desktop.gui.site_check.QFileDialog.getSaveFileName",
                        lambda *args: (proposed.append(args[2]), ("", ""))[1])
    dialog.report = SITE_REPORT
    dialog.save_pdf()
    assert proposed and not proposed[0].startswith("/clinic/labelled")  # a PDF there would be read as a film


def test_the_site_checks_pdf_is_never_saved_over_the_results_store_or_the_model(make_window, tmp_path, qtbot,
                                                                                  monkeypatch):
    from covidxray_desktop.gui.site_check import SiteCheckDialog
    from covidxray_desktop.results import site_pdf

    window = make_window()
    dialog = SiteCheckDialog(window.model_info, window)
    qtbot.addWidget(dialog)
    dialog.report = SITE_REPORT
    store, card = Path(window.db_path), Path(window.model_info["files"][1])
    kept = {f: f.read_bytes() for f in (store, card)}
    warned, written, chosen = [], [], []
    monkeypatch.setattr("covidxray_desktop.gui.site_check.QFileDialog.getSaveFileName",
                        lambda *args: (str(chosen[-1]), "PDF (*.pdf)"))  # the user confirms "replace?"
    monkeypatch.setattr("covidxray_desktop.gui.site_check.QMessageBox.warning", lambda *a: warned.append(a[2]))
    monkeypatch.setattr(site_pdf, "write", lambda path, *a, **k: written.append(path))
    for target in (store, card):
        chosen.append(target)
        dialog.save_pdf()
    assert "results store" in warned[0] and "bundled model" in warned[1] and written == []
    assert all(f.read_bytes() == data for f, data in kept.items())
    chosen.append(tmp_path / "check.pdf")
    dialog.save_pdf()
    assert written == [str(tmp_path / "check.pdf")]
    assert dialog.saved.text() == f"Saved: {tmp_path / 'check.pdf'}"  # it says so, and where


def test_a_check_that_fails_leaves_nothing_of_the_last_one_to_save_or_adapt_to(make_window, tmp_path, qtbot):
    # After a good check, a second folder that cannot be checked said so at the left, while the
    # first folder's curve stayed, and Save as PDF / Adapt acted on the first folder's films.
    from covidxray_desktop.gui.site_check import SiteCheckDialog

    window = make_window()
    dialog = SiteCheckDialog(window.model_info, window)
    qtbot.addWidget(dialog)
    dialog._done((None, dict(SITE_REPORT, verdict={"sentences": [], "rely": False}), None, "default@2"))
    assert dialog.save_button.isEnabled() and dialog.adapt_button.isEnabled()
    dialog.roc_caption.setText("the first folder's curve")
    dialog.folder.setText(str(tmp_path / "no such folder"))
    dialog.run()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=60_000)
    assert not dialog.save_button.isEnabled() and not dialog.adapt_button.isEnabled()
    assert dialog.report is None and dialog.roc_caption.text() == "" and dialog.roc_label.pixmap().isNull()
    assert "no such folder" in dialog.text.toPlainText()


def test_forgetting_old_results_asks_for_a_day_on_a_calendar(qtbot):
    from PySide6.QtCore import QDate

    from covidxray_desktop.gui.dialogs import DayDialog

    dialog = DayDialog(None, lambda text: text)
    qtbot.addWidget(dialog)
    assert dialog.day.calendarPopup()
    dialog.day.setDate(QDate(2026, 1, 31))
    assert dialog.chosen() == "2026-01-31"


def test_forgetting_says_how_many_results_go_and_deletes_only_when_confirmed(make_window, tmp_path, qtbot,
                                                                              monkeypatch):
    # Forget deleted the moment the day was picked, without saying how many results that was.
    import sqlite3

    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QMessageBox

    from covidxray_desktop.gui import dialogs

    films(tmp_path / "ward", 3)
    window = make_window()
    window.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, window, 3)
    stored = lambda: sqlite3.connect(window.db_path).execute("SELECT COUNT(*) FROM results").fetchone()[0]  # noqa
    qtbot.waitUntil(lambda: stored() == 3, timeout=LONG)
    asked = []
    answer = [QMessageBox.Cancel]
    monkeypatch.setattr(dialogs, "ask_day", lambda *a: QDate.currentDate().addDays(1).toString("yyyy-MM-dd"))
    monkeypatch.setattr(QMessageBox, "question", lambda w, title, text, *a: asked.append(text) or answer[0])
    dialogs.forget(window)
    assert asked[0].startswith("Delete 3 stored result") and stored() == 3  # cancelled
    assert window.results.rowCount() == 3
    answer[0] = QMessageBox.Yes
    dialogs.forget(window)
    assert stored() == 0 and "3 stored result" in window.statusBar().currentMessage()
    # Off the table too: still listed, they were exported and printed after they were forgotten.
    assert window.results.rowCount() == 0 and window.proxy.rowCount() == 0
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda w, title, text, *a: told.append(text))
    dialogs.forget(window)
    assert told[0].startswith("No stored result was recorded before ") and len(asked) == 2


def test_the_about_page_says_how_the_threshold_was_chosen_in_plain_words():
    card = dict(ADAPTED, operating_point="sensitivity >= 0.95 for COVID-19 on the site's 20 adaptation COVID films, "
                                         "each scored by a head trained without it (3-fold cross-fitting)")
    page = model_page({"card": card, "ident": "site-adapted-clinic@1", "path": "site.keras"}, lambda t: t)
    assert "cross-fitting" not in page and "had not learnt from its patient" in page


def test_the_chinese_window_leaves_no_english_behind_in_training_and_the_check(qtbot):
    from PySide6.QtWidgets import QApplication

    from covidxray_desktop.gui.app import install_translations, remove_translations
    from covidxray_desktop.gui.messages import translated
    from covidxray_desktop.gui.site_check import SiteCheckDialog
    from covidxray_desktop.gui.training_setup import TrainingSetup
    from covidxray_desktop.training.sitecheck import verdict

    app = QApplication.instance()
    translators = install_translations(app, "zh_CN")
    try:
        setup = TrainingSetup(True)
        qtbot.addWidget(setup)
        counts = {"train": {"covid": 20, "normal": 20}, "val": {"covid": 0, "normal": 0},
                  "test": {"covid": 10, "normal": 10}}
        setup.fill_preview(counts)
        setup.show_estimate("CPU (2 cores)", 5.0, counts)
        assert "cores" not in setup.device_label.text() and "处理器" in setup.device_label.text()
        assert "class folders" not in setup.described("class folders in site/")
        hint = setup.data_edit.placeholderText()
        assert setup.data_edit.minimumWidth() >= setup.data_edit.fontMetrics().horizontalAdvance(hint)  # read whole
        table = setup.preview_table
        assert table.height() >= table.verticalHeader().length() + table.horizontalHeader().height()  # not clipped
        said = verdict(SITE_REPORT, {"metrics": {"test": {"sensitivity": 0.9}}})["sentences"]
        assert translated(said[0]).startswith("在您的40 张新冠肺炎影像上")
        few = verdict({"n": 15, "n_covid": 3, "n_normal": 12}, {"metrics": {}})["sentences"][0]
        custom = verdict(SITE_REPORT, {"metrics": {"test": {"sensitivity": 0.9}}}, "custom")["sentences"]
        for sentence in (few, *custom):  # the bold verdict of a check on a few films, or at a threshold set by hand
            assert not any(word in translated(sentence) for word in ("films", "threshold", "model card")), sentence
        dialog = SiteCheckDialog({"ident": "default@2", "path": "default.keras"})
        qtbot.addWidget(dialog)
        page = dialog._html(dict(SITE_REPORT, verdict={"sentences": said, "rely": False}), "default@2")
        assert "Normal" not in page and "covid" not in page.replace("COVID-19", "")
        from covidxray_desktop.gui.training_report import TrainingReport

        report = TrainingReport()  # the finished run's table: its rows named in Chinese, not by split keys
        qtbot.addWidget(report)
        rows = list(report.metric_rows({"val": {"n": 10, "auc": 0.9}, "test": {"n": 10}, "held_out": {"n": 5}}))
        assert [row[0] for row in rows] == ["验证影像", "测试影像（未见过的患者）",
                                            "留出的数据来源"]
        from covidxray_desktop.gui.dialogs import model_page
        from covidxray_desktop.model.bundle import read_card
        from covidxray_desktop.paths import default_model

        card = read_card(default_model())
        card["training"]["device"] = "CPU (2 cores)"
        about = model_page({"card": card, "ident": "default@2", "path": "default.keras"},
                           lambda text: QApplication.translate("MainWindow", text))
        assert "处理器（2 核）" in about and "cores" not in about
    finally:
        remove_translations(app, translators)


def test_the_about_page_shows_what_adapting_did_to_the_base_models_own_test_films():
    original = {"before": {"n": 626, "auc": 0.973}, "after": {"n": 626, "auc": 0.981}}
    site = dict(ADAPTED["metrics"]["site"], original=original)
    card = dict(ADAPTED, metrics={"site": site})  # an adapted card holds its own figures only
    page = model_page({"card": card, "ident": "site-adapted-clinic@1", "path": "site.keras"}, lambda t: t)
    after = page.index("test films (unseen patients of the training sources)")
    assert "0.981" in page[after:page.index("the model it was adapted from, on the same films", after)]
    assert "0.973" in page[after:] and "the model it was adapted from: test films" not in page


def test_counts_in_the_window_read_as_english_not_with_brackets_in_any_language_without_its_own_words(qtbot):
    # "1 row(s) taken off the list" read as a half-finished sentence; a German desktop gets the English words.
    from PySide6.QtWidgets import QApplication

    from covidxray_desktop.gui.app import install_translations, remove_translations

    app = QApplication.instance()
    for language in ("en_GB", "de_DE"):
        translators = install_translations(app, language)
        try:
            one = app.translate("MainWindow", "%n film(s) again", "", 1)
            many = app.translate("MainWindow", "Exported %n row(s) to %1", "", 12)
            back = app.translate("MainWindow", "%n row(s) put back on the list", "", 3)
            assert (one, many, back) == ("1 film again", "Exported 12 rows to %1", "3 rows put back on the list"), language
        finally:
            remove_translations(app, translators)


def test_a_chinese_window_on_a_pc_without_a_chinese_font_still_shows_chinese(qtbot, monkeypatch):
    """Without a Chinese font every menu and button drew empty boxes; the font the PDFs use fills in."""
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    from covidxray_desktop.gui.app import chinese_glyphs

    asked = []
    monkeypatch.setattr(QFontDatabase, "families", lambda *args: asked.append(args) or [])  # no Chinese font here
    chinese_glyphs()
    monkeypatch.undo()
    assert asked, "the PC's fonts were not asked about"
    assert "Droid Sans Fallback" in QFontDatabase.families()
    assert QFontMetrics(QFont("Droid Sans Fallback")).inFontUcs4(ord("肺"))  # it has the glyphs


def test_a_model_or_a_folder_that_cannot_be_used_is_explained_in_chinese_too(tmp_path):
    # The model box and the model check printed these in English inside the Chinese window.
    import re

    from covidxray_desktop.errors import DataError, ModelError
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.results.language import message_translator
    from covidxray_desktop.training.dataset import discover

    tr = message_translator("zh_CN")
    (tmp_path / "broken.keras").write_bytes(b"not a model")
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not films")
    said = []
    for attempt in (lambda: load(tmp_path / "broken.keras"), lambda: load(tmp_path / "gone.keras"),
                    lambda: discover(tmp_path / "empty"), lambda: discover(tmp_path / "notes.txt")):
        with pytest.raises((ModelError, DataError)) as error:
            attempt()
        said.append(tr(str(error.value)))
    assert all(re.search("[\u4e00-\u9fff]", text) for text in said), said
