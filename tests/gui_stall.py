"""Run the real window in a fresh process, classify a folder, and say which thread did the heavy work.

A fresh process, because the app never touches TensorFlow on the GUI thread, while a test
session that loaded a model there has TensorFlow's worker threads at the GUI's priority.
Prints `rows=… ticks=… heavy_calls=… on_gui_thread=… longest_stall_ms=…`: the test judges the
threads (a property load cannot break); the stall is printed for people, timings belong in bench.
"""
import functools
import sys
import threading
import time

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from covidxray_desktop import imaging, store
from covidxray_desktop.gui.window import MainWindow
from covidxray_desktop.inference import Predictor
from covidxray_desktop.model.network import Network

calls = {"heavy": 0, "gui": []}


def watched(owner, name):
    """Count calls of owner.name, and note those made on the GUI thread."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        calls["heavy"] += 1
        if threading.current_thread() is threading.main_thread():
            calls["gui"].append(name)
        return original(*args, **kwargs)
    setattr(owner, name, wrapper)


for owner, name in ((Network, "forward"), (Network, "classify"), (Network, "masks"), (Predictor, "_prepare"),
                    (Predictor, "_infer"), (Predictor, "picture"), (store.Store, "record"),
                    (store.Store, "lookup"), (imaging, "load"), (imaging, "walk")):
    watched(owner, name)


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
    print(f"rows={window.results.rowCount()} ticks={len(gaps)} heavy_calls={calls['heavy']} "
          f"on_gui_thread={','.join(sorted(set(calls['gui']))) or 'none'} longest_stall_ms={max(gaps) * 1000:.0f}")
    window.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
