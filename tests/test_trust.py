"""The doctor sees where the model looked, and it refuses what is not a frontal chest X-ray."""
import csv

import numpy as np
import pytest
from factory import chest_like, write_dicom
from PIL import Image

from covidxray_desktop.inference import Predictor
from covidxray_desktop.training import ood_set


def test_heat_map_covers_the_image_at_its_own_resolution(tmp_path, tiny_bundle):
    from covidxray_desktop.model import cam

    film = sorted(tiny_bundle.folder.glob("covid_*.png"))[0]  # one the tiny model knows
    row = Predictor(tiny_bundle, overlays=True).predict_file(film)
    assert row.status == "ok", row.message
    signed, share = cam.signed_map(row.heat, row.pixels.shape, row.label())
    assert signed.shape == row.pixels.shape == (160, 160) and signed.dtype == np.float32
    assert -1 <= signed.min() and signed.max() <= 1 and 0 <= share <= 1
    again = cam.HeatMap.from_bytes(row.heat.to_bytes())  # what the store keeps draws the same map
    assert np.allclose(cam.signed_map(again, (160, 160), row.label())[0], signed, atol=2e-3)
    assert np.array_equal(again.lungs, row.heat.lungs) and row.heat.lungs.shape == (64, 64)
    # A year's list holds 50,000 maps: each keeps its mask packed, an eighth of the bytes of a bool one.
    import pickle

    assert len(pickle.dumps(again)) < again.lungs.size // 2


def test_heat_map_is_placed_where_the_model_looked_inside_black_borders_and_the_lungs():
    from covidxray_desktop.imaging.preprocess import crop_fractions
    from covidxray_desktop.model import cam

    film = np.zeros((300, 260), np.float32)
    film[30:270, 20:240] = chest_like(240, 1)[:, :220]  # black frame around the film
    features = np.zeros((10, 10, 4), np.float32)
    features[2, 7, 0] = 1.0  # evidence in the upper right of what the model saw
    heat = cam.make(features, np.array([2.0, 0, 0, 0]), 0.0, crop_fractions(film))
    signed, share = cam.signed_map(heat, film.shape, "covid")
    assert signed.shape == film.shape and share is None  # no lung fields: no share
    assert np.abs(signed[:30]).max() == 0 and np.abs(signed[:, :20]).max() == 0  # nothing on the frame
    y, x = np.unravel_index(signed.argmax(), signed.shape)
    assert 30 <= y < 150 and 130 <= x < 240
    lungs = np.zeros((64, 64), bool)
    lungs[10:50, 8:28] = lungs[10:50, 36:56] = True  # two lung fields; the grid now spans their box
    between = np.zeros((10, 10, 4), np.float32)
    between[5, 5, 0] = 1.0  # evidence in the middle of the box: between the lungs, the mediastinum
    heat = cam.make(between, np.array([2.0, 0, 0, 0]), 0.0, crop_fractions(film), lungs)
    signed, share = cam.signed_map(heat, film.shape, "covid")
    assert share > 0.5  # the evidence lay outside the lungs, and the share says so
    assert np.abs(signed).max() < 0.8  # and it is drawn dimmed, only where it spills onto them


def test_a_normal_answer_is_drawn_in_its_own_colour_never_as_disease():
    from covidxray_desktop.model import cam

    heat = cam.HeatMap(np.full((10, 10), -3.0, np.float32), (0, 1, 0, 1), (0, 1, 0, 1))
    signed, _ = cam.signed_map(heat, (100, 100), "normal")
    rgba = cam.colourise(signed)
    assert (signed < 0).all() and (rgba[..., :3] == cam.NORMAL_RGB.astype(np.uint8)).all()
    weak = cam.HeatMap(np.full((10, 10), -0.2, np.float32), (0, 1, 0, 1), (0, 1, 0, 1))
    assert np.abs(cam.signed_map(weak, (100, 100), "normal")[0]).max() <= 0.21  # weak evidence stays faint


