"""The lung segmenter runs in int8 (a third of its time) where real films set its ranges, its masks
then matched Keras', and the processor does int8 arithmetic exactly; everywhere else the float
export beside it runs. The classifier stays in float."""
import importlib.util
from pathlib import Path

import numpy as np

from covidxray_desktop.model import export, runtime
from covidxray_desktop.model.bundle import load
from covidxray_desktop.model.lungs import segmenter_input
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.runtime import INT8_LUNGS, OnnxPart
from covidxray_desktop.paths import resources_dir
from covidxray_desktop.training import cache, dataset
from covidxray_desktop.training.evaluate import route_of

ROOT = Path(__file__).resolve().parents[1]


def _films(bundle, data, split: str, n: int) -> np.ndarray:
    samples, _ = dataset.discover(data / "manifest.csv")
    picked = [s for s in samples if s.split == split][:n]
    decoded, _ = cache.decode(picked, route_of(bundle))
    return np.stack([segmenter_input(np.asarray(b, np.float32)) for b in decoded.first])[..., None]


def _agreement(part, films, keras) -> np.ndarray:
    return (np.asarray(part.run(films)[0] > 0) == keras).reshape(len(films), -1).mean(axis=1)


def test_the_segmenter_that_runs_here_finds_the_lungs_keras_finds_and_int8_runs_only_where_it_does(
        default_bundle, shared_data):
    parts = default_bundle.card["runtime"]
    assert (parts["lungs"]["precision"], parts[INT8_LUNGS]["precision"], parts["classifier"]["precision"]) == \
        ("float32", "int8", "float32")
    films = _films(default_bundle, shared_data, "test", 64)
    keras = np.asarray(load(default_bundle.path, keras=True).keras_part("lungs").predict_on_batch(films)) > 0
    running = Network(default_bundle, runtime="onnx")._lungs
    assert running._model == default_bundle.part_bytes(INT8_LUNGS if runtime.int8_exact() else "lungs")
    assert _agreement(running, films, keras).min() >= export.MASK_AGREEMENT
    # Where int8 arithmetic saturates (x86 without VNNI) the int8 masks are as little as 94 % Keras':
    # the probe must have said so, and the float export runs there.
    if _agreement(OnnxPart(default_bundle.part_bytes(INT8_LUNGS)), films, keras).min() < export.MASK_AGREEMENT:
        assert not runtime.int8_exact()


def test_the_network_runs_the_int8_segmenter_where_int8_is_exact_and_the_float_one_elsewhere(
        default_bundle, monkeypatch):
    for exact, part in ((True, INT8_LUNGS), (False, "lungs")):
        monkeypatch.setattr(runtime, "int8_exact", lambda exact=exact: exact)
        assert Network(default_bundle, runtime="onnx")._lungs._model == default_bundle.part_bytes(part)
        exports = {"classifier": default_bundle.part_bytes("classifier"), **default_bundle.lung_exports()}
        assert Network.from_exports(default_bundle.card, exports)._lungs._model == exports[part]


def test_an_answer_stored_with_one_segmenter_export_is_not_served_where_the_other_runs(
        default_bundle, shared_data, tmp_path, monkeypatch):
    """A store moved to a computer whose int8 arithmetic saturates (a roaming profile, a copied
    folder): its refusals came from other lung masks, so each film is run again there."""
    import csv

    from covidxray_desktop.cli import main
    from covidxray_desktop.prepare import ROUTE_VERSION
    from covidxray_desktop.store import Store

    rows = csv.DictReader(open(shared_data / "manifest.csv"))
    film = next(shared_data / r["file"] for r in rows if r["split"] == "test")
    run = ["classify", "--quiet", "--db", str(tmp_path / "r.db"), "--csv", str(tmp_path / "out.csv"), str(film)]
    made_with, served = [], []
    lookup = Store.lookup
    monkeypatch.setattr(Store, "lookup", lambda store, *key: served.append(lookup(store, *key)) or served[-1])
    for exact in (True, False, False):
        monkeypatch.setattr(runtime, "int8_exact", lambda exact=exact: exact)
        assert main(run) == 0
        made_with.append(Store(tmp_path / "r.db").history()[-1].made_with)
    assert made_with == [f"route {ROUTE_VERSION}; onnx, {INT8_LUNGS}"] + [f"route {ROUTE_VERSION}; onnx, lungs"] * 2
    assert [answer is not None for answer in served] == [False, False, True]  # made, made again, then reused
    assert len(Store(tmp_path / "r.db").history()) == 1


