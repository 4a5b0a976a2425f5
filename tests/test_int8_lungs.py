"""The lung segmenter runs in int8 (a third of its time) where real films set its ranges, and only
while it still finds the lungs Keras finds; the classifier stays in float."""
import numpy as np

from covidxray_desktop.model import export
from covidxray_desktop.model.bundle import load
from covidxray_desktop.model.lungs import segmenter_input
from covidxray_desktop.training import cache, dataset
from covidxray_desktop.training.evaluate import route_of


def _films(bundle, data, split: str, n: int) -> np.ndarray:
    samples, _ = dataset.discover(data / "manifest.csv")
    picked = [s for s in samples if s.split == split][:n]
    decoded, _ = cache.decode(picked, route_of(bundle))
    return np.stack([segmenter_input(np.asarray(b, np.float32)) for b in decoded.first])[..., None]


def test_the_shipped_segmenter_is_int8_and_finds_the_lungs_keras_finds_on_test_films(default_bundle, shared_data):
    runtime = default_bundle.card["runtime"]
    assert runtime["lungs"]["precision"] == "int8" and runtime["classifier"]["precision"] == "float32"
    films = _films(default_bundle, shared_data, "test", 64)
    from covidxray_desktop.model.runtime import OnnxPart

    quick = OnnxPart(default_bundle.part_bytes("lungs")).run(films)[0] > 0
    keras = np.asarray(load(default_bundle.path, keras=True).keras_part("lungs").predict_on_batch(films)) > 0
    agree = (quick == keras).reshape(len(films), -1).mean(axis=1)
    assert agree.min() >= export.MASK_AGREEMENT


def test_a_fresh_export_goes_int8_with_enough_real_films_and_stays_float_with_few_or_when_masks_differ(
        default_bundle, shared_data, monkeypatch):
    model = load(default_bundle.path, keras=True).keras()
    keep = {"classifier": default_bundle.part_bytes("classifier")}  # taken as it is: only the segmenter is exported
    films = _films(default_bundle, shared_data, "val", 32)
    made = export.light(model, {"lungs": films}, keep)
    assert made["classifier"] is keep["classifier"]
    assert export.precision(made["lungs"]) == "int8"
    few = export.light(model, {"lungs": films[:export.MIN_FILMS - 1]}, keep)  # too few to set ranges and check them
    assert export.precision(few["lungs"]) == "float32"
    assert export.precision(export.light(model, None, keep)["lungs"]) == "float32"  # no real films at all
    monkeypatch.setattr(export, "MASK_AGREEMENT", 1.0 + 1e-9)  # no int8 copy can be this exact: float is kept
    assert export.precision(export.light(model, {"lungs": films}, keep)["lungs"]) == "float32"


def test_a_quantiser_that_fails_or_makes_what_onnx_runtime_refuses_leaves_the_segmenter_in_float(
        default_bundle, shared_data, monkeypatch):
    model = load(default_bundle.path, keras=True).keras()
    films = _films(default_bundle, shared_data, "val", 32)
    keep = {"classifier": default_bundle.part_bytes("classifier")}

    def broken(data, films):
        raise RuntimeError("this graph cannot be quantised")

    for quantiser in (broken, lambda data, films: b"not a network"):  # the save goes on either way
        monkeypatch.setattr(export, "quantised", quantiser)
        assert export.precision(export.light(model, {"lungs": films}, keep)["lungs"]) == "float32"


def test_a_whole_film_model_finds_no_lungs_to_make_its_classifier_views(default_bundle, monkeypatch):
    """Training and adapting a whole-film model make its views for thousands of films: the
    segmenter's masks would be thrown away, so they are never computed; the lung view needs them."""
    from covidxray_desktop.imaging.preprocess import FILM_LUNGS, LUNG_VIEW
    from covidxray_desktop.model.network import Network

    network = Network(default_bundle)
    assert network.method == FILM_LUNGS
    films = np.random.default_rng(0).random((3, 256, 256)).astype(np.float32)
    expected = network.views(films)
    found = []
    monkeypatch.setattr(network, "masks", lambda bases: found.append(len(bases)) or np.ones((len(bases), 64, 64), bool))
    assert np.array_equal(network.views(films), expected) and found == []
    assert np.array_equal(network.lung_views(films)[1], expected) and found == [3]  # the gate's route still has them
    network.method = LUNG_VIEW
    network.views(films)
    assert found == [3, 3]


def test_info_says_whether_a_model_trained_here_saves_its_segmenter_in_int8(capsys, monkeypatch):
    import sys

    from covidxray_desktop.cli import main

    assert main(["info"]) == 0
    assert "saves its lung segmenter: in int8 where its masks match" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "onnxruntime.quantization.shape_inference", None)  # as in a frozen app missing it
    assert main(["info"]) == 0
    assert "saves its lung segmenter: in float (ONNX Runtime's quantiser cannot be loaded" in capsys.readouterr().out


def test_exporting_a_bundle_again_keeps_its_int8_segmenter_export_which_its_gate_was_fitted_on(own_model):
    from covidxray_desktop.cli import main

    before = load(own_model).part_bytes("lungs")
    assert main(["export", str(own_model)]) == 0
    again = load(own_model)
    assert again.part_bytes("lungs") == before and again.card["runtime"]["lungs"]["precision"] == "int8"
    assert again.card["runtime"]["classifier"]["precision"] == "float32"
