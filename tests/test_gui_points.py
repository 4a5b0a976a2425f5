"""A clinic chooses the window's operating point: Balanced or Screening sets the threshold from the
model card, a threshold changed by hand shows Custom, the choice comes back after a restart, the
films classified meanwhile record the point that labelled them, and the About page shows what each
point gives and costs each population."""
import csv
import sqlite3

import pytest
from PySide6.QtCore import QSettings
from test_gui_window import LONG, films, make_window, wait_rows  # noqa: F401  (make_window: a fixture)

from covidxray_desktop.gui.dialogs import model_page
from covidxray_desktop.gui.window import MainWindow
from covidxray_desktop.model import figures


def away_from(points: dict) -> float:
    """A threshold the box can show that is no point's own."""
    return next(v for v in (0.2, 0.4, 0.6, 0.8) if all(abs(p["threshold"] - v) > 0.01 for p in points.values()))


def choose(window, name: str) -> None:
    window.points.box.setCurrentIndex(window.points.box.findData(name))


def test_the_point_box_sets_the_threshold_and_a_hand_edit_shows_custom(make_window, tiny_bundle, tmp_path, qtbot):
    window = make_window(model=str(tiny_bundle.path))
    points = tiny_bundle.card["operating_points"]
    box = window.points.box
    assert [box.itemText(i) for i in range(box.count())] == ["Balanced", "Screening", "Custom"]
    assert box.currentData() == "balanced"  # the card's default
    assert window.threshold.value() == pytest.approx(points["balanced"]["threshold"], abs=5e-4)
    choose(window, "screening")
    assert window.threshold.value() == pytest.approx(points["screening"]["threshold"], abs=5e-4)
    assert window.results.threshold == points["screening"]["threshold"]  # exact, not the box's 3 decimals
    # the status bar's figures are the threshold's in force, summed from the card's counts per population
    at = tiny_bundle.card["metrics"]["operating_points"]["screening"]["per_source"].values()
    found = [m["right"] for m in at if m["label"] == "covid"], [m["n"] for m in at if m["label"] == "covid"]
    status = window.model_label.text()
    assert f"at Screening ({points['screening']['threshold']:.3f})" in status
    assert f"sensitivity {sum(found[0]) / sum(found[1]):.3f} [" in status

    films(tmp_path / "ward", 2)
    window.enqueue([tmp_path / "ward"])
    wait_rows(qtbot, window, 2)
    assert {(r.operating_point, r.threshold) for r in window.results.rows} == {
        ("screening", points["screening"]["threshold"])}
    stored = sqlite3.connect(window.db_path).execute("SELECT operating_point, threshold FROM results").fetchall()
    assert stored == [("screening", points["screening"]["threshold"])] * 2

    typed = away_from(points)
    window.threshold.setValue(typed)  # by hand
    assert box.currentData() == "custom" and box.currentText() == "Custom"
    assert f"at Balanced ({points['balanced']['threshold']:.3f})" in window.model_label.text()  # known there only
    assert (window.results.point, window.results.threshold) == ("custom", typed)
    with qtbot.waitSignal(window.engine.exportDone, timeout=120_000):  # written off the window's thread
        window.export_csv(str(tmp_path / "custom.csv"), scope="all")
    rows = list(csv.DictReader(open(tmp_path / "custom.csv", encoding="utf-8-sig")))
    assert {(r["operating_point"], r["threshold"]) for r in rows if r["status"] == "ok"} <= {("custom", f"{typed:.4f}")}
    window.threshold.setValue(round(points["balanced"]["threshold"], 3))  # typed back to a point's own
    assert box.currentData() == "balanced" and window.results.threshold == points["balanced"]["threshold"]


