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


def test_a_large_batch_runs_in_chunks_and_gives_each_film_what_it_gets_alone_on_its_own_session(default_bundle):
    from covidxray_desktop.model.runtime import CHUNK, OnnxPart

    part = OnnxPart(default_bundle.part_bytes("classifier"))
    films = np.random.default_rng(2).random((CHUNK + 5, 224, 224, 1)).astype(np.float32)
    features, logits = part.run(films)
    assert features.shape[0] == logits.shape[0] == CHUNK + 5
    for k in (0, CHUNK - 1, CHUNK, CHUNK + 4):  # either side of the chunk's edge
        alone_features, alone_logit = part.run(films[k:k + 1])
        assert np.allclose(logits[k], alone_logit[0], atol=1e-5)
        assert np.allclose(features[k], alone_features[0], atol=1e-4 * np.abs(alone_features).max())
    # One film runs with its threads spinning (a sooner answer); batches on a session whose threads
    # sleep between operators, leaving the cores to decoding and drawing.
    spinning = lambda session: session.get_session_options().get_session_config_entry(  # noqa: E731
        "session.intra_op.allow_spinning")
    assert spinning(part.session) == "1" and spinning(part._batches) == "0"
