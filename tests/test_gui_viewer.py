"""The viewer as a doctor uses it: look, zoom, pan, invert, window/level, fade the heat map."""
import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from covidxray_desktop.gui.viewer import Viewer

H, W = 200, 300
DISC = (150, 100)      # (x, y) of a bright disc at the image centre
DARK = (12, 40)        # far left of the left-to-right gradient: nearly black
HOT = (60, 160)        # where the heat map is strong
COLD = (240, 30)       # where the heat map is zero


def xray() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    img = (x / (W - 1)).astype(np.float32)
    img[(x - DISC[0]) ** 2 + (y - DISC[1]) ** 2 < 30 ** 2] = 1.0
    return img


def heat_map() -> np.ndarray:
    heat = np.zeros((H, W), np.float32)
    heat[HOT[1] - 25:HOT[1] + 25, HOT[0] - 25:HOT[0] + 25] = 1.0
    return heat


@pytest.fixture
def viewer(qtbot):
    v = Viewer()
    qtbot.addWidget(v)
    v.resize(700, 450)
    v.show()
    qtbot.waitExposed(v)
    v.show_image(xray(), heat_map(), "COVID-19  P = 0.87\nquality: ok")
    return v


def pixel(viewer, x, y):
    """The colour the screen shows for image pixel (x, y)."""
    at = viewer._view.mapFromScene(QPointF(x + 0.5, y + 0.5))
    c = viewer.grab_view().pixelColor(at)
    return c.red(), c.green(), c.blue()


def gray(viewer, x, y):
    return sum(pixel(viewer, x, y)) / 3


def test_the_image_opens_fitted_with_its_prediction_beside_it(viewer):
    view = viewer._view.viewport().rect()
    assert viewer.scale() == pytest.approx(min(view.width() / W, view.height() / H), rel=0.05)
    assert gray(viewer, *DISC) > 240 and gray(viewer, *DARK) < 30
    assert "P = 0.87" in viewer._caption.text()
    viewer.set_caption("Normal  P = 0.12")
    assert viewer._caption.text() == "Normal  P = 0.12"


def test_a_narrow_viewer_puts_the_words_under_the_film_so_the_film_keeps_its_width(viewer, qtbot):
    # On a 1024-px screen the viewer is ~400 px wide: beside a 190-px column of words, the film had
    # ~195 px (zoom 38 %). Under it, the film has the viewer's width, and wide again, words go beside.
    viewer.resize(420, 600)
    qtbot.waitUntil(lambda: viewer.caption_below() and viewer._view.width() > 380)  # laid out again
    assert viewer._caption.geometry().top() >= viewer._view.geometry().bottom()
    viewer.resize(900, 450)
    qtbot.waitUntil(lambda: not viewer.caption_below() and viewer._view.width() < 900 - 190)
    assert viewer._caption.geometry().left() >= viewer._view.geometry().right()
    assert viewer.minimumSizeHint().width() < 450  # the words side by side never push the table aside


def test_zooming_in_magnifies_and_fit_and_one_to_one_come_back(viewer):
    fitted, before = viewer.scale(), viewer.grab_view()
    viewer.zoom_by(2.0)
    assert viewer.scale() == pytest.approx(2 * fitted)
    assert viewer.grab_view() != before
    viewer.zoom_by(1e6)
    assert viewer.scale() == pytest.approx(32.0)  # zoom stops at a sane limit
    viewer.one_to_one()
    assert viewer.scale() == pytest.approx(1.0)
    viewer.fit()
    assert viewer.scale() == pytest.approx(fitted)
    assert viewer.grab_view() == before


def test_a_big_film_reads_its_zoom_in_the_files_own_pixels_and_says_the_copy_shown_is_smaller(qtbot, tmp_path):
    # A 3000 px film is shown from a 1024 px copy: "1:1" and "Zoom 100 %" showed that copy's pixels, a
    # third of the file's, so a doctor at "100 %" saw a third of the detail the file holds, unwarned.
    from PIL import Image

    from covidxray_desktop.imaging import DECODE_SIDE
    from covidxray_desktop.prepare import view

    Image.fromarray(np.full((2400, 3000), 128, np.uint8)).save(tmp_path / "big.png")
    pixels, units, per_pixel = view(tmp_path / "big.png", DECODE_SIDE)
    assert pixels.shape == (819, 1024) and per_pixel == pytest.approx(3000 / 1024, rel=0.01)
    v = Viewer()
    qtbot.addWidget(v)
    v.resize(700, 450)
    v.show()
    v.show_image(pixels, None, "", "", units, per_pixel)
    assert v.scale() < 0.25  # the whole 3000 px film in a 700 px viewer
    v.one_to_one()
    assert v.scale() == pytest.approx(1.0) and "Zoom 100 %" in v._readout.text()
    assert v._view.transform().m11() == pytest.approx(per_pixel)  # each shown pixel drawn ~3 px wide
    assert "shown from a copy of 1024 x 819 pixels" in v._readout.toolTip()
    assert "beyond 34 %" in v._readout.toolTip()
    v.show_image(xray())  # a film shown whole has nothing to warn of
    assert v._readout.toolTip() == ""


