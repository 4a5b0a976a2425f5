"""A data scientist trains where the GPU is: TensorFlow, PyTorch or JAX under the same Keras code,
the backend picked by the devices unless she names one, and said on the terminal and the card."""
import importlib.util
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from factory import class_folders

from covidxray_desktop import backend


def gpus(*which):
    return lambda name: name in which


def test_the_first_backend_with_a_gpu_trains_and_tensorflow_on_the_processor_when_none_has_one():
    everything = ("tensorflow", "torch", "jax")
    assert backend.choose(everything, gpus("tensorflow", "torch")) == ("tensorflow", "the first with a GPU")
    # A Windows PC: TensorFlow has no GPU build there, PyTorch's CUDA wheels do.
    assert backend.choose(everything, gpus("torch", "jax"))[0] == "torch"
    assert backend.choose(everything, gpus("jax"))[0] == "jax"
    assert backend.choose(everything, gpus()) == ("tensorflow", "no GPU found")
    # A GPU machine without TensorFlow (the rented kind): JAX or PyTorch even on its processor.
    assert backend.choose(("jax",), gpus())[0] == "jax"


def test_the_users_keras_backend_always_wins_and_nothing_is_probed_then():
    def probe(name):
        raise AssertionError("no device probed when the user has chosen")

    assert backend.choose(lambda: probe("list"), probe, requested="jax") == ("jax", "KERAS_BACKEND")
    assert backend.choose(("tensorflow", "torch"), gpus("torch"), requested="tensorflow")[0] == "tensorflow"


def test_a_backend_whose_gpu_stack_is_broken_is_passed_over():
    def broken(name):
        return False if name == "torch" else name == "jax"

    assert backend.choose(("torch", "jax"), broken)[0] == "jax"


def test_the_augmentation_is_seeded_stays_in_range_and_varies_the_films():
    import keras

    from covidxray_desktop.training.augment import augment_batch, stamps

    films = np.random.default_rng(0).random((6, 64, 64, 1)).astype(np.float32)
    marks = keras.ops.convert_to_tensor(stamps(64, 0, count=8), "float16")

    def run(seed):
        return keras.ops.convert_to_numpy(augment_batch(films, keras.random.SeedGenerator(seed), True, marks))

    a, b, c = run(1), run(1), run(2)
    assert a.shape == films.shape and 0 <= a.min() and a.max() <= 1
    assert np.array_equal(a, b)  # the same seed: the same films, so a run can be repeated
    assert not np.allclose(a, c) and not np.allclose(a, films)


def test_the_pytorch_route_samples_the_films_as_keras_affine_transform_does():
    """Under PyTorch the pose is sampled by hand (Keras's own transform is too slow there): the
    two agree to float precision, checked here on whatever backend runs the tests."""
    import keras

    from covidxray_desktop.training.augment import _bilinear

    films = np.random.default_rng(1).random((3, 32, 32, 1)).astype(np.float32)
    angle = np.array([0.1, -0.05, 0.13], np.float32)
    c, s = np.cos(angle) / 1.05, np.sin(angle) / 1.05
    a2, b2 = 16 - c * 16 - s * 16 - 1.5, 16 + s * 16 - c * 16 + 0.7
    zero = np.zeros_like(c)
    reference = keras.ops.image.affine_transform(films, np.stack([c, s, a2, -s, c, b2, zero, zero], 1),
                                                 fill_value=0.0)
    ours = _bilinear(films, 32, *(keras.ops.convert_to_tensor(v.astype(np.float32)) for v in (c, s, a2, b2)))
    assert np.allclose(keras.ops.convert_to_numpy(reference), keras.ops.convert_to_numpy(ours), atol=1e-5)


