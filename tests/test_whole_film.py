"""A researcher tries the whole-film recipe: the classifier sees the whole film, while the lung
segmenter still finds the lungs for the gate and outlines the heat map."""
import numpy as np

from covidxray_desktop.imaging.preprocess import FILM_LUNGS, crop_fractions
from covidxray_desktop.model import cam, lungs
from covidxray_desktop.model.bundle import load as load_bundle
from covidxray_desktop.model.network import Network
from factory import chest_like


def test_a_whole_film_model_keeps_a_segmenter_and_classifies_with_lungs_and_heat_map(tmp_path, tiny_bundle):
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.training.job import train

    manifest = tiny_bundle.data
    bundle, _ = train(manifest, epochs=1, out_dir=tmp_path / "model", name="film", variants=("whole-film",),
                      lungs_from=tiny_bundle.path)  # its segmenter, trained once in the fixture
    assert bundle.card["preprocessing"] == FILM_LUNGS and bundle.has_lungs
    assert bundle.card["training"]["variants"] == ["whole-film"]

    network = Network(load_bundle(bundle.path), "onnx")
    films = np.stack([chest_like(256, seed=s) for s in range(3)]).astype(np.float32)
    out = network.forward(films)
    assert out.masks is not None and out.masks.shape == (3, 64, 64)  # the gate gets its lung fields
    whole = np.stack([lungs.classifier_view(f, None, network.size) for f in films])
    assert np.allclose(out.views[..., 0], whole)  # what the classifier saw: the whole film, not the lungs' box

    predictor = Predictor(load_bundle(bundle.path), decode_limit_s=None)
    try:
        row = predictor.predict_file(manifest.parent / "images" / "covid_00.png")
    finally:
        predictor.close()
    assert row.status == "ok" and row.heat is not None
    assert row.heat.frame == (0.0, 1.0, 0.0, 1.0) and row.heat.lungs is not None  # spans the film, outlined by lungs


def test_a_whole_film_heat_map_spans_the_film_and_warns_only_when_the_evidence_avoids_the_lungs():
    film = np.zeros((300, 260), np.float32)
    film[30:270, 20:240] = chest_like(240, 1)[:, :220]
    lung_mask = np.zeros((64, 64), bool)
    lung_mask[10:50, 8:28] = lung_mask[10:50, 36:56] = True
    weights = np.array([2.0, 0, 0, 0])

    between = np.zeros((10, 10, 4), np.float32)
    between[3:7, 4:6, 0] = 1.0  # evidence between the lungs: the mediastinum
    heat = cam.make(between, weights, 0.0, crop_fractions(film), lung_mask, on_lungs=False)
    assert heat.frame == (0.0, 1.0, 0.0, 1.0)
    signed, share = cam.signed_map(heat, film.shape, "covid")
    assert share > cam.OUTSIDE_WARN  # the answer rests beside the lungs, and the share says so
    assert np.abs(signed[30:60]).max() < 0.2  # and the neck, outside the lungs, is not painted

    even = np.ones((10, 10, 4), np.float32)  # evidence spread evenly over the whole film
    heat = cam.make(even, weights, 0.0, crop_fractions(film), lung_mask, on_lungs=False)
    assert cam.outside_share(heat, "covid", 0.99, 0.5) < cam.OUTSIDE_WARN  # no warning for the neck and belly's area


def test_the_lungs_cannot_be_ablated_and_chosen_at_once():
    import pytest

    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.training.job import recipe

    with pytest.raises(UsageError, match="cannot be combined"):
        recipe("efficientnet", ablate=("lungs",), variants=("lung-view",))
    assert recipe("efficientnet", ablate=("lungs",))["preprocessing"] != FILM_LUNGS


def test_the_about_page_says_how_each_kind_of_model_looks_at_a_film():
    from covidxray_desktop.gui.dialogs import looks
    from covidxray_desktop.imaging.preprocess import GRAY_EQ, LUNG_VIEW

    said = {method: looks({"preprocessing": method}, lambda text: text) for method in (LUNG_VIEW, FILM_LUNGS, GRAY_EQ)}
    assert "judges only them" in said[LUNG_VIEW]
    assert said[FILM_LUNGS].startswith("It judges the whole film; it finds the lung fields")
    assert said[GRAY_EQ] == "It judges the whole film."
