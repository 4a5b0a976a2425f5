"""`covidxray [gui] [FILE|FOLDER ...]`: open the window and queue what was given.

The window shows before TensorFlow is imported (the engine thread loads the model), so the
app answers at once on a slow clinic PC.
"""
import argparse
import os
import sys
import time
from pathlib import Path

from covidxray_desktop import APP_NAME, STARTED

I18N = Path(__file__).parent / "i18n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="covidxray gui", description="Open the window and classify the files given.")
    p.add_argument("paths", nargs="*", metavar="FILE|FOLDER")
    p.add_argument("--model", metavar="BUNDLE", help="model .keras file (default: the last used, else the bundled one)")
    p.add_argument("--db", metavar="FILE", help="results store (default: the per-user one)")
    p.add_argument("--screenshot", metavar="FILE.png",
                   help="save a picture of the window once everything given is classified, then quit")
    p.add_argument("--lang", metavar="LANG", help="user interface language, e.g. zh_CN or en (default: the system's)")
    return p


def install_translations(app, language: str | None) -> list:
    """Our own strings and Qt's (standard buttons), for the chosen or the system language."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    locale = QLocale(language) if language else QLocale.system()
    kept = []
    for name, folder in (("covidxray", str(I18N)), ("qtbase", QLibraryInfo.path(QLibraryInfo.TranslationsPath))):
        translator = QTranslator(app)
        # A language we have no words for reads English, with English plurals ("1 row", not "1 row(s)").
        if translator.load(locale, name, "_", folder) or (name == "covidxray"
                                                           and translator.load(f"{name}_en", folder)):
            app.installTranslator(translator)
            kept.append(translator)
    QLocale.setDefault(locale)  # dates and numbers Qt formats (a calendar's month names) in that language too
    if locale.language() == QLocale.Chinese:
        chinese_glyphs()
    return kept


def chinese_glyphs() -> None:
    """A Chinese window on a PC without a Chinese font showed empty boxes: the font the PDFs use fills in."""
    from PySide6.QtGui import QFontDatabase

    from covidxray_desktop.paths import chinese_font

    if not QFontDatabase.families(QFontDatabase.SimplifiedChinese):
        QFontDatabase.addApplicationFont(str(chinese_font()))


def remove_translations(app, translators: list) -> None:
    """Back to the system's language (the tests switch languages within one process)."""
    from PySide6.QtCore import QLocale

    for translator in translators:
        app.removeTranslator(translator)
    QLocale.setDefault(QLocale.system())


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    from covidxray_desktop.gui.display import cannot_open

    why = cannot_open()
    if why:
        print(why, file=sys.stderr)
        return 2
    if args.screenshot:  # a picture: never over a film or the store, nor among the films
        from covidxray_desktop import outputs
        from covidxray_desktop.errors import CovidXrayError
        from covidxray_desktop.store import default_path

        try:
            outputs.check(args.screenshot, "--screenshot", args.paths, store=args.db or default_path(), pictures=True)
        except CovidXrayError as exc:
            print(f"covidxray: {exc}", file=sys.stderr)
            return 2
    from covidxray_desktop import backend
    from covidxray_desktop.logs import log, setup

    backend.quiet()
    setup()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from covidxray_desktop.gui.qtguard import guard

    if guard():
        log.warning("this PySide6 loses references on every signal; guarded (install PySide6 < 6.12)")
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    settings = QSettings()
    _private(settings)
    if args.lang:
        settings.setValue("language", args.lang)
    app._translators = install_translations(app, settings.value("language") or None)

    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.gui.window import MainWindow

    try:
        window = MainWindow(args.model, args.db, settings)
    except CovidXrayError as exc:  # a damaged or foreign store: a sentence, not a traceback and no window
        said = problem_at_start(exc, args.db)
        print(f"covidxray: {said}", file=sys.stderr)
        if app.platformName() != "offscreen":  # a person is looking: tell them where they look
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, APP_NAME, said)
        return 2
    window.show()
    timing = os.environ.get("COVIDXRAY_TIMING") == "1"
    if timing:
        QTimer.singleShot(0, lambda: print(f"window_shown_s={time.time() - STARTED:.2f}", file=sys.stderr, flush=True))

        def first_row(entry_id, rows, said=[]):
            if entry_id and rows and not said:
                said.append(True)
                print(f"first_prediction_s={time.time() - STARTED:.2f}", file=sys.stderr, flush=True)
        window.engine.rowsReady.connect(first_row)
    if args.paths:
        window.enqueue(args.paths)
    if args.screenshot:
        window.screenshot = Screenshot(window, args.screenshot, waiting=bool(args.paths))  # kept alive
    log.info("window opened")
    code = app.exec()
    return getattr(app, "exit_code", code)


