"""A data scientist trains on the ImageNet-pretrained backbone the app ships: no download, the
same bundle, the same light runtime."""
import numpy as np
import pytest
from factory import class_folders

from covidxray_desktop.model import efficientnet


def test_the_shipped_imagenet_weights_fill_every_backbone_layer_and_the_early_blocks_stay_frozen():
    from covidxray_desktop.model.architectures import FEATURES, build

    model = build("efficientnet")
    with np.load(efficientnet.weights_path()) as stored:
        for key in stored.files:
            name, i = key.rsplit("/", 1)
            assert np.array_equal(model.get_layer(name).get_weights()[int(i)], stored[key]), key
        filled = {key.rsplit("/", 1)[0] for key in stored.files}
    conv_like = {layer.name for layer in model.layers if layer.weights and layer.name.startswith(("stem", "b", "head"))}
    assert conv_like == filled  # nothing of the backbone left at random
    assert not model.get_layer("b13_dw").trainable and model.get_layer("b14_dw").trainable
    assert model.get_layer(FEATURES).output.shape[1:] == (7, 7, efficientnet.HEAD_WIDTH)  # 224 px view


def test_the_frozen_blocks_run_once_per_augmented_copy_and_the_epochs_train_only_the_layers_after_them():
    from covidxray_desktop.model.architectures import SPECS, build
    from covidxray_desktop.training import fit
    from covidxray_desktop.training.dataset import Sample

    spec = dict(SPECS["efficientnet"], batch=8)
    rng = np.random.default_rng(0)
    views = rng.random((12, spec["size"], spec["size"])).astype(np.float16)
    samples = [Sample(None, i % 2, "s", str(i), "train") for i in range(12)]
    model = build("efficientnet")
    trunk, top = fit.frozen_split(model)
    assert trunk.output.shape[1:] == (7, 7, 192) and top.layers[1].name.startswith("b14_")
    frozen_before = [w.copy() for w in trunk.get_weights()]
    top_before = [w.copy() for w in top.get_weights()]
    stages = []
    history, trained = fit.run("efficientnet", spec, {"train": samples, "val": samples},
                               {"train": (views, None), "val": (views, None)}, 2, 0,
                               lambda e: stages.append(e.get("message", "")), lambda: False)
    assert len(history) == 2
    assert any(f"{fit.COPIES} augmented copies" in m for m in stages)
    after = dict(zip((w.path for w in trained.weights), trained.get_weights()))
    assert all(np.array_equal(after[w.path], b) for w, b in zip(trunk.weights, frozen_before))  # ImageNet kept
    assert any(not np.array_equal(after[w.path], b) for w, b in zip(top.weights, top_before) if w.trainable)
    # The trained whole network is exactly the trunk followed by the top.
    x = views[:4, ..., None].astype(np.float32)
    whole = np.asarray(trained.predict_on_batch(x))
    trunk2, top2 = fit.frozen_split(trained)
    assert np.allclose(whole, np.asarray(top2.predict_on_batch(trunk2.predict_on_batch(x))), atol=1e-5)


def test_the_frozen_pass_runs_on_the_light_runtime_and_falls_back_to_keras_when_the_export_disagrees():
    from covidxray_desktop.model.architectures import build
    from covidxray_desktop.training import fit
    from covidxray_desktop.training.trunk import Trunk

    trunk_net, _ = fit.frozen_split(build("efficientnet"))
    x = np.random.default_rng(1).random((3, 224, 224, 1)).astype(np.float32)
    keras_out = np.asarray(trunk_net.predict_on_batch(x))
    scale = np.abs(keras_out).max()
    trunk = Trunk(trunk_net)
    first, second = trunk(x), trunk(x[::-1])
    assert trunk.runtime == "onnx" and first.dtype == np.float16
    assert np.abs(first - keras_out).max() <= 2e-3 * scale  # float16 rounding, not a different network
    assert np.abs(second[::-1] - first).max() <= 2e-3 * scale
    broken = Trunk(trunk_net)
    broken._onnx.run = lambda batch: [np.zeros_like(keras_out)]  # an export that computes something else
    assert np.abs(broken(x) - keras_out).max() <= 2e-3 * scale
    assert broken.runtime == "keras" and np.abs(broken(x) - keras_out).max() <= 2e-3 * scale