def test_dicom_tags_that_say_ct_or_lateral_are_refused(tmp_path, tiny_bundle):
    img = chest_like(200, 3)
    paths = [write_dicom(tmp_path / "ct.dcm", img, tags={"Modality": "CT"}),
             write_dicom(tmp_path / "lat.dcm", img, tags={"ViewPosition": "LL"}),
             write_dicom(tmp_path / "knee.dcm", img, tags={"BodyPartExamined": "KNEE"})]
    rows = list(Predictor(tiny_bundle).run(paths))
    assert [r.status for r in rows] == ["rejected"] * 3
    assert "CT" in rows[0].message and "lateral" in rows[1].message and "KNEE" in rows[2].message
    assert all(r.label() == "" and r.p_covid is None for r in rows)


def test_the_default_model_refuses_made_up_non_xrays(tmp_path, default_bundle, shared_data):
    rows = list(csv.DictReader(open(shared_data / "manifest.csv")))
    films = [shared_data / r["file"] for r in rows if r["split"] == "test"][:4]
    items = ood_set.build(tmp_path, films)
    kinds = {k for _, k in items}
    assert {"noise", "blank", "document", "screenshot", "rotated", "flipped", "crop", "ct_like"} <= kinds
    results = list(Predictor(default_bundle).run([p for p, _ in items]))
    refused = [r.status == "rejected" for r in results]
    assert np.mean(refused) >= 0.95, [r.name for r in results if r.status == "ok"]
    for r in results:
        if r.status == "rejected":
            assert r.message.endswith("no prediction.") and r.label() == ""


def test_the_default_model_refuses_most_lateral_films_and_ct_slices(default_bundle, shared_data):
    """The data's own lateral views and CT slices, through classify's route. They all taught the
    gate's view check; what it refuses of films it never saw was counted when it was fitted, each
    patient judged by a check fitted without them (the README gives both counts)."""
    from covidxray_desktop.training import ood_set

    films = ood_set.real(shared_data / "manifest.csv")
    if not films:
        pytest.skip("the shared data has no ood/ folder")
    report = ood_set.refusals(default_bundle, films)
    assert report["rejected_fraction"] >= 0.95, report["accepted"]
    assert report["per_kind"]["lateral"]["rejected"] == report["per_kind"]["lateral"]["n"], report["accepted"]
    unseen = default_bundle.card["metrics"]["ood_real_unseen"]
    assert unseen["n"] == len(films) and unseen["method"].startswith("leave one patient out")
    assert unseen["per_kind"]["lateral"]["rejected"] == unseen["per_kind"]["lateral"]["n"], unseen["accepted"]
    assert unseen["per_kind"]["ct"]["rejected"] >= 0.85 * unseen["per_kind"]["ct"]["n"], unseen["accepted"]


def test_the_default_model_refuses_no_more_than_one_percent_of_real_films_per_source(default_bundle, shared_data):
    """Every test film of every source: a hospital's own frontal films are not turned away."""
    rows = [r for r in csv.DictReader(open(shared_data / "manifest.csv")) if r["split"] == "test"]
    by_source = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(shared_data / r["file"])
    predictor = Predictor(default_bundle)
    for source, films in by_source.items():
        results = list(predictor.run(films))
        refused = [(r.name, r.message) for r in results if r.status == "rejected"]
        assert len(refused) <= 0.01 * len(results), (source, refused)


def test_the_default_model_accepts_real_frontal_films(default_bundle, shared_data):
    rows = [r for r in csv.DictReader(open(shared_data / "manifest.csv")) if r["split"] == "test"]
    picks = [shared_data / rows[i]["file"] for i in np.linspace(0, len(rows) - 1, 100).astype(int)]
    results = list(Predictor(default_bundle).run(picks))
    assert sum(r.status == "rejected" for r in results) <= 1
    assert all(r.status != "error" for r in results)


