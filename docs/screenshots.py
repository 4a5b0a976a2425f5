"""The README's pictures, taken from the real window under a virtual X server, one state at a time.

    xvfb-run -a -s "-screen 0 1440x900x24" python docs/screenshots.py DATA_DIR OUT_DIR [LANG]

Takes: the empty window at first start, a batch running, the finished batch with the viewer
showing a heat map and its legend, a refused film, the first two pages of the PDF report (rendered
to PNG), and the training dialog adapting the model to a site's films (a short real run).
"""
import csv
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from covidxray_desktop.gui.app import install_translations
from covidxray_desktop.gui.window import MainWindow


def pick(data: Path, want: dict, split: str = "test") -> list:
    rows = [r for r in csv.DictReader(open(data / "manifest.csv", encoding="utf-8")) if r["split"] == split]
    out = []
    for source, n in want.items():
        out += [data / r["file"] for r in rows if r["source"] == source][:n]
    return out


def row_of(window, path) -> int:
    """Where a film's row is now in the table (sorting moves rows as results arrive)."""
    return next((i for i, r in enumerate(window.visible_rows()) if r.path == path), 0)


def wait(app, condition, seconds: float) -> bool:
    end = time.time() + seconds
    while not condition() and time.time() < end:
        app.processEvents()
        time.sleep(0.02)
    return condition()


def main(data: str, out: str, language: str = "en") -> int:
    data, out = Path(data), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = "" if language == "en" else f"_{language}"
    app = QApplication([sys.argv[0]])
    app._translators = install_translations(app, language)
    work = Path(tempfile.mkdtemp())
    ward = work / "Radiology" / "ward 3"
    ward.mkdir(parents=True)
    films = pick(data, {"hannover": 4, "covid_cxnet": 3, "ieee8023": 2, "kermany_darshan": 3,
                        "rsna_via_covid19radiography": 4, "nih_darkcovidnet": 3, "openist": 2, "jsrt": 2})
    films += sorted((data / "ood" / "lateral").glob("*"))[:1]  # a lateral film: the gate's refusal
    for f in films:
        shutil.copy(f, ward / f.name)
    settings = QSettings(str(work / "settings.ini"), QSettings.IniFormat)
    settings.setValue("confirm_quit", "false")
    window = MainWindow(None, work / "results.sqlite3", settings)
    window.resize(1440, 860)
    window.show()
    wait(app, lambda: window.model_info is not None, 180)
    wait(app, lambda: False, 0.5)
    window.grab().save(str(out / f"empty{suffix}.png"))
    if language == "en":  # a batch caught running: the first rows in, progress and time left
        many = work / "Archive 2024"
        many.mkdir()
        for f in pick(data, {"rsna_via_covid19radiography": 120, "kermany_darshan": 80}):
            shutil.copy(f, many / f.name)
        window.enqueue([many])
        wait(app, lambda: window.results.rowCount() >= 40, 120)
        window.grab().save(str(out / "running.png"))
        wait(app, lambda: not window.queue.busy(), 300)
        window.queue_panel.clear_button.click()
        window.results.remove(list(window.results.rows))
    window.enqueue([ward])
    wait(app, lambda: not window.queue.busy() and window.results.rowCount() >= len(films), 300)
    wait(app, lambda: False, 1.0)  # late updates (thumbnails) may still move rows
    rows = window.visible_rows()
    ok = [r for r in rows if r.status == "ok"]
    clearest = max(ok, key=lambda r: r.p_covid).path if ok else rows[0].path  # the clearest COVID-19 answer
    covid = row_of(window, clearest)
    window.table.selectRow(covid)
    wait(app, lambda: window.viewer.has_image(), 60)
    wait(app, lambda: False, 0.6)
    window.grab().save(str(out / f"main{suffix}.png"))
    refused = next((r.path for r in rows if r.status == "rejected"), None)
    if refused is not None and language == "en":
        window.table.selectRow(row_of(window, refused))
        wait(app, lambda: False, 1.5)
        window.grab().save(str(out / "refused.png"))
    if language == "en":
        pdf = work / "report.pdf"
        window.table.clearSelection()
        normal = next((r.path for r in rows if r.status == "ok" and window.results.label(r) == "normal"), None)
        from PySide6.QtCore import QItemSelectionModel

        for i in (row_of(window, clearest), row_of(window, normal)):
            window.table.selectionModel().select(window.proxy.index(i, 0), QItemSelectionModel.Select |
                                                 QItemSelectionModel.Rows)
        done = []
        window.engine.exportDone.connect(lambda *args: done.append(args))
        window.export_pdf(str(pdf), scope="selected")
        wait(app, lambda: bool(done), 120)
        import pypdfium2

        document = pypdfium2.PdfDocument(str(pdf))
        for n in (0, 1):
            document[n].render(scale=1.4).to_pil().save(str(out / f"report_page{n + 1}.png"))
        adapt(app, window, data, work, out)
    window.close()
    return 0


def adapt(app, window, data: Path, work: Path, out: Path) -> None:
    """The training dialog in its adapt mode, run to the end on a stand-in site's films."""
    from covidxray_desktop.gui.training_dialog import TrainingDialog

    site = work / "Site films"
    for label, sources in (("COVID", {"hannover": 30}), ("Normal", {"nih_darkcovidnet": 30})):
        (site / label).mkdir(parents=True)
        for f in pick(data, sources, "train"):
            shutil.copy(f, site / label / f.name)
    dialog = TrainingDialog(window, out_dir=work / "models", current=window.model_info)
    dialog.resize(1100, 820)
    dialog.show()
    dialog.set_data(site)
    dialog.epochs_spin.setValue(4)
    wait(app, lambda: dialog.start_button.isEnabled() and "—" in dialog.device_label.text(), 180)
    dialog.start()
    wait(app, lambda: not dialog.is_busy() and dialog.use_button.isEnabled(), 900)
    wait(app, lambda: False, 0.5)
    dialog.grab().save(str(out / "adapt.png"))
    dialog.close()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
