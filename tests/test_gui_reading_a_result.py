"""A radiographer reads one result in the window: the numbers as the controls show them, a film on
its way said to be on its way, an unreadable file's reason once, and the rows moved from the film."""
import pytest
from factory import chest_like, save_png8
from test_gui_window import make_window  # noqa: F401  (a fixture)
from PySide6.QtCore import Qt

from covidxray_desktop.gui import detail
from covidxray_desktop.gui.results import COLUMNS
from covidxray_desktop.model.calibration import probability
from covidxray_desktop.results import Result


@pytest.fixture
def window(first_window):
    return first_window


def test_a_probability_near_certainty_is_never_printed_as_certainty():
    # "P(COVID) = 1.000" read as certain; a calibrated model's 0.99996 is not.
    assert [probability(p) for p in (0.99996, 0.9994, 0.5, 0.0012, 0.0004, 0.0)] == \
        [">0.999", "0.999", "0.500", "0.001", "<0.001", "<0.001"]


def test_the_caption_shows_the_threshold_as_its_box_does_and_p_without_false_certainty(window):
    row = Result("/ward/IM0001.png", "ok", p_covid=0.99996, threshold=0.315738, operating_point="balanced",
                 model="default@1", model_hash=window.model_info["hash"])
    window.results.add_rows([row])
    text = detail.caption(window, window.results.rows[0])
    assert "P(COVID) > 0.999" in text and "threshold 0.316" in text and "0.3157" not in text
    assert "It cannot tell COVID-19 from other pneumonias." in text  # what "COVID-19" can also mean
    assert window.results.index(0, COLUMNS.index("p_covid")).data() == ">0.999"  # the table's P(COVID) column
    close = row.with_changes(path="/ward/IM0002.png", p_covid=0.4371, threshold=0.437291, model_hash="other")
    window.results.add_rows([close])
    text = detail.caption(window, window.results.rows[1])  # "0.437 ... threshold 0.437" beside "Normal"
    assert "P(COVID) = 0.4371" in text and "threshold 0.4373" in text


def test_a_refusal_reads_once_as_what_it_is(window):
    """"refused: not judged: …" said the same thing twice; a refusal of another kind keeps its word."""
    view = Result("/ward/LAT.png", "rejected", message="not judged: it looks like a lateral view or a CT slice rather "
                  "than a frontal chest X-ray (an unusual frontal film can look so too); no prediction.",
                  model_hash=window.model_info["hash"])
    colour = view.with_changes(path="/ward/photo.png", message="not a frontal chest X-ray (a colour picture); "
                               "no prediction.")
    window.results.add_rows([view, colour])
    first, second = (detail.caption(window, r).split("\n")[1] for r in window.results.rows)
    assert first.startswith("not judged: it looks like a lateral view") and "refused" not in first
    assert second.startswith("refused: not a frontal chest X-ray (a colour picture)")


def test_an_answer_close_to_its_threshold_says_so_and_a_clear_one_does_not(window):
    # 0.293 against 0.316 read "Normal" in large green type, as firmly as 0.001, with a heat map drawn
    # to its own scale: nothing told the reader to look again.
    for p, close in ((0.293, True), (0.45, True), (0.001, False), (0.9, False)):
        row = Result(f"/ward/{p}.png", "ok", p_covid=p, threshold=0.316, model="default@1",
                     model_hash=window.model_info["hash"])
        window.results.add_rows([row])
        text = detail.caption(window, window.results.rows[-1])
        assert ("Close to the threshold: read this film yourself." in text) == close, (p, text)


def test_a_dicoms_patient_and_study_day_are_under_its_name_and_the_day_cannot_be_misread(window):
    # The caption named the file only, and the table gave the day as 3/5/24: 5 March in one clinic,
    # 3 May in the next, and the report said 2024-03-05.
    row = Result("/ward/IM0001", "ok", p_covid=0.2, threshold=0.3, model="default@1",
                 model_hash=window.model_info["hash"], patient_id="MRN-0042", study_date="20240305")
    window.results.add_rows([row])
    assert detail.caption(window, window.results.rows[0]).startswith("IM0001\npatient MRN-0042 · 2024-03-05\n")
    assert window.results.index(0, COLUMNS.index("study_date")).data() == "2024-03-05"
    refused = row.with_changes(path="/ward/IM0002", status="rejected", message="a blank image; no prediction.")
    window.results.add_rows([refused])
    assert "patient MRN-0042" in detail.caption(window, window.results.rows[1])