def open_window(qtbot, tmp_path, model):
    window = MainWindow(str(model), tmp_path / "r.sqlite3", QSettings(str(tmp_path / "settings.ini"),
                                                                       QSettings.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=LONG)
    return window


def test_the_chosen_point_or_custom_threshold_comes_back_after_a_restart(qtbot, tmp_path, tiny_bundle):
    points = tiny_bundle.card["operating_points"]
    first = open_window(qtbot, tmp_path, tiny_bundle.path)
    choose(first, "screening")
    first.close()
    second = open_window(qtbot, tmp_path, tiny_bundle.path)
    assert second.points.box.currentData() == "screening"
    assert second.engine._predictor.point == "screening"  # what the next results record
    typed = away_from(points)
    second.threshold.setValue(typed)
    second.close()
    third = open_window(qtbot, tmp_path, tiny_bundle.path)
    assert third.points.box.currentData() == "custom" and third.threshold.value() == pytest.approx(typed)
    third.close()


def test_each_model_keeps_its_own_point_so_coming_back_to_it_does_not_relabel_its_reported_films(
        qtbot, tmp_path, tiny_bundle, default_bundle):
    # One point was remembered for the last model only: Screening on one model, a look at another, and
    # back brought Balanced, turning films already reported as COVID-19 into Normal in the table and exports.
    window = open_window(qtbot, tmp_path, tiny_bundle.path)
    choose(window, "screening")
    window.banner.show_for("ward 3", "The films this model calls Normal look unlike those it was checked on.")

    def load(bundle):
        window.engine.load_model(str(bundle.path))
        qtbot.waitUntil(lambda: window.model_info["hash"] == bundle.hash, timeout=LONG)

    load(default_bundle)
    assert window.banner.isHidden()  # its "this model" was the other one
    assert window.points.box.currentData() == default_bundle.card["default_operating_point"]  # never used here
    typed = away_from(default_bundle.card["operating_points"])
    window.threshold.setValue(typed)
    load(tiny_bundle)
    assert window.points.box.currentData() == "screening"
    assert window.results.threshold == tiny_bundle.card["operating_points"]["screening"]["threshold"]
    load(default_bundle)
    assert window.points.box.currentData() == "custom" and window.results.threshold == pytest.approx(typed)
    window.close()
    again = open_window(qtbot, tmp_path, tiny_bundle.path)  # and after a restart
    assert again.points.box.currentData() == "screening"
    again.close()
    edited = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)  # by hand: no crash at start
    edited.setValue(f"points/{tiny_bundle.hash}", "custom about 0.3")
    edited.sync()
    third = open_window(qtbot, tmp_path, tiny_bundle.path)  # the last choice kept the older way: Screening
    assert third.points.box.currentData() == "screening" and third.points.box.isEnabled()
    third.close()


def test_the_about_page_shows_each_points_threshold_and_share_right_per_population(tiny_bundle):
    card = tiny_bundle.card
    screening = card["operating_points"]["screening"]["threshold"]
    page = model_page({"card": card, "ident": "tiny@1", "path": "tiny.keras"}, lambda t: t, ("screening", screening))
    assert f"In force now: Screening (threshold {screening:.3f})." in page
    in_force = page.index(f"test films, at the point in force: Screening (threshold {screening:.3f})")
    assert page.index("test films (unseen patients)") < in_force < page.index("validation films")
    assert "<th>Balanced</th><th>Screening ✔</th>" in page
    for name, trade in card["metrics"]["operating_points"].items():
        for source, m in trade["per_source"].items():
            kind = "COVID-19" if m["label"] == "covid" else "Normal"
            assert f"{source} ({kind}, n = {m['n']})" in page
            assert f"{m['share']:.3f} {figures.bounds(m['share_ci95'])}" in page
    assert "Share of the films labelled right, per population, on the test films" in page


def test_an_older_model_with_one_threshold_shows_it_as_its_own_point(make_window, own_model):
    from test_operating_points import as_older_card, card_of

    window = make_window(model=str(as_older_card(own_model)))
    box = window.points.box
    assert [box.itemData(i) for i in range(box.count())] == ["model", "custom"] and box.currentData() == "model"
    assert window.results.threshold == card_of(own_model)["threshold"]
    page = model_page(window.model_info, lambda t: t, window.points.in_force())
    assert "<th>Model&#x27;s own ✔</th>" in page and "per population" not in page


def test_the_model_check_scores_at_the_windows_point_and_adapting_opens_on_the_folder_checked(
        make_window, tiny_bundle, tmp_path, qtbot, monkeypatch):
    """At Screening, the check gave Balanced's figures and verdict, naming no point; its Adapt button
    opened the training dialog on an empty folder; quitting then dropped the job without a word."""
    from factory import class_folders
    from PySide6.QtWidgets import QMessageBox

    from covidxray_desktop.gui import tools
    from covidxray_desktop.gui.site_check import SiteCheckDialog

    window = make_window(model=str(tiny_bundle.path))
    choose(window, "screening")
    site = class_folders(tmp_path / "site", per_class=6, size=96)
    dialog = SiteCheckDialog(window.model_info, window, folder=str(site), point=window.points.in_force())
    qtbot.addWidget(dialog)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.worker is None, timeout=LONG)
    screening = tiny_bundle.card["operating_points"]["screening"]["threshold"]
    assert dialog.report["operating_point"] == "screening" and dialog.report["threshold"] == screening
    assert f"Labels at the Screening operating point (threshold {screening:.3f})" in dialog.text.toPlainText()
    opened = []
    dialog.adaptRequested.connect(opened.append)
    dialog.adapt_button.click()
    assert opened == [str(site)]
    tools.open_training(window, opened[0])
    training = window.training_dialog
    assert training.setup.adapting() and training.setup.data_edit.text() == str(site)
    window.settings.setValue("confirm_quit", "true")
    monkeypatch.setattr(training, "is_busy", lambda: True)  # a job under way
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    assert not tools.may_quit(window) and "nothing of it is saved" in asked[0]
    window.settings.setValue("confirm_quit", "false")
    training.reject()