def problem_at_start(exc, db) -> str:
    """Why the window cannot open, in the interface's language; for the results store, where it is:
    a person who starts the app from its icon has no --db to give, but can move the file aside."""
    from PySide6.QtCore import QCoreApplication

    from covidxray_desktop.errors import StoreError
    from covidxray_desktop.files import display_path
    from covidxray_desktop.gui import messages
    from covidxray_desktop.store import default_path

    said = messages.translated(str(exc))
    if not isinstance(exc, StoreError):
        return said
    where = QCoreApplication.translate("App", "The results store is %1.").replace(
        "%1", display_path(Path(db).absolute() if db else default_path()))
    if exc.aside:  # not for a locked store (another copy of the app has it) or another application's file
        where += " " + QCoreApplication.translate("App", "Once that file is moved elsewhere (keep it: it holds the "
                                                         "results so far), the app starts with a new, empty one.")
    return f"{said}\n\n{where}"


def _private(settings) -> None:
    """The settings file names folders and the last model: this user's only (0700 / 0600)."""
    from covidxray_desktop.files import private_dir, private_file

    path = Path(settings.fileName())
    if settings.format() in (settings.Format.NativeFormat, settings.Format.IniFormat) and path.is_absolute() \
            and path.suffix in (".conf", ".ini"):
        private_dir(path.parent)
        try:  # made now, owner-only: Qt keeps an existing file's mode, but makes a new one with the umask's
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:
            return  # a read-only home: Qt keeps the settings in memory
        private_file(path)
        settings.sync()


class Screenshot:
    """Once everything is classified: first row selected, heat map on, picture saved, quit."""

    def __init__(self, window, path: str, waiting: bool):
        self.window, self.path = window, path
        window.engine.modelFailed.connect(self._failed)
        if waiting:
            window.allDone.connect(self._select)
        else:
            window.engine.modelLoaded.connect(self._shown)  # after the status bar has laid out its text

    def _select(self) -> None:
        w = self.window
        if w.proxy.rowCount() == 0:
            self._grab()
            return
        w.heat_action.setChecked(True)
        w.engine.detailReady.connect(self._shown)
        if w.table.currentIndex().row() == 0:  # already selected: ask for its picture again
            w._current_changed(w.table.currentIndex(), None)
        else:
            w.table.selectRow(0)

    def _shown(self, *_args) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(300, self._grab)  # let the viewer lay the picture out

    def _grab(self) -> None:
        from PySide6.QtWidgets import QApplication

        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        from covidxray_desktop.files import write_output

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        ok = self.window.grab().save(buffer, (os.path.splitext(self.path)[1][1:] or "png").upper())
        try:
            if ok:
                write_output(self.path, bytes(data))  # whole or absent, never through a link
        except OSError as exc:
            print(f"covidxray: {self.path}: cannot be written ({exc.strerror or exc})", file=sys.stderr)
            ok = False
        app = QApplication.instance()
        app.exit_code = 0 if ok else 1
        self.window.close()
        app.exit(app.exit_code)

    def _failed(self, message: str) -> None:
        from PySide6.QtWidgets import QApplication

        print(f"covidxray: {message}", file=sys.stderr)
        QApplication.instance().exit_code = 1