def test_a_film_on_its_way_says_loading_and_an_unreadable_files_reason_is_said_once(window, qtbot, tmp_path):
    save_png8(tmp_path / "a.png", chest_like(160, 1))
    (tmp_path / "b.png").write_text("this is a note, not a film")
    window.enqueue([str(tmp_path / "a.png"), str(tmp_path / "b.png")])
    qtbot.waitUntil(lambda: window.results.rowCount() == 2 and not window.queue.busy(), timeout=120_000)
    window.viewer.clear(loading=True)
    assert window.viewer._message.text() == "Loading…"  # not "No picture", which reads as unreadable
    broken = next(i for i, r in enumerate(window.visible_rows()) if r.path.endswith("b.png"))
    window.table.selectRow(broken)
    qtbot.waitUntil(lambda: "b.png" in window.viewer._caption.text().replace("\u200b", ""), timeout=60_000)
    qtbot.wait(300)  # the decoder's answer has come back
    caption = window.viewer._caption.text().replace("\u200b", "")
    reason = window.visible_rows()[broken].message
    assert caption.count(reason) == 1, caption


def test_up_and_down_over_the_film_move_through_the_rows(window, qtbot, tmp_path):
    for i in range(3):
        save_png8(tmp_path / f"{i}.png", chest_like(160, i))
    window.enqueue([str(tmp_path / f"{i}.png") for i in range(3)])
    qtbot.waitUntil(lambda: window.results.rowCount() == 3 and not window.queue.busy(), timeout=120_000)
    window.table.selectRow(0)
    window.viewer._view.setFocus()
    qtbot.keyClick(window.viewer._view, Qt.Key_Down)
    assert window.table.currentIndex().row() == 1
    qtbot.keyClick(window.viewer._view, Qt.Key_Up)
    assert window.table.currentIndex().row() == 0
    qtbot.keyClick(window.viewer._view, Qt.Key_Down, Qt.KeypadModifier)  # as macOS sends arrows
    assert window.table.currentIndex().row() == 1


def test_rows_taken_off_the_list_stay_off_it_at_the_next_start_but_stay_in_the_store(qtbot, tmp_path,
                                                                                     make_window):
    # A morning's batch is read; staff clear the finished films off the list before the next ward's.
    for i in range(4):
        save_png8(tmp_path / f"{i}.png", chest_like(160, i))
    window = make_window()
    window.enqueue([str(tmp_path / f"{i}.png") for i in range(4)])
    qtbot.waitUntil(lambda: window.results.rowCount() == 4 and not window.queue.busy(), timeout=120_000)
    window.table.sortByColumn(1, Qt.AscendingOrder)  # by file name
    window.table.selectRow(1)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key_Delete)
    assert "store keeps" in window.statusBar().currentMessage()
    assert [r.path.rsplit("/", 1)[-1] for r in window.visible_rows()] == ["0.png", "2.png", "3.png"]
    assert window.current_row().path.endswith("2.png")  # the row below, as in a file list
    qtbot.waitUntil(lambda: "2.png" in window.viewer._caption.text().replace("\u200b", ""), timeout=60_000)
    window.queue_panel.view.setFocus()
    qtbot.keyClick(window.queue_panel.view, Qt.Key_Delete)  # Delete in the queue is not meant for the results
    assert window.results.rowCount() == 3
    window.close()

    again = make_window()  # the next morning, the same store
    qtbot.waitUntil(lambda: again.results.rowCount() == 3, timeout=60_000)
    qtbot.wait(300)
    assert sorted(r.path.rsplit("/", 1)[-1] for r in again.results.rows) == ["0.png", "2.png", "3.png"]
    assert len(again._store.history()) == 4  # taken off the list, not forgotten
    again.remove_rows("all")
    assert again.results.rowCount() == 0 and again.viewer._caption.text() == ""
    again.enqueue([str(tmp_path / "1.png")])  # dropped again: served from the store, and listed again
    qtbot.waitUntil(lambda: again.results.rowCount() == 1 and not again.queue.busy(), timeout=120_000)
    assert again.results.rows[0].path.endswith("1.png") and again.results.rows[0].reused
    assert [r.path.rsplit("/", 1)[-1] for r in again._store.history(listed=True)] == ["1.png"]


