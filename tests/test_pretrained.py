"""A data scientist trains on the ImageNet-pretrained backbone the app ships: no download, the
same bundle, the same light runtime."""
import numpy as np
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
    assert not model.get_layer("b3_dw").trainable and model.get_layer("b14_dw").trainable
    assert model.get_layer(FEATURES).output.shape[1:] == (7, 7, efficientnet.HEAD_WIDTH)


def test_a_pretrained_model_trains_saves_and_classifies_on_the_light_runtime(tmp_path):
    from covidxray_desktop.model.bundle import card_path, load
    from covidxray_desktop.model.calibration import sigmoid
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.prepare import Route
    from covidxray_desktop.training import cache, dataset
    from covidxray_desktop.training.job import train

    data = class_folders(tmp_path / "site", per_class=16)
    bundle, _ = train(data, arch="efficientnet", epochs=1, out_dir=tmp_path / "m", name="pretrained")
    card = bundle.card
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