def test_a_model_saved_when_its_one_segmenter_export_was_int8_says_so_where_that_saturates_and_export_mends_it(
        own_model, monkeypatch):
    import json

    from covidxray_desktop.cli import main
    from covidxray_desktop.logs import log

    card_file = own_model.with_suffix(".json")
    card = json.loads(card_file.read_text(encoding="utf-8"))
    card["runtime"]["lungs"] = card["runtime"].pop(INT8_LUNGS)  # as models were saved before float was kept beside
    (own_model.parent / "default.lungs.onnx").unlink()
    card_file.write_text(json.dumps(card, indent=1), encoding="utf-8")
    old = load(own_model)
    warned = []
    monkeypatch.setattr(log, "warning", lambda text, *args: warned.append(text % args))
    monkeypatch.setattr(runtime, "int8_exact", lambda: False)
    # Its answers say they came from distorted masks (a store never serves them where they are not)...
    assert Network(old, runtime="onnx").runs == "onnx, lungs, int8 on saturating arithmetic"
    assert any("covidxray export default.keras" in line for line in warned)
    # ... and `export` keeps its int8 export, the one its gate was fitted on, and makes a float one beside it.
    assert main(["export", str(own_model)]) == 0
    mended = load(own_model)
    assert mended.part_bytes(INT8_LUNGS) == old.part_bytes("lungs")
    assert export.precision(mended.part_bytes("lungs")) == "float32"
    assert Network(mended, runtime="onnx").runs == "onnx, lungs"


def test_the_shipped_probe_is_the_one_its_script_writes_and_a_missing_probe_means_float(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("int8_probe", ROOT / "docs" / "model" / "int8_probe.py")
    probe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probe)
    assert (resources_dir() / "probes" / "int8_saturation.onnx").read_bytes() == probe.probe_bytes()
    answer = OnnxPart(probe.probe_bytes()).session.run(None, {"x": np.full((1, 16, 8, 8), 255, np.uint8)})[0]
    assert set(np.unique(answer)) <= {probe.EXACT, 101}  # exact, or saturated in pairs
    assert runtime.int8_exact() == (answer == probe.EXACT).all()
    assert runtime.int8_arithmetic() == ("exact" if runtime.int8_exact() else "saturates")
    runtime.int8_arithmetic.cache_clear()
    monkeypatch.setattr("covidxray_desktop.paths.resources_dir", lambda: tmp_path)  # a frozen app missing it
    try:
        assert runtime.int8_arithmetic().startswith("the probe could not be run") and runtime.int8_exact() is False
    finally:
        runtime.int8_arithmetic.cache_clear()


def test_a_fresh_export_saves_int8_beside_float_only_where_it_can_be_checked_with_enough_real_films(
        default_bundle, shared_data, monkeypatch):
    model = load(default_bundle.path, keras=True).keras()
    keep = {"classifier": default_bundle.part_bytes("classifier")}  # taken as it is: only the segmenter is exported
    films = _films(default_bundle, shared_data, "val", 32)
    made = export.light(model, {"lungs": films}, keep)
    assert made["classifier"] is keep["classifier"] and export.precision(made["lungs"]) == "float32"
    if runtime.int8_exact():
        assert export.precision(made[INT8_LUNGS]) == "int8"
    else:  # its masks could not be checked as they would run where int8 is exact
        assert INT8_LUNGS not in made
    monkeypatch.setattr(runtime, "int8_exact", lambda: True)  # below: every other reason keeps float only
    few = export.light(model, {"lungs": films[:export.MIN_FILMS - 1]}, keep)  # too few to set ranges and check them
    assert INT8_LUNGS not in few and INT8_LUNGS not in export.light(model, None, keep)  # no real films at all
    monkeypatch.setattr(export, "MASK_AGREEMENT", 1.0 + 1e-9)  # no int8 copy can be this exact: float only
    assert INT8_LUNGS not in export.light(model, {"lungs": films}, keep)


