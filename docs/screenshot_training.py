"""The training dialog's picture for the README: a short real run on a slice of the shared data.

Run under a virtual X server: xvfb-run -a python docs/screenshot_training.py DATA_DIR OUT.png
"""
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from covidxray_desktop.gui.training_dialog import TrainingDialog

PER_SPLIT = {"train": 160, "val": 60, "test": 60}  # a slice: the picture needs curves, not a model


def slice_manifest(data: Path, out: Path) -> Path:
    rows = list(csv.DictReader(open(data / "manifest.csv", encoding="utf-8")))
    kept, rng = [], random.Random(0)
    for split, n in PER_SPLIT.items():
        for label in ("covid", "normal"):  # a seeded sample: every source, as in the full data
            pool = [r for r in rows if r["split"] == split and r["label"].lower() == label]
            kept += rng.sample(pool, min(n // 2, len(pool)))
    for r in kept:
        r["file"] = str((data / r["file"]).resolve())
    target = out / "manifest.csv"
    with open(target, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return target


def main(data: str, png: str) -> int:
    app = QApplication([])
    work = Path(tempfile.mkdtemp())
    dialog = TrainingDialog(out_dir=work / "models")
    dialog.resize(1100, 820)
    dialog.show()
    dialog.set_data(slice_manifest(Path(data), work))
    dialog.epochs_spin.setValue(6)

    def wait(condition, seconds):
        end = time.time() + seconds
        while not condition() and time.time() < end:
            app.processEvents()
            time.sleep(0.02)
        return condition()

    wait(lambda: "—" in dialog.device_label.text(), 120)  # the device check and the estimate
    if not dialog.start():
        print("the dialog did not start", file=sys.stderr)
        return 1
    if not wait(lambda: not dialog.is_busy() and dialog.use_button.isEnabled(), 900):
        print("training did not finish", file=sys.stderr)
        return 1
    wait(lambda: False, 0.5)  # let the report lay itself out
    ok = dialog.grab().save(png)
    dialog.close()
    wait(dialog.threads_idle, 30)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
