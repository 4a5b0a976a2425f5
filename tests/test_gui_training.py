"""A data scientist trains a model from the training dialog, watches it learn, and chooses to use it."""
import json
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from factory import class_folders  # noqa: E402

JOB_S = 180_000  # ms: a tiny job on two slow cores, with room to spare


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    """COVID/ and Normal/ folders of made-up chest pictures, as the article's data was laid out."""
    return class_folders(tmp_path_factory.mktemp("dialog-data"))


@pytest.fixture
def dialog(qtbot, tmp_path):
    from covidxray_desktop.gui.training_dialog import TrainingDialog

    dlg = TrainingDialog(out_dir=tmp_path / "models")
    qtbot.addWidget(dlg)
    dlg.show()
    yield dlg
    dlg.close()  # a failed test's job is dropped, and the device check stops at its next step
    qtbot.waitUntil(dlg.threads_idle, timeout=JOB_S)  # no thread outlives its test


def ready(qtbot, dlg, data):
    dlg.set_data(data)
    qtbot.waitUntil(dlg.start_button.isEnabled, timeout=30_000)


def idle(dlg) -> bool:
    return not dlg.is_busy() and dlg.threads_idle()


def cell(table, row, col) -> str:
    return table.item(row, col).text()


def test_a_one_epoch_job_runs_and_offers_the_new_model(qtbot, dialog, tiny_data, tmp_path):
    ready(qtbot, dialog, tiny_data)
    # Preview: rows COVID-19, Normal, total; columns train, val, test, all.
    assert cell(dialog.preview_table, 0, 3) == "24" and cell(dialog.preview_table, 1, 3) == "24"
    assert cell(dialog.preview_table, 2, 3) == "48"
    train, val, test = (int(cell(dialog.preview_table, 2, c)) for c in range(3))
    assert train > val > 0 and test > 0 and train + val + test == 48
    assert dialog.epochs_spin.value() == 16 and dialog.arch() == "efficientnet"  # the shipped recipe
    # The device check names what trains and how long it would take.
    qtbot.waitUntil(lambda: "minute" in dialog.device_label.text(), timeout=JOB_S)  # TensorFlow loads first
    assert "CPU" in dialog.device_label.text() or "GPU" in dialog.device_label.text()
    assert not dialog.use_button.isEnabled()

    dialog.epochs_spin.setValue(1)
    assert dialog.start()
    assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=JOB_S)

    assert dialog.bundle_path() is not None, dialog.status_label.text()
    series = dialog.curves.series()
    assert [e for e, _ in series["loss"]] == [1] and [e for e, _ in series["val_auc"]] == [1]
    assert dialog.progress.value() == dialog.progress.maximum()
    assert dialog.report_box.isVisible() and dialog.metrics_table.rowCount() > 0
    assert dialog.roc_label.pixmap() is not None and not dialog.roc_label.pixmap().isNull()
    card = json.loads(dialog.bundle_path().with_suffix(".json").read_text())
    assert card["training"]["epochs_run"] == 1 and card["training"]["cancelled_after_epoch"] is None
    assert dialog.bundle_path().parent == tmp_path / "models"  # never the user's folder

    # The old model stays until the user says otherwise.
    assert dialog.use_button.isEnabled()
    with qtbot.waitSignal(dialog.useModel, timeout=1_000) as emitted:
        dialog.use_button.click()
    path = Path(emitted.args[0])
    assert path.suffix == ".keras" and path.exists() and path == dialog.bundle_path()
    qtbot.waitUntil(lambda: idle(dialog), timeout=10_000)


def test_cancel_after_an_epoch_keeps_the_best_epoch_as_a_model(qtbot, dialog, tiny_data):
    ready(qtbot, dialog, tiny_data)
    dialog.epochs_spin.setValue(16)
    assert dialog.start()
    qtbot.waitUntil(lambda: "val_auc" in dialog.curves.series(), timeout=JOB_S)
    dialog.cancel()
    assert not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: idle(dialog), timeout=JOB_S)

    assert dialog.bundle_path() is not None and dialog.bundle_path().exists(), dialog.status_label.text()
    training = json.loads(dialog.bundle_path().with_suffix(".json").read_text())["training"]
    assert 1 <= training["cancelled_after_epoch"] == training["epochs_run"] < 16
    assert "Cancelled after epoch" in dialog.status_label.text()
    assert dialog.use_button.isEnabled() and dialog.start_button.isEnabled()


def test_the_job_cancelled_after_an_epoch_finishes_with_the_best_one(tiny_data, tmp_path):
    """The engine's side of "Cancel keeps the best checkpoint", without Qt."""
    from covidxray_desktop.training.job import train

    events = []
    bundle, report = train(tiny_data, epochs=3, out_dir=tmp_path, name="stopped", on_event=events.append,
                           cancelled=lambda: any(e["kind"] == "epoch" for e in events))
    training = bundle.card["training"]
    assert training["cancelled_after_epoch"] == training["epochs_run"] == len(bundle.card["history"]) == 1
    assert bundle.path.exists() and Path(report["path"]).exists() and bundle.card["metrics"]["test"]["n"]
    assert any("keeping epoch 1" in e.get("message", "") for e in events)