def test_a_quantiser_that_fails_or_makes_what_onnx_runtime_refuses_leaves_the_segmenter_in_float(
        default_bundle, shared_data, monkeypatch):
    model = load(default_bundle.path, keras=True).keras()
    films = _films(default_bundle, shared_data, "val", 32)
    keep = {"classifier": default_bundle.part_bytes("classifier")}
    monkeypatch.setattr(runtime, "int8_exact", lambda: True)

    def broken(data, films):
        raise RuntimeError("this graph cannot be quantised")

    for quantiser in (broken, lambda data, films: b"not a network"):  # the save goes on either way
        monkeypatch.setattr(export, "quantised", quantiser)
        made = export.light(model, {"lungs": films}, keep)
        assert export.precision(made["lungs"]) == "float32" and INT8_LUNGS not in made


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

    for arithmetic, saves, runs in (
            ("exact", "in float, and in int8 where its masks match", "in int8 where the model has it"),
            ("saturates", "in float only (this processor's int8 arithmetic saturates)",
             "in float (this processor's int8 arithmetic saturates)"),
            ("the probe could not be run (no such file)", "in float only (the probe could not be run",
             "in float (the probe could not be run")):
        monkeypatch.setattr(runtime, "int8_arithmetic", lambda arithmetic=arithmetic: arithmetic)
        assert main(["info"]) == 0
        out = capsys.readouterr().out
        assert f"saves its lung segmenter: {saves}" in out and f"runs its lung segmenter: {runs}" in out
    monkeypatch.setitem(sys.modules, "onnxruntime.quantization.shape_inference", None)  # as in a frozen app missing it
    assert main(["info"]) == 0
    assert "saves its lung segmenter: in float (ONNX Runtime's quantiser cannot be loaded" in capsys.readouterr().out


def test_exporting_a_bundle_again_keeps_both_segmenter_exports_which_its_gate_was_fitted_on(own_model, capsys):
    from covidxray_desktop.cli import main

    first = load(own_model)
    before = first.lung_exports()
    assert main(["export", str(own_model)]) == 0
    again = load(own_model)
    said = capsys.readouterr()  # what was made and what kept, and the new name the stored results now miss
    assert "exported classifier for the light runtime" in said.out and "kept lungs, lungs_int8" in said.out
    if again.ident != first.ident:
        assert f"the model is now named {again.ident} (it was {first.ident})" in said.err
    assert again.lung_exports() == before and again.card["runtime"][INT8_LUNGS]["precision"] == "int8"
    assert again.card["runtime"]["classifier"]["precision"] == again.card["runtime"]["lungs"]["precision"] == "float32"


def test_a_renamed_copy_is_exported_under_its_own_name_and_leaves_the_original_alone(own_model):
    import shutil

    from covidxray_desktop.cli import main

    folder = own_model.parent
    for suffix in (".keras", ".json"):
        shutil.copy(own_model.with_suffix(suffix), folder / f"copy{suffix}")
    original = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(["export", str(folder / "copy.keras")]) == 0
    copy = load(folder / "copy.keras")
    assert {copy.part_path(part).name for part in copy.card["runtime"]} == {
        f"copy.{part}.onnx" for part in copy.card["runtime"]}
    assert all((folder / name).read_bytes() == data for name, data in original.items() if name != "copy.json")
    assert load(own_model).lung_exports() == copy.lung_exports()
