"""The main window's menus and shortcuts."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog

from covidxray_desktop.gui import session_io


def _action(window, menu, text, slot, shortcut=None, checkable=False) -> QAction:
    action = QAction(text, window, checkable=checkable)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    if menu is not None:
        menu.addAction(action)
    return action


def build(w) -> None:
    tr = w.tr
    m = w.menuBar().addMenu(tr("&File"))
    _action(w, m, tr("&Open files…"), lambda: open_files(w), QKeySequence.Open)
    _action(w, m, tr("Open &folder…"), lambda: open_folder(w))
    m.addSeparator()
    _action(w, m, tr("Export &CSV…"), lambda: w.export_csv(), "Ctrl+E")
    _action(w, m, tr("Export &PDF report…"), lambda: w.export_pdf(), "Ctrl+P")
    w.anonymise = _action(w, m, tr("&Anonymise exports"), lambda on: w.settings.setValue("anonymise", on),
                          checkable=True)
    w.anonymise.setChecked(w.settings.value("anonymise", "false") in (True, "true"))
    m.addSeparator()
    remove = _action(w, m, tr("&Remove the selected rows from the list"), lambda: w.remove_rows(), QKeySequence.Delete)
    remove.setShortcutContext(Qt.WidgetWithChildrenShortcut)  # Delete in the queue or a text box is theirs
    w.table.addAction(remove)
    _action(w, m, tr("Clear the &list…"), w.clear_list)
    _action(w, m, tr("Put removed rows &back on the list"), w.relist)
    _action(w, m, tr("Forget s&tored results before…"), w.forget_results)
    _action(w, m, tr("&Quit"), w.close, QKeySequence.Quit)

    v = w.menuBar().addMenu(tr("&View"))
    w.heat_action = _action(w, v, tr("&Heat map"), w.viewer.set_overlay_visible, "H", checkable=True)
    w.heat_action.setChecked(True)
    w.viewer.overlayToggled.connect(w.heat_action.setChecked)
    w.invert_action = _action(w, v, tr("&Invert"), w.viewer.set_inverted, "I", checkable=True)
    w.viewer.invertToggled.connect(w.invert_action.setChecked)  # the box under the film and the menu agree
    _action(w, v, tr("&Fit"), w.viewer.fit, "F")
    _action(w, v, tr("&Actual size"), w.viewer.one_to_one, "1")
    _action(w, v, tr("Reset &window/level"), w.viewer.reset_window, "R")
    for keys, step in (("PgDown", 10), ("PgUp", -10)):
        _action(w, v, tr("&Next rows") if step > 0 else tr("&Previous rows"), lambda _=False, s=step: move(w, s), keys)

    mm = w.menuBar().addMenu(tr("&Model"))
    _action(w, mm, tr("&Open bundle…"), lambda: open_model(w))
    _action(w, mm, tr("Use the bundled &default model"), lambda: w.load_model(""))
    rerun = _action(w, mm, tr("&Classify the selected films again with the current model"), w.rerun_selected, "Ctrl+R")
    w.table.addAction(rerun)
    for text, slot in ((tr("Export CSV of the selected results…"), lambda: w.export_csv(scope="selected")),
                       (tr("PDF report of the selected results…"), lambda: w.export_pdf(scope="selected"))):
        w.table.addAction(_action(w, None, text, slot))
    _action(w, mm, tr("&About this model…"), w.about_model)

    tools = w.menuBar().addMenu(tr("&Tools"))
    _action(w, tools, tr("&Check the model on my films…"), w.open_site_check)
    _action(w, tools, tr("&Train or adapt a model…"), w.open_training)

    h = w.menuBar().addMenu(tr("&Help"))
    language = h.addMenu(tr("&Language"))
    chosen = w.settings.value("language") or ""
    group = QActionGroup(w)  # one language at a time
    for name, code in ((tr("&System language"), ""), ("&English", "en"), ("简体中文(&Z)", "zh_CN")):
        action = _action(w, language, name, lambda _=False, c=code: session_io.set_language(w, c), checkable=True)
        action.setChecked(code == chosen)
        group.addAction(action)
    _action(w, h, tr("&About…"), lambda: about(w))


def move(w, step: int) -> None:
    rows = w.proxy.rowCount()
    if rows:
        w.table.selectRow(min(rows - 1, max(0, w.table.currentIndex().row() + step)))


def open_files(w) -> None:
    files, _ = QFileDialog.getOpenFileNames(w, w.tr("Open X-ray files"), w.settings.value("last_folder", ""),
                                            w.tr("X-rays (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.jp2 *.webp *.dcm "
                                                 "*.dicom);;All files (*)"))
    if files:
        session_io.remember_folder(w, files[0], parent=True)
        w.enqueue(files)


def open_folder(w) -> None:
    folder = QFileDialog.getExistingDirectory(w, w.tr("Open a folder of X-rays"), w.settings.value("last_folder", ""))
    if folder:
        session_io.remember_folder(w, folder)
        w.enqueue([folder])


def open_model(w) -> None:
    path, _ = QFileDialog.getOpenFileName(w, w.tr("Open a model bundle"), w.settings.value("last_model_folder", ""),
                                          w.tr("Model bundles (*.keras)"))
    if path:
        from pathlib import Path

        w.settings.setValue("last_model_folder", str(Path(path).parent))
        w.load_model(path)


def about(w) -> None:
    from PySide6.QtWidgets import QMessageBox

    from covidxray_desktop import APP_NAME, __version__

    QMessageBox.about(w, w.tr("About"), f"<b>{APP_NAME} {__version__}</b><p>"
                      + w.tr("Reads chest X-rays and says COVID-19 or Normal, with a probability and a heat map.")
                      + f"</p><p><b>{w.notice()}</b></p>")