def test_rows_cleared_by_mistake_are_put_back_on_the_list_from_the_file_menu(qtbot, tmp_path, make_window):
    for i in range(3):
        save_png8(tmp_path / f"{i}.png", chest_like(160, i))
    window = make_window()
    window.enqueue([str(tmp_path / f"{i}.png") for i in range(3)])
    qtbot.waitUntil(lambda: window.results.rowCount() == 3 and not window.queue.busy(), timeout=120_000)
    put_back = next(a for a in window.menuBar().actions()[0].menu().actions() if "back on the list" in a.text())
    put_back.trigger()  # nothing was removed yet: it says so
    qtbot.waitUntil(lambda: "nothing to put back" in window.statusBar().currentMessage(), timeout=60_000)
    before = {r.path: r.sha256 for r in window.results.rows}
    window.remove_rows("all")  # the wrong ward's list was cleared
    assert window.results.rowCount() == 0
    save_png8(tmp_path / "0.png", chest_like(160, 7))  # meanwhile one film is saved again under its name
    window.enqueue([str(tmp_path / "0.png")])
    qtbot.waitUntil(lambda: window.results.rowCount() == 1 and not window.queue.busy(), timeout=120_000)
    newer = window.results.rows[0]
    put_back.trigger()
    qtbot.waitUntil(lambda: window.results.rowCount() == 3, timeout=60_000)
    assert "2 row" in window.statusBar().currentMessage() and "put back" in window.statusBar().currentMessage()
    shown = {r.path: r.sha256 for r in window.results.rows}
    assert shown[newer.path] == newer.sha256 != before[newer.path]  # its old answer does not come back over it
    assert all(shown[p] == before[p] for p in shown if p != newer.path)
    window.close()

    again = make_window()  # and they stay back at the next start, the film saved again with its newer answer
    qtbot.waitUntil(lambda: again.results.rowCount() == 3, timeout=60_000)
    qtbot.wait(300)
    assert {r.path: r.sha256 for r in again.results.rows} == shown


def test_a_store_that_cannot_be_written_when_rows_are_put_back_is_said_in_words(qtbot, window, monkeypatch):
    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.store import Store

    def locked(self):
        raise CovidXrayError("results.sqlite3: the results store cannot be written (database is locked).")
    monkeypatch.setattr(Store, "relist", locked)
    window.relist()
    qtbot.waitUntil(lambda: getattr(window, "problem_box", None) is not None and window.problem_box.isVisible(),
                    timeout=60_000)
    assert window.problem_box.text() == "results.sqlite3: the results store cannot be written (database is locked)."
    window.problem_box.close()


def test_taking_a_films_newest_row_off_the_list_shows_its_older_one_under_latest_result_per_film(window):
    old = Result("/ward/IM1.png", "ok", p_covid=0.2, threshold=0.3, model="old@1", model_hash="old",
                 created_at="2026-12-01T08:00:00")
    other = Result("/ward/IM2.png", "ok", p_covid=0.9, threshold=0.3, model="old@1", model_hash="old",
                   created_at="2026-12-01T08:00:01")
    new = old.with_changes(p_covid=0.7, model="new@1", model_hash="new", created_at="2026-12-02T08:00:00")
    window.results.add_rows([other, old, new])
    window.latest.setChecked(True)
    assert [(r.path, r.model_hash) for r in window.visible_rows()] == [("/ward/IM2.png", "old"), ("/ward/IM1.png", "new")]
    window.table.selectRow(0)
    window.remove_rows()  # IM2 goes; the rows after it are renumbered
    assert [(r.path, r.model_hash) for r in window.visible_rows()] == [("/ward/IM1.png", "new")]
    window.table.selectRow(0)
    window.remove_rows()
    assert [(r.path, r.model_hash) for r in window.visible_rows()] == [("/ward/IM1.png", "old")]


def test_a_film_saved_again_since_its_answer_is_not_shown_beside_that_answer(qtbot, tmp_path, make_window):
    # A radiographer re-exports IM1 with other settings under the same name: the old row's answer is
    # not the new film's, and the viewer must not pair them.
    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.prepare import film

    for i in (0, 1):
        save_png8(tmp_path / f"IM{i}.png", chest_like(160, i))
    window = make_window()
    window.enqueue([str(tmp_path / "IM0.png"), str(tmp_path / "IM1.png")])
    qtbot.waitUntil(lambda: window.results.rowCount() == 2 and not window.queue.busy(), timeout=120_000)
    window.table.sortByColumn(1, Qt.AscendingOrder)  # by file name
    window.table.selectRow(0)  # IM0 is being read while IM1 is saved again
    row = window.proxy.row_at(1)
    assert row.path.endswith("IM1.png")
    save_png8(tmp_path / "IM1.png", chest_like(160, 2))
    window.table.selectRow(1)
    qtbot.waitUntil(lambda: "has changed since" in window.viewer._caption.text().replace("\u200b", ""),
                    timeout=60_000)
    assert not window.viewer.has_image()
    with pytest.raises(CovidXrayError, match="has changed since"):  # a report page says the same
        film(row.path, 256, row.sha256)
    assert film(row.path, 256).shape  # asked without an answer to match, it is the film as it is now