NAMES = {"torch": "PyTorch", "jax": "JAX"}


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_a_tiny_run_under_another_backend_trains_quietly_and_exports_to_the_light_runtime(name, tmp_path):
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed here (pip install {'.[gpu]' if name == 'torch' else 'jax'})")
    data = class_folders(tmp_path / "data", per_class=12)
    env = dict(os.environ, KERAS_BACKEND=name, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, "-m", "covidxray_desktop", "train", str(data), "--arch", "default",
                           "--epochs", "2", "--out", str(tmp_path / "models"), "--name", name],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"with Keras on {NAMES[name]}" in proc.stderr  # what trains is said before it starts
    noise = [line for line in proc.stderr.splitlines() if re.search(r"warn|oneDNN|absl|I0000", line, re.I)]
    assert noise == []
    card = json.loads((tmp_path / "models" / f"{name}.json").read_text())
    assert card["training"]["backend"] == name and card["training"]["backend_chosen_by"] == "KERAS_BACKEND"
    if importlib.util.find_spec("tensorflow") is None:
        return
    # The exporter runs on TensorFlow: the command exported the bundle after training, and the
    # light runtime gives what Keras gives.
    assert set(card["runtime"]) == {"classifier", "lungs"}, proc.stdout
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.model.calibration import sigmoid
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.prepare import Route
    from covidxray_desktop.training import cache, dataset

    path = tmp_path / "models" / f"{name}.keras"
    samples, _ = dataset.discover(data)
    decoded, _ = cache.decode(samples[:8], Route(card["input"]["size"], card["preprocessing"]))
    light = Network(load(path), "onnx").forward(decoded.first)
    heavy = Network(load(path, keras=True), "keras").forward(decoded.first)
    assert np.max(np.abs(sigmoid(light.logits) - sigmoid(heavy.logits))) < 1e-4


def test_a_model_trained_off_tensorflow_is_exported_before_the_window_or_the_command_line_gets_it(
        tiny_bundle, tmp_path, monkeypatch):
    """On a clinic's GPU PC the job trains under PyTorch, in the window as on the command line; its
    bundle is exported on TensorFlow in a process of its own while still staged, so the model the
    user is handed classifies on the light runtime, checked against Keras as every export is."""
    import shutil

    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.model.calibration import sigmoid
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.prepare import Route
    from covidxray_desktop.training import cache, dataset, elsewhere

    for f in tiny_bundle.files:  # as saved under PyTorch: the Keras file and its card, no export
        if f.suffix != ".onnx":
            shutil.copy(f, tmp_path / f.name)
    card = tmp_path / "tiny.json"
    card.write_text(json.dumps({k: v for k, v in json.loads(card.read_text()).items() if k != "runtime"}))
    trained = load(tmp_path / "tiny.keras")
    monkeypatch.setattr(backend, "name", lambda: "torch")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in sys.path if p))
    events = []
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "tensorflow" else real_find_spec(n, *a))
    assert elsewhere.export(trained, events.append) is trained  # a GPU machine without TensorFlow
    assert "covidxray export" in events[-1]["message"] and not trained.card.get("runtime")
    monkeypatch.setattr(importlib.util, "find_spec", real_find_spec)

    exported = elsewhere.export(trained, events.append)
    assert "exporting for the light runtime" in events[-1]["message"]
    assert set(exported.card["runtime"]) >= {"classifier", "lungs"}
    assert exported.card["metrics"] == trained.card["metrics"]  # the card's other parts as they were
    samples, _ = dataset.discover(tiny_bundle.data)
    decoded, _ = cache.decode(samples[:8], Route(exported.card["input"]["size"], exported.card["preprocessing"]))
    light = Network(load(exported.path), "onnx").forward(decoded.first)
    heavy = Network(load(exported.path, keras=True), "keras").forward(decoded.first)
    assert np.max(np.abs(sigmoid(light.logits) - sigmoid(heavy.logits))) < 1e-4


def test_giving_up_while_the_model_is_exported_stops_the_export_rather_than_waiting_for_it(
        tiny_bundle, tmp_path, monkeypatch):
    """The user closes the training dialog (or presses Ctrl+C twice) while the export runs in its
    own process: the job stops then, and that process with it, instead of writing on for minutes
    into a stage about to be removed."""
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.training import elsewhere
    from covidxray_desktop.training.session import Cancelled, Session

    monkeypatch.setattr(backend, "name", lambda: "torch")
    finished = tmp_path / "the export ran to its end"
    monkeypatch.setattr(elsewhere, "command", lambda path: [
        sys.executable, "-c", f"import time; time.sleep(60); open({str(finished)!r}, 'w')"])
    trained = load(tiny_bundle.path)
    trained.card.pop("runtime")  # as saved under PyTorch
    session, polls = Session(), []

    def stopping():
        polls.append(1)
        if len(polls) == 2:
            session.abort()  # the dialog closes while the export runs
        return session.stopping()

    with pytest.raises(Cancelled):
        elsewhere.export(trained, lambda e: None, stopping)
    assert not finished.exists() and len(polls) == 2
