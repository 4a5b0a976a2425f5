"""Run the real window in a fresh process, classify a folder, print the GUI thread's longest stall.

A fresh process, because the app never touches TensorFlow on the GUI thread, while a test
session that loaded a model there has TensorFlow's worker threads at the GUI's priority.
"""
import sys
import time

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from covidxray_desktop.gui.window import MainWindow


def main(folder: str, db: str, settings: str) -> None:
    app = QApplication([])
    window = MainWindow(None, db, QSettings(settings, QSettings.IniFormat))
    window.show()
    while window.model_info is None:  # measured after the model has loaded
        app.processEvents()
        time.sleep(0.01)
    ticks = [time.perf_counter()]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    window.enqueue([folder])
    while window.queue.busy() or not window.queue.entries or window.queue.entries[0]["state"] != "done":
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    print(f"rows={window.results.rowCount()} ticks={len(gaps)} longest_stall_ms={max(gaps) * 1000:.0f}")
    window.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