def test_cancel_before_an_epoch_saves_nothing_and_closing_stops_the_thread(qtbot, dialog, tiny_data, tmp_path):
    ready(qtbot, dialog, tiny_data)
    assert dialog.start()
    dialog.cancel()
    qtbot.waitUntil(lambda: idle(dialog), timeout=JOB_S)
    assert dialog.bundle_path() is None and not list((tmp_path / "models").glob("*.keras"))
    assert "nothing was saved" in dialog.status_label.text()
    assert dialog.start_button.isEnabled() and not dialog.use_button.isEnabled()

    # Closing mid-run drops the run; the dialog goes once its thread has ended.
    assert dialog.start()
    dialog.close()
    assert dialog.isVisible()  # still stopping
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=JOB_S)
    assert idle(dialog)
    assert not list((tmp_path / "models").glob("*.keras"))


def test_a_folder_without_class_folders_is_explained_and_cannot_start(qtbot, dialog, tmp_path):
    (tmp_path / "photos").mkdir()
    dialog.set_data(tmp_path / "photos")
    qtbot.waitUntil(lambda: "COVID" in dialog.preview_label.text(), timeout=10_000)
    assert not dialog.start_button.isEnabled()


def test_the_curves_draw_their_series(qtbot):
    from covidxray_desktop.gui.curves import Curves

    curves = Curves()
    qtbot.addWidget(curves)
    curves.resize(400, 240)
    curves.set_epochs(4)
    for epoch in (1, 2, 3):
        curves.add_point(epoch, loss=1.4 / epoch, accuracy=0.5 + 0.1 * epoch, val_auc=None)
    assert set(curves.series()) == {"loss", "accuracy"}  # no value, no point
    image = curves.grab().toImage()
    assert image.width() == 400
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 3) for y in range(0, 240, 3)}
    assert "#0072b2" in colours  # the first series (loss) is drawn in its colour
    curves.clear()
    assert curves.series() == {}


APART = '''
import json, multiprocessing, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"

def main():
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from covidxray_desktop.gui.training_dialog import TrainingDialog

    def until(done):
        end = time.monotonic() + 600  # only so that a broken check cannot hang the suite
        while not done() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    first = TrainingDialog(out_dir=sys.argv[1])
    first.show()
    until(lambda: first.arch() in first._rates)
    said = first.device_label.text()
    first.close()
    until(first.threads_idle)
    second = TrainingDialog(out_dir=sys.argv[1])  # closed while its check still runs
    second.show()
    until(lambda: multiprocessing.active_children())
    checking = [p.name for p in multiprocessing.active_children()]
    second.close()
    until(second.threads_idle)
    print(json.dumps({"said": said, "tensorflow": "tensorflow" in sys.modules, "keras": "keras" in sys.modules,
                      "checking": checking, "left": [p.name for p in multiprocessing.active_children()]}))

if __name__ == "__main__":
    main()
'''


def test_the_device_check_runs_apart_so_the_window_never_freezes_loading_tensorflow(tmp_path):
    """Importing TensorFlow holds Python's lock for a second at a time: done in the window's own
    process, the dialog stopped answering while it opened. The check runs in a process of its own,
    which closing the dialog stops."""
    import subprocess
    import sys

    script = tmp_path / "open_the_dialog.py"
    script.write_text(APART)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "models")], capture_output=True, text=True,
                          timeout=900, cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Keras on" in seen["said"] and ("processor" in seen["said"] or "GPU" in seen["said"]), seen
    assert not seen["tensorflow"] and not seen["keras"]  # the window's process never loaded them
    assert seen["checking"] == ["covidxray-probe"] and seen["left"] == []


def test_on_a_processor_without_avx_the_dialog_says_so_instead_of_checking_the_device(qtbot, tmp_path, monkeypatch):
    from covidxray_desktop import cpu
    from covidxray_desktop.gui.training_dialog import TrainingDialog

    monkeypatch.setattr(cpu, "has_avx", lambda: False)
    dlg = TrainingDialog(out_dir=tmp_path / "models")
    qtbot.addWidget(dlg)
    assert "AVX instructions" in dlg.device_label.text() and dlg.threads_idle()


def test_enter_in_the_dialogs_boxes_starts_no_job_and_opens_no_picker(qtbot, dialog, tiny_data, monkeypatch):
    """Enter typed after the number of epochs started minutes of training, and then opened a folder
    picker that could swap the training data."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QFileDialog

    picked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: picked.append(a) or "")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: picked.append(a) or ("", ""))
    ready(qtbot, dialog, tiny_data)
    for box in (dialog.epochs_spin, dialog.setup.seed_spin):
        box.setFocus()
        QTest.keyClick(box, Qt.Key_Return)
    assert not dialog.is_busy() and picked == [] and dialog.isVisible()


def test_one_device_check_runs_at_a_time_and_the_next_recipe_waits_its_turn(qtbot, tmp_path, monkeypatch):
    """Two checks at once time each other on a small PC, and their slow rates stay for the estimate."""
    import threading
    import time

    from covidxray_desktop.gui import training_dialog

    started, release = [], threading.Event()

    def check(w, arch):
        started.append(arch)
        while arch == "efficientnet" and not release.is_set() and not w.aborting():
            time.sleep(0.01)
        return {"arch": arch, "device": "CPU (2 cores)", "backend": "Keras on TensorFlow", "seconds_per_image": 0.01}

    monkeypatch.setattr(training_dialog, "probe_task", check)
    dlg = training_dialog.TrainingDialog(out_dir=tmp_path / "models")
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: started == ["efficientnet"], timeout=10_000)
    dlg._probe("article")  # the user picks another recipe while the first is timed
    assert dlg._probe_next == "article" and list(dlg._probing) == ["efficientnet"]
    release.set()
    qtbot.waitUntil(lambda: "article" in dlg._rates, timeout=30_000)
    assert started == ["efficientnet", "article"]
    dlg.close()
    qtbot.waitUntil(dlg.threads_idle, timeout=30_000)