def test_the_wheel_zooms_around_the_cursor(viewer):
    viewer.zoom_by(3.0)  # bigger than the view, so there is room to scroll
    view = viewer._view
    cursor = QPointF(120, 90)
    under = view.mapToScene(cursor.toPoint())
    wheel = QWheelEvent(cursor, view.viewport().mapToGlobal(cursor), QPoint(0, 0), QPoint(0, 120),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    before = viewer.scale()
    QApplication.sendEvent(view.viewport(), wheel)
    assert viewer.scale() == pytest.approx(before * 1.25)
    after = view.mapToScene(cursor.toPoint())
    assert abs(after.x() - under.x()) < 1 and abs(after.y() - under.y()) < 1


def test_left_drag_pans(viewer, qtbot):
    viewer.zoom_by(4.0)
    view = viewer._view
    centre = view.mapToScene(view.viewport().rect().center())
    qtbot.mousePress(view.viewport(), Qt.LeftButton, pos=QPoint(300, 200))
    qtbot.mouseMove(view.viewport(), QPoint(250, 180))
    qtbot.mouseMove(view.viewport(), QPoint(200, 150))
    qtbot.mouseRelease(view.viewport(), Qt.LeftButton, pos=QPoint(200, 150))
    moved = view.mapToScene(view.viewport().rect().center())
    assert moved.x() > centre.x() + 5 and moved.y() > centre.y() + 5


def test_invert_swaps_dark_and_light(viewer):
    assert gray(viewer, *DARK) < 30 and gray(viewer, *DISC) > 240
    viewer.set_inverted(True)
    assert viewer.inverted()
    assert gray(viewer, *DARK) > 225 and gray(viewer, *DISC) < 15
    viewer._invert_box.click()  # the user's checkbox undoes it
    assert not viewer.inverted() and gray(viewer, *DARK) < 30


def test_heat_map_toggle_changes_only_the_hot_area(viewer, qtbot):
    viewer.set_opacity(1.0)
    hot_on, cold_on = pixel(viewer, *HOT), pixel(viewer, *COLD)
    with qtbot.waitSignal(viewer.overlayToggled) as toggled:
        viewer._heat_box.click()
    assert toggled.args == [False] and not viewer.overlay_visible()
    hot_off, cold_off = pixel(viewer, *HOT), pixel(viewer, *COLD)
    assert hot_off[0] == hot_off[1] == hot_off[2]      # plain gray X-ray
    assert hot_on[0] - hot_on[2] > 100                 # COVID-19 orange on top of it
    assert cold_on == cold_off                         # zero heat leaves the image clear
    viewer.set_overlay_visible(True)
    assert pixel(viewer, *HOT) == hot_on


def test_opacity_fades_the_heat_map(viewer, qtbot):
    viewer.set_overlay_visible(False)
    plain = pixel(viewer, *HOT)
    viewer.set_overlay_visible(True)
    viewer.set_opacity(0.9)
    strong = pixel(viewer, *HOT)
    with qtbot.waitSignal(viewer.opacityChanged) as moved:
        viewer._opacity_slider.setValue(20)  # as the user drags the slider
    assert moved.args[0] == pytest.approx(0.2) and viewer.opacity() == pytest.approx(0.2)
    faint = pixel(viewer, *HOT)
    assert faint != strong
    assert sum(abs(a - b) for a, b in zip(faint, plain)) < sum(abs(a - b) for a, b in zip(strong, plain))
    viewer.set_opacity(0.0)
    assert pixel(viewer, *HOT) == plain


def test_set_window_changes_contrast_and_reset_restores(viewer):
    original = viewer.grab_view()
    mid = (120, 40)  # gradient value ~0.4
    assert 90 < gray(viewer, *mid) < 115
    viewer.set_window(0.5, 0.2)  # window 0.4..0.6: 0.4 becomes black
    assert viewer.window() == pytest.approx((0.5, 0.2))
    assert gray(viewer, *mid) < 15
    viewer.reset_window()
    assert viewer.window() == (0.5, 1.0)
    assert viewer.grab_view() == original


def _mouse(viewer, kind, pos, buttons):
    button = Qt.RightButton if kind != QEvent.MouseMove else Qt.NoButton
    vp = viewer._view.viewport()
    event = QMouseEvent(kind, QPointF(pos), vp.mapToGlobal(QPointF(pos)), button, buttons, Qt.NoModifier)
    QApplication.sendEvent(vp, event)


def test_right_drag_sets_window_level_and_reset_restores(viewer):
    original, scale = viewer.grab_view(), viewer.scale()
    _mouse(viewer, QEvent.MouseButtonPress, QPoint(200, 200), Qt.RightButton)
    _mouse(viewer, QEvent.MouseMove, QPoint(180, 240), Qt.RightButton)
    _mouse(viewer, QEvent.MouseMove, QPoint(160, 280), Qt.RightButton)  # down and left
    _mouse(viewer, QEvent.MouseButtonRelease, QPoint(160, 280), Qt.NoButton)
    level, width = viewer.window()
    assert level > 0.6 and width < 0.95   # higher level, narrower window
    assert viewer.scale() == scale        # the drag did not pan or zoom
    assert viewer.grab_view() != original
    _mouse(viewer, QEvent.MouseMove, QPoint(10, 10), Qt.NoButton)  # after release: no effect
    assert viewer.window() == (level, width)
    viewer.reset_window()
    assert viewer.grab_view() == original


def test_clear_shows_no_image_only_the_message(viewer):
    long = "a.dcm: " + "a reason that goes on " * 20 + "to its end."
    viewer.clear(long)
    assert not viewer.has_image() and viewer._caption.text() == long  # whole, wrapped beside the view
    assert viewer._caption.wordWrap()
    shot = viewer.grab_view()
    centre = shot.rect().center()
    assert shot.pixelColor(QPoint(5, 5)).red() == 0                     # background only
    assert shot.pixelColor(QPoint(centre.x() + 150, centre.y())).red() == 0  # no disc, no gradient
    lit = [shot.pixelColor(QPoint(x, y)).red() for x in range(centre.x() - 120, centre.x() + 120)
           for y in range(centre.y() - 10, centre.y() + 10)]
    assert max(lit) > 100  # "No picture" is drawn in the middle
    viewer.zoom_by(2.0)
    assert viewer.scale() == 1.0  # nothing to zoom


def test_with_nothing_selected_the_view_says_what_goes_there(viewer):
    viewer.clear()
    shot = viewer.grab_view()
    centre = shot.rect().center()
    lit = [shot.pixelColor(QPoint(x, y)).red() for x in range(centre.x() - 120, centre.x() + 120)
           for y in range(centre.y() - 10, centre.y() + 10)]
    assert max(lit) > 100 and not viewer.has_image()  # a hint, not an empty black box


def test_heat_map_can_arrive_after_the_image(viewer):
    viewer.show_image(xray(), None, "classifying…")
    assert not viewer._heat_box.isEnabled()
    viewer.set_opacity(1.0)
    before = pixel(viewer, *HOT)
    assert before[0] == before[1] == before[2]
    viewer.set_heat(heat_map())
    assert viewer._heat_box.isEnabled()
    after = pixel(viewer, *HOT)
    assert after != before and pixel(viewer, *COLD)[0] == pixel(viewer, *COLD)[2]
    viewer.set_heat(None)
    assert pixel(viewer, *HOT) == before


def test_the_buttons_under_the_image_do_what_they_say(viewer, qtbot):
    from PySide6.QtWidgets import QPushButton

    buttons = {b.text(): b for b in viewer.findChildren(QPushButton)}
    fitted, original = viewer.scale(), viewer.grab_view()
    qtbot.mouseClick(buttons["1:1"], Qt.LeftButton)
    assert viewer.scale() == pytest.approx(1.0)
    qtbot.mouseClick(buttons["Fit"], Qt.LeftButton)
    assert viewer.scale() == pytest.approx(fitted)
    viewer.set_window(0.3, 0.1)
    qtbot.mouseClick(buttons["Reset window"], Qt.LeftButton)
    assert viewer.window() == (0.5, 1.0) and viewer.grab_view() == original
    viewer.resize(900, 600)  # a fitted image stays fitted when the window grows
    qtbot.waitUntil(lambda: viewer.scale() > fitted * 1.2)


def test_a_normal_answer_shows_in_blue_and_the_legend_says_what_the_colours_mean(viewer):
    viewer.set_opacity(1.0)
    viewer.show_image(xray(), -heat_map(), "Normal  P = 0.01", "Where the model found evidence: ... Its answer: Normal.")
    hot = pixel(viewer, *HOT)
    assert hot[2] - hot[0] > 60  # blue, not the orange of COVID-19 evidence
    assert viewer._legend_text.text().endswith("Its answer: Normal.")
    assert "Zoom" in viewer._readout.text() and "W " in viewer._readout.text()
