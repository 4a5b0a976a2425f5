"""A clinic's laptop: 1366 x 768 at 125 % scaling leaves about 1093 x 614 points (taskbar aside).
The window and its dialogs can shrink to that, and open no larger than the screen they are on."""
import pytest

from covidxray_desktop.gui.site_check import SiteCheckDialog
from covidxray_desktop.gui.training_dialog import TrainingDialog

LAPTOP = (1093, 614)
TITLE_BAR = 32  # the window manager's, above the window's own height


@pytest.fixture
def window(first_window):
    return first_window


def fits(widget, share: float = 1.0) -> bool:
    need = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    return need.width() <= LAPTOP[0] * share and need.height() <= (LAPTOP[1] - TITLE_BAR) * share


def test_the_window_and_its_dialogs_fit_a_laptop_at_125_percent(window, qtbot):
    # The model line in the status bar, the filters and the viewer's six controls in one row held the
    # window at 1,164 points, and the training dialog at 1,238 x 598: Close was off the screen.
    assert fits(window), window.minimumSizeHint()
    area = window.screen().availableGeometry()
    assert window.width() <= area.width() and window.height() <= area.height()  # opened within the screen
    for dialog in (TrainingDialog(window, current=window.model_info), SiteCheckDialog(window.model_info, window)):
        qtbot.addWidget(dialog)
        dialog.show()
        assert fits(dialog, 0.95), (type(dialog).__name__, dialog.minimumSizeHint())
        need = dialog.minimumSizeHint()  # opened no larger than the screen, or than it must be
        assert dialog.width() <= max(area.width(), need.width()) and dialog.height() <= max(area.height(), need.height())
        dialog.close()


def test_a_status_message_gets_the_whole_line_and_the_model_line_comes_back(window, qtbot):
    line = window.model_label.text()
    assert line.startswith("Model ") and window.model_label.isVisible()
    window.statusBar().showMessage("Ward 3: 1 file(s) skipped (not images, links or unreadable): notes.txt")
    assert not window.model_label.isVisible()
    window.statusBar().clearMessage()
    assert window.model_label.isVisible() and window.model_label.text() == line  # whole, however narrow
    assert window.model_label.toolTip().startswith(line + "\n\n")  # and what its figures do not say
    assert "cannot tell COVID-19 from other pneumonias" in window.model_label.toolTip()


def test_the_training_dialog_fits_a_small_laptop_once_its_data_and_estimate_are_shown(window, qtbot, tmp_path):
    """1280 x 720 at 125 % leaves 1024 x 576 points: with data chosen and the device check's sentence
    shown, Close ran off the bottom of that screen."""
    from factory import class_folders

    dialog = TrainingDialog(window, current=window.model_info)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_data(class_folders(tmp_path / "data"))
    qtbot.waitUntil(lambda: dialog._preview is not None, timeout=60_000)
    dialog.setup.show_estimate("CPU (2 cores)", 0.02, dialog._preview["counts"], "Keras on TensorFlow")
    assert "processor" in dialog.device_label.text()
    need = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
    assert need.height() <= 576 - TITLE_BAR and need.width() <= 1024, need
    dialog.close()
