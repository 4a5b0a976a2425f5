"""The light runtime is the model: on every test film it gives Keras' answer, refusal and heat map."""
import numpy as np

from covidxray_desktop.model import cam
from covidxray_desktop.model.bundle import load
from covidxray_desktop.training import cache, dataset


def test_onnx_and_keras_agree_on_every_test_film(default_bundle, shared_data):
    from covidxray_desktop.inference import Predictor

    samples, _ = dataset.discover(shared_data / "manifest.csv")
    test = [s for s in samples if s.split == "test"]
    light = Predictor(default_bundle, decode_limit_s=None, runtime="onnx")
    heavy = Predictor(load(default_bundle.path, keras=True), decode_limit_s=None, runtime="keras")
    decoded, _ = cache.decode(test, light.route)
    assert len(decoded.samples) == len(test) > 500
    weights, bias = np.asarray(default_bundle.card["head"]["weights"]), default_bundle.card["head"]["bias"]
    for i in range(0, len(test), 64):
        first, thumbs = decoded.first[i:i + 64], decoded.thumbs[i:i + 64]
        (a, _, refused_a), (b, _, refused_b) = light.assess(first, thumbs), heavy.assess(first, thumbs)
        assert np.max(np.abs(light.probability(a.logits) - heavy.probability(b.logits))) < 1e-4
        assert refused_a == refused_b  # the gate decides the same, for the same reason
        for fa, fb in zip(a.features, b.features):
            ga, gb = cam.grid(fa, weights, bias), cam.grid(fb, weights, bias)
            assert np.max(np.abs(ga - gb)) <= 0.01 * max(np.max(np.abs(gb)), cam.FLOOR)
