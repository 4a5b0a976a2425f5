import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The per-user results store and settings go to a throw-away folder, never the tester's own; the
# folders are removed when the run ends (a folder object's finaliser), not left behind run after run.
_SCRATCH = [tempfile.TemporaryDirectory(prefix=f"covidxray-test-{kind}-") for kind in ("data", "state")]
os.environ["XDG_DATA_HOME"], os.environ["XDG_STATE_HOME"] = (folder.name for folder in _SCRATCH)  # state: the log
sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("COVIDXRAY_DATA", ROOT.parent / "shared" / "data"))


def pytest_xdist_auto_num_workers(config) -> int:
    """Every worker loads TensorFlow and trains small models: past four they only contend for memory."""
    return min(4, os.cpu_count() or 1)


@pytest.fixture(autouse=True)
def device_check_answered_at_once(request, monkeypatch):
    """A training dialog times its network in a process of its own that loads TensorFlow: some 20 s
    of a CI core per dialog. The window's tests get the answer of a 2-core PC at once instead; the
    real check has its own test (test_gui_training.py: the device check runs apart)."""
    if not request.node.path.name.startswith("test_gui"):
        return
    monkeypatch.setattr("covidxray_desktop.gui.training_tasks.probe_apart", lambda arch, abort: {
        "arch": arch, "device": "CPU (2 cores)", "backend": "Keras on TensorFlow", "seconds_per_image": 0.02})


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED / "manifest.csv").exists():
        pytest.skip(f"the shared X-ray data is not at {SHARED} (set COVIDXRAY_DATA to its folder)")
    return SHARED


@pytest.fixture(scope="session")
def default_bundle():
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.paths import default_model

    if not default_model().exists():
        pytest.skip("no bundled default model in resources/models")
    return load(default_model())


@pytest.fixture
def own_model(tmp_path, default_bundle):
    """A copy of the shipped bundle, as a clinic keeps its models in a folder of its own."""
    import shutil

    folder = tmp_path / "models"
    folder.mkdir()
    for f in default_bundle.files:
        shutil.copy(f, folder / f.name)
    return folder / default_bundle.path.name


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory):
    """A 2-epoch model, lung segmenter included, trained on sixty made-up films with lung masks."""
    from factory import lung_manifest

    from covidxray_desktop.training.job import train

    manifest = lung_manifest(tmp_path_factory.mktemp("tiny-data"))
    events = []
    bundle, report = train(manifest, epochs=2, out_dir=tmp_path_factory.mktemp("tiny-model"), name="tiny",
                           on_event=events.append)
    bundle.events, bundle.report, bundle.data = events, report, manifest
    bundle.folder = manifest.parent / "images"
    return bundle


@pytest.fixture
def first_window(qtbot, tmp_path, default_bundle):
    """The window as at a first start (default layout, an empty store), its bundled model loaded."""
    from PySide6.QtCore import QSettings

    from covidxray_desktop.gui.window import MainWindow

    w = MainWindow(None, tmp_path / "results.sqlite3", QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model_info is not None, timeout=120_000)
    yield w
    w.close()