def test_a_pretrained_model_trains_saves_and_classifies_on_the_light_runtime(tmp_path, monkeypatch):
    from covidxray_desktop.model.bundle import card_path, load
    from covidxray_desktop.model.calibration import sigmoid
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.prepare import Route
    from covidxray_desktop.training import cache, dataset, finish
    from covidxray_desktop.training.job import train

    seen, runnable = {}, finish.runnable

    def watched(*args):
        network, combined, exported = runnable(*args)
        seen.update(runtime=network.runtime, exported=exported)
        return network, combined, exported

    monkeypatch.setattr(finish, "runnable", watched)
    data = class_folders(tmp_path / "site", per_class=16)
    bundle, _ = train(data, arch="efficientnet", epochs=1, out_dir=tmp_path / "m", name="pretrained")
    card = bundle.card
    # Calibration, the gate and the shift test were fitted on the very export the bundle holds.
    assert seen["runtime"] == "onnx" and set(seen["exported"]) == {"classifier", "lungs"}
    assert all(bundle.part_bytes(part) == data_ for part, data_ in seen["exported"].items())
    import onnx

    entry = [n.op_type for n in onnx.load_from_string(bundle.part_bytes("classifier")).graph.node]
    assert "Concat" not in entry  # the grey film is read channels-first (model/graph.py)
    assert card["arch"] == "efficientnet" and card["input"]["size"] == 224
    # The gate works on the 1,280 pooled features projected to at most 64 directions (fewer here: a
    # few films span fewer): a card of a few MB, not 20.
    rows, width = np.shape(card["ood"]["feature_basis"])
    assert rows <= 64 and width == efficientnet.HEAD_WIDTH
    assert card_path(bundle.path).stat().st_size < 4e6
    assert "Apache-2.0" in card["training"]["pretrained"]
    samples, _ = dataset.discover(data)
    decoded, _ = cache.decode(samples[:8], Route(224, card["preprocessing"]))
    light = Network(load(bundle.path), "onnx").forward(decoded.first)
    heavy = Network(load(bundle.path, keras=True), "keras").forward(decoded.first)
    assert np.max(np.abs(sigmoid(light.logits) - sigmoid(heavy.logits))) < 1e-4
    assert light.features.shape[1:] == (7, 7, efficientnet.HEAD_WIDTH)
    # A clinic adapts it to its own films as it adapts any model of the app.
    from covidxray_desktop.training.adapt import adapt

    from covidxray_desktop.model import export

    site = class_folders(tmp_path / "clinic", per_class=12)
    light, kept = export.light, []
    monkeypatch.setattr(export, "light",
                        lambda model, inputs=None, keep=None: kept.append(keep) or light(model, inputs, keep))
    adapted, _ = adapt(site, tmp_path / "site", "site", base=load(bundle.path, keras=True), epochs=1)
    assert adapted.card["arch"] == "efficientnet" and adapted.card["adapted_from"]["model"] == bundle.ident
    # Training kept the rehearsal store, which let adaptation fine-tune blocks 14-15 beside it.
    assert card["rehearsal"]["films"] > 0 and "blocks 14-15" in adapted.card["adapted_from"]["trained"]
    assert set(adapted.card["metrics"]) == {"site", "operating_points"}  # its own figures, none of its base's
    # The segmenter is not adapted: the adapted model runs its base's exports, the ones its gate was fitted on.
    assert kept == [bundle.lung_exports()] and "lungs" in kept[0]
    assert load(adapted.path).lung_exports() == bundle.lung_exports()
    # A bundle whose store went missing is refused with the way out, which rebuilds it.
    from covidxray_desktop.cli import main
    from covidxray_desktop.errors import DataError

    store = bundle.path.parent / card["rehearsal"]["file"]
    store.unlink()
    fresh = load(bundle.path, keras=True)
    fresh.card.pop("rehearsal")
    with pytest.raises(DataError, match="covidxray rehearsal"):
        adapt(site, tmp_path / "site2", "site", base=fresh, epochs=1)
    assert main(["rehearsal", str(data), "--model", str(bundle.path)]) == 0
    rebuilt = load(bundle.path).card["rehearsal"]
    assert store.is_file() and (rebuilt["films"], rebuilt["counts"]) == (card["rehearsal"]["films"],
                                                                          card["rehearsal"]["counts"])


def test_the_gate_on_wide_features_refuses_a_film_that_differs_only_off_the_kept_directions():
    """Chest films vary along few directions of the 1,280 features; a CT slice can sit close to them
    inside those directions and far away outside them. The gate measures both."""
    from covidxray_desktop.model.ood import FEATURE_DIMS, THUMB, Gate

    rng = np.random.default_rng(0)
    width, n = 320, 600
    directions = np.linalg.qr(rng.normal(size=(width, FEATURE_DIMS)))[0].T  # where films vary
    pooled = rng.normal(size=(n, FEATURE_DIMS)) * 3 @ directions + rng.normal(size=(n, width)) * 0.05
    labels = np.arange(n) % 2
    thumbs = rng.random((n, THUMB * THUMB)).astype(np.float32)
    gate = Gate.fit(thumbs[:500], pooled[:500], labels[:500], thumbs[500:], pooled[500:], lung_check=False)
    outside = rng.normal(size=width)
    outside -= directions.T @ (directions @ outside)  # nothing along the kept directions
    odd = pooled[500:510] + outside * 2.0  # as far off as a typical film is within
    _, familiar = gate.distances(thumbs[500:510], pooled[500:510])
    _, strange = gate.distances(thumbs[500:510], odd)
    assert np.sum(gate._tail(familiar, gate.maha_q) > gate.tail) >= 9  # the gate's tail: about 1 in 300 refused
    assert np.all(gate._tail(strange, gate.maha_q) < gate.tail)
    # A gate kept from before (no left-out part in its card) still measures as it did.
    older = Gate({k: v for k, v in gate.stats.items() if k not in ("feature_centres", "residual_variance")})
    assert np.allclose(older.distances(thumbs[500:510], odd)[1], older.distances(thumbs[500:510], pooled[500:510])[1],
                       rtol=0.2)


