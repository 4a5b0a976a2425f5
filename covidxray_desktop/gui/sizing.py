"""Windows and dialogs sized for the screen they open on: a laptop at 1366 x 768 with 125 % scaling
leaves about 1093 x 614 points, less than the sizes that suit a desktop monitor."""
from PySide6.QtGui import QGuiApplication

SHARE = 0.95  # of the screen's free area (without the taskbar), at most


def fit_to_screen(widget, width: int, height: int) -> None:
    """Resize to width x height, or to what the screen holds where that is less."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, int(area.width() * SHARE)), min(height, int(area.height() * SHARE))
    widget.resize(width, height)
