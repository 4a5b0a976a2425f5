"""A model bundle says which model answered: a changed network never keeps the old name, and a
bundle whose parts disagree is refused at load with a sentence naming the file and the field.

The attacker (or a careless copy) edits a bundle and rewrites the card's hashes to match, as
anyone can; what must hold then is that the app notices what it would run differently.
"""
import hashlib
import json
import re

import numpy as np
import onnx
import pytest
from factory import chest_like, save_png8
from onnx import helper, numpy_helper

from covidxray_desktop.cli import main
from covidxray_desktop.errors import ModelError
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model.network import Network


def card_of(model):
    return json.loads(model.with_suffix(".json").read_text())


def write_card(model, card, raw=None):
    model.with_suffix(".json").write_text(raw or json.dumps(card, indent=1))


def swap_classifier(model, graph: onnx.ModelProto, **save) -> None:
    """Put another network in the bundle and make the card name its hash, as an editor would."""
    target = model.with_name(model.stem + ".classifier.onnx")
    onnx.save(graph, str(target), **save)
    card = card_of(model)
    card["runtime"]["classifier"]["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    write_card(model, card)


def classify(model, tmp_path, capsys):
    films = tmp_path / "films"
    films.mkdir(exist_ok=True)
    save_png8(films / "a.png", chest_like(160))
    code = main(["classify", "--quiet", "--model", str(model), "--db", str(tmp_path / "r.db"),
                 "--csv", str(tmp_path / "out.csv"), str(films)])
    return code, capsys.readouterr().err


def test_a_changed_network_with_a_card_to_match_never_keeps_the_models_name(own_model):
    before = bundles.load(own_model)
    graph = onnx.load(str(own_model.with_name(own_model.stem + ".classifier.onnx")))
    first = graph.graph.initializer[0]
    first.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(first) * 1.5, first.name))
    swap_classifier(own_model, graph)
    after = bundles.load(own_model)
    assert after.card["keras_sha256"] == before.card["keras_sha256"]  # the .keras did not change...
    assert after.ident != before.ident and after.hash != before.hash  # ...but what classify runs did


def test_a_network_reading_its_weights_from_another_file_is_refused(own_model, tmp_path, capsys):
    """Weights kept beside the network would change the answers under an unchanged hash and name."""
    graph = onnx.load(str(own_model.with_name(own_model.stem + ".classifier.onnx")))
    swap_classifier(own_model, graph, save_as_external_data=True, location="weights.bin")
    code, err = classify(own_model, tmp_path, capsys)
    assert code == 2 and "default.classifier.onnx" in err and "other files" in err and "Traceback" not in err
    assert not (tmp_path / "r.db").exists() or "ok" not in (tmp_path / "out.csv").read_text()


def test_a_network_with_an_operator_this_app_lacks_is_refused(own_model, tmp_path, capsys):
    x = helper.make_tensor_value_info("xray", onnx.TensorProto.FLOAT, ["N", 160, 160, 1])
    f = helper.make_tensor_value_info("features", onnx.TensorProto.FLOAT, ["N", 10, 10, 160])
    z = helper.make_tensor_value_info("logit", onnx.TensorProto.FLOAT, ["N", 1])
    nodes = [helper.make_node("Steal", ["xray"], ["features", "logit"], domain="com.example")]
    graph = helper.make_model(helper.make_graph(nodes, "g", [x], [f, z]),
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    swap_classifier(own_model, graph)
    code, err = classify(own_model, tmp_path, capsys)
    assert code == 2 and "default.classifier.onnx" in err and "ONNX Runtime cannot run" in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("field,value", [(("input", "size"), 192), (("input", "channels"), 3),
                                         (("output",), "softmax")])
def test_a_card_whose_shapes_disagree_with_its_networks_is_refused(own_model, tmp_path, capsys, field, value):
    card = card_of(own_model)
    block = card
    for key in field[:-1]:
        block = block[key]
    block[field[-1]] = value
    write_card(own_model, card)
    code, err = classify(own_model, tmp_path, capsys)
    assert code == 2 and "default.classifier.onnx" in err and "Traceback" not in err, err
    assert (field[-1] in err) or ("output" in err), err
    with pytest.raises(ModelError):  # the Keras route checks the same promises
        Network(bundles.load(own_model, keras=True), "keras")


def test_card_values_that_would_break_later_reports_are_refused_naming_the_field(own_model):
    card = card_of(own_model)
    huge = "1" + "0" * 400
    cases = [
        (json.dumps(dict(card, threshold=0.5)).replace('"threshold": 0.5', f'"threshold": {huge}'), "threshold"),
        (json.dumps(dict(card, input={"size": 1, "channels": 1})).replace('"size": 1,', f'"size": {huge},'), "size"),
        (json.dumps(dict(card, metrics=[1, 2])), "metrics"),
        (json.dumps({k: v for k, v in card.items() if k != "lungs"}), "lungs"),
        (json.dumps(dict(card, metrics=dict(card["metrics"], test=dict(card["metrics"]["test"], auc="0.97")))),
         "metrics.test.auc"),
        (json.dumps(dict(card, metrics=dict(card["metrics"], test=dict(card["metrics"]["test"],
                                                                        auc_ci95="wide")))), "metrics.test.auc_ci95"),
        (json.dumps(dict(card, head=dict(card["head"], bias=1.0))).replace('"bias": 1.0', '"bias": 1e400'), "head"),
    ]
    for raw, field in cases:
        write_card(own_model, None, raw)
        with pytest.raises(ModelError, match=field.replace(".", r"\.")) as caught:
            bundles.load(own_model)
        assert str(caught.value).startswith("default.json:") and len(str(caught.value)) < 300


def test_the_shipped_model_loads_runs_and_names_itself_by_all_its_files(default_bundle):
    assert re.fullmatch(r"default@\d{4}-\d{2}-\d{2}\+[0-9a-f]{8}", default_bundle.ident)  # name@day+hash
    assert default_bundle.ident.endswith(default_bundle.hash[:8])
    network = Network(default_bundle)
    assert network.runtime == "onnx"
    size = default_bundle.card["input"]["size"]
    _, logits = network.classify(np.zeros((1, size, size, 1), np.float32))
    assert logits.shape == (1,)


@pytest.mark.parametrize("damage", ["a card cut short", "a card that is a folder"])
def test_info_says_a_default_model_that_cannot_be_used_and_exits_1(tmp_path, capsys, monkeypatch, damage):
    # A health-check script read "fine": the error was printed indented and info exited 0; a card that
    # was a folder stopped info half-way, the store's and the log's lines lost.
    import shutil

    from covidxray_desktop import paths

    model = tmp_path / "default.keras"
    shutil.copy(paths.default_model(), model)
    card = tmp_path / "default.json"
    if damage == "a card cut short":
        card.write_text(paths.default_model().with_suffix(".json").read_text()[:500])
    else:
        card.mkdir()
    monkeypatch.setattr(paths, "default_model", lambda: model)
    assert main(["info"]) == 1
    out = capsys.readouterr().out
    assert "default.json" in out and "cannot be used" in out and "results store:" in out and "log:" in out