def test_what_calibration_and_the_gate_are_fitted_on_is_exactly_what_classify_computes(tiny_bundle):
    """Training's route (threads, cached arrays, Network) and classify's (worker processes, the
    Predictor) give the same pixels and the same logits for the same files."""
    from covidxray_desktop.training import cache, dataset
    from covidxray_desktop.training.evaluate import route_of, score

    samples, _ = dataset.discover(tiny_bundle.data)
    samples = samples[:12]
    decoded, _ = cache.decode(samples, route_of(tiny_bundle))
    predictor = Predictor(tiny_bundle)
    try:
        trained = score(predictor, decoded)["logits"]
        classified = [r.logit for r in predictor.run([s.file for s in decoded.samples])]
        items = [predictor._prepare(str(s.file)) for s in decoded.samples]
    finally:
        predictor.close()
    assert np.array_equal(np.stack([i.input for i in items]), decoded.first)  # the same pixels in
    assert np.allclose(trained, np.array(classified, dtype=float), atol=1e-6)  # the same logits out


def test_colour_photo_and_noise_are_refused_before_the_network(tmp_path, tiny_bundle):
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((200, 200, 3)) * 255).astype(np.uint8), "RGB").save(tmp_path / "photo.png")
    Image.fromarray(np.full((200, 200), 128, np.uint8)).save(tmp_path / "blank.png")
    Image.fromarray(np.zeros((20, 400), np.uint8) + 100).save(tmp_path / "strip.png")
    rows = list(Predictor(tiny_bundle).run([tmp_path / n for n in ("photo.png", "blank.png", "strip.png")]))
    assert [r.status for r in rows] == ["rejected"] * 3
    assert "colour" in rows[0].message and "blank" in rows[1].message


def test_a_real_film_as_png16_monochrome1_dicom_and_jpeg_gets_the_same_answer(tmp_path, default_bundle, shared_data):
    from factory import save_jpeg, save_png16

    rows = [r for r in csv.DictReader(open(shared_data / "manifest.csv")) if r["split"] == "test"]
    films = [shared_data / rows[i]["file"] for i in (0, len(rows) // 2, len(rows) - 1)]
    for n, film in enumerate(films):
        img = np.asarray(Image.open(film).convert("L"), np.float32) / 255
        save_png16(tmp_path / f"{n}.png", img)
        write_dicom(tmp_path / f"{n}.dcm", img, photometric="MONOCHROME1", bits=12, slope=1.0, intercept=-1024.0)
        save_jpeg(tmp_path / f"{n}.jpg", img, quality=92)
        p = [r.p_covid for r in Predictor(default_bundle).run([tmp_path / f"{n}.{e}" for e in ("png", "dcm", "jpg")])]
        assert None not in p and max(p) - min(p) <= 0.02, (film.name, p)


def test_evaluate_with_an_ood_folder_reports_every_kind_the_real_films_and_the_cards_unseen_count(
        tmp_path, default_bundle, shared_data, capsys):
    """`covidxray evaluate MANIFEST --ood DIR`: the made-up set and the data's real lateral and CT
    films, refused per kind, and the view check's leave-one-patient-out count from the card."""
    import json

    from covidxray_desktop.cli import main

    real = [kind for _, kind in ood_set.real(shared_data / "manifest.csv")]
    if not real:
        pytest.skip("the shared data has no ood/ folder")
    out = tmp_path / "report.json"
    assert main(["evaluate", str(shared_data / "manifest.csv"), "--model", str(default_bundle.path),
                 "--ood", str(tmp_path / "ood"), "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    kinds = report["ood"]["per_kind"]
    assert kinds["ct"]["n"] == real.count("ct") and kinds["lateral"]["n"] == real.count("lateral")
    assert kinds["noise"]["rejected"] == kinds["noise"]["n"]
    assert report["ood_real_unseen"] == default_bundle.card["metrics"]["ood_real_unseen"]
    said = capsys.readouterr().out
    assert "each patient judged by a view check fitted without them" in said