def test_the_gate_measures_a_card_read_back_as_it_would_by_rebuilding_each_film():
    """The gate takes its residuals and off-basis distances from norms, not by rebuilding each
    thumbnail and feature row: on a gate read back from its (rounded) card, the same numbers."""
    from covidxray_desktop.model.ood import THUMB, Gate

    rng = np.random.default_rng(1)
    pooled = rng.normal(size=(400, 320)) * np.linspace(3, 0.1, 320)
    thumbs = rng.random((400, THUMB * THUMB)).astype(np.float32)
    gate = Gate(Gate.fit(thumbs[:300], pooled[:300], np.arange(300) % 2, thumbs[300:], pooled[300:],
                         lung_check=False).to_card())
    t = thumbs[300:] - gate.mean
    rebuilt = np.mean((t - (t @ gate.components.T) @ gate.components) ** 2, axis=1)
    assert np.allclose(gate._residual(thumbs[300:]), rebuilt, rtol=1e-4)
    full = pooled[300:]
    d = full @ gate.basis.T
    d = d[:, None, :] - gate.class_means[None]
    maha = np.einsum("ncd,de,nce->nc", d, gate.precision, d)
    off = np.sum((full[:, None, :] - gate.centres[None]) ** 2, axis=2) - np.sum(d ** 2, axis=2)
    expected = np.sqrt(np.maximum((maha + np.maximum(off, 0) / gate.residual_variance).min(axis=1), 0))
    assert np.allclose(gate.distances(thumbs[300:], full)[1], expected, rtol=1e-6)


def test_adapting_the_backbone_trains_blocks_14_15_and_the_head_only_and_the_pull_keeps_them_near():
    from covidxray_desktop.model.architectures import build
    from covidxray_desktop.training import finetune, rehearsal

    model = build("efficientnet")
    rng = np.random.default_rng(0)
    x = rng.random((4, 224, 224, 1)).astype(np.float32)
    # The store's premise: the frozen trunk's output, through the top, is the whole network.
    features, logit = rehearsal.top(model).predict_on_batch(rehearsal.trunk(model).predict_on_batch(x))
    assert np.allclose(np.asarray(logit), np.asarray(model.predict_on_batch(x)), atol=1e-4)
    copies = rng.random((2, 16, 7, 7, 192)).astype(np.float16) * 4
    store = {"trunk": rng.random((16, 7, 7, 192)).astype(np.float16) * 4, "labels": np.arange(16) % 2}
    y = np.arange(16) % 2
    moved = {}
    for strength in (0.0, 10.0):
        finetune.L2SP, before = strength, finetune.L2SP
        try:
            _, tuned = finetune.tune(model, copies, y, store, 2, 0)
        finally:
            finetune.L2SP = before
        change = {w.path: float(np.abs(np.asarray(w) - np.asarray(v)).sum()) for w, v in zip(tuned.weights,
                                                                                              model.weights)}
        assert all(c == 0 for path, c in change.items() if not path.startswith(("b14_", "b15_", "head_", "logit"))
                   or "_bn" in path)  # the frozen blocks and every batch norm stay exactly
        assert change["b14_expand/kernel"] > 0 and change["logit/kernel"] > 0
        moved[strength] = change["b15_project/kernel"]
    assert moved[10.0] < moved[0.0]  # the pull towards the starting weights holds them nearer


def test_a_moved_gate_follows_its_features_and_still_refuses_what_is_far():
    from covidxray_desktop.model.ood import Gate

    rng = np.random.default_rng(0)
    thumbs = rng.random((400, 1024)).astype(np.float32)
    pooled = rng.normal(0, 1, (400, 300))
    labels = np.arange(400) % 2
    pooled[labels == 1] += 0.5
    gate = Gate.fit(thumbs[:300], pooled[:300], labels[:300], thumbs[300:], pooled[300:], False)
    shifted = pooled + 3.0  # the adapted network's features of the same films
    _, far = gate.distances(thumbs[300:], shifted[300:])
    moved = gate.moved(pooled[:200], shifted[:200], labels[:200])
    _, near = moved.distances(thumbs[300:], shifted[300:])
    assert np.median(near) < np.median(far) / 2
    assert np.mean(moved._tail(near, moved.maha_q) < moved.tail) <= 0.05  # the films themselves are accepted
    _, outside = moved.distances(thumbs[300:310], shifted[300:310] + 30.0)
    assert np.all(moved._tail(outside, moved.maha_q) < moved.tail)
