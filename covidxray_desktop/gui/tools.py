"""Tools ▸ Train or adapt a model… and Check the model on my films…: opened from the window, which
keeps the training dialog it opened, to ask before quitting stops a job."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox


def open_training(w, folder: str = "") -> None:
    from covidxray_desktop.gui.training_dialog import TrainingDialog

    dialog = TrainingDialog(w, current=w.model_info)
    if folder:  # from the model check: adapt to the films just checked
        dialog.setup.adapt_radio.setChecked(True)
        dialog.set_data(folder)
    dialog.useModel.connect(w.load_model)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    w.training_dialog = dialog
    dialog.destroyed.connect(lambda *a: setattr(w, "training_dialog", None))
    dialog.open()


def open_site_check(w) -> None:
    from covidxray_desktop.gui.site_check import SiteCheckDialog

    if not w.model_info:
        return
    dialog = SiteCheckDialog(w.model_info, w, folder=w.settings.value("last_folder", ""),
                             export_folder=w.settings.value("last_export_folder", ""), point=w.points.in_force())
    dialog.adaptRequested.connect(lambda folder: open_training(w, folder))
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()


def may_quit(w) -> bool:
    """Closing the window while a model is trained or adapted drops the job, and nothing is saved:
    ask first (a running batch is asked about as well)."""
    dialog = getattr(w, "training_dialog", None)
    if dialog is None or not dialog.is_busy() or w.settings.value("confirm_quit", "true") not in (True, "true"):
        return True
    return QMessageBox.question(w, w.tr("Quit"), w.tr(
        "A model is being trained or adapted. Quitting stops it, and nothing of it is saved. Quit anyway?"),
        QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes
