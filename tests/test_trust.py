"""The doctor sees where the model looked, and it refuses what is not a frontal chest X-ray."""
import csv

import numpy as np
from factory import chest_like, write_dicom
from PIL import Image

from covidxray_desktop.inference import Predictor
from covidxray_desktop.training import ood_set


def test_heat_map_covers_the_image_at_its_own_resolution(tmp_path, tiny_bundle):
    film = sorted((tiny_bundle.data / "COVID").iterdir())[0]  # one the tiny model knows
    row = Predictor(tiny_bundle, heatmaps=True, threshold=0.5).predict_file(film)
    assert row.status == "ok", row.message
    assert row.heatmap.shape == row.pixels.shape == (160, 160)
    assert row.heatmap.dtype == np.float32 and 0 <= row.heatmap.min() and 0.9 < row.heatmap.max() <= 1


def test_heat_map_is_placed_where_the_model_looked_inside_black_borders():
    from covidxray_desktop.model.cam import cam, to_image_frame

    film = np.zeros((300, 260), np.float32)
    film[30:270, 20:240] = chest_like(240, 1)[:, :220]  # black frame around the film
    features = np.zeros((12, 12, 4), np.float32)
    features[2, 9, 0] = 1.0  # evidence in the upper right of what the model saw
    heat = to_image_frame(cam(features, np.array([2.0, 0, 0, 0]), 0.0, "covid"), film)
    assert heat.shape == film.shape
    assert heat[:30].max() == 0 and heat[:, :20].max() == 0  # nothing on the frame
    y, x = np.unravel_index(heat.argmax(), heat.shape)
    assert 30 <= y < 150 and 130 <= x < 240


def test_dicom_tags_that_say_ct_or_lateral_are_refused(tmp_path, tiny_bundle):
    img = chest_like(200, 3)
    paths = [write_dicom(tmp_path / "ct.dcm", img, tags={"Modality": "CT"}),
             write_dicom(tmp_path / "lat.dcm", img, tags={"ViewPosition": "LL"}),
             write_dicom(tmp_path / "knee.dcm", img, tags={"BodyPartExamined": "KNEE"})]
    rows = list(Predictor(tiny_bundle).run(paths))
    assert [r.status for r in rows] == ["rejected"] * 3
    assert "CT" in rows[0].message and "lateral" in rows[1].message and "KNEE" in rows[2].message
    assert all(r.label == "" and r.p_covid is None for r in rows)


def test_the_default_model_refuses_made_up_non_xrays(tmp_path, default_bundle, shared_data):
    rows = list(csv.DictReader(open(shared_data / "manifest.csv")))
    films = [shared_data / r["file"] for r in rows if r["split"] == "test"][:4]
    items = ood_set.build(tmp_path, films)
    kinds = {k for _, k in items}
    assert {"noise", "blank", "document", "screenshot", "rotated", "flipped", "crop", "ct_like"} <= kinds
    results = list(Predictor(default_bundle).run([p for p, _ in items]))
    refused = [r.status == "rejected" for r in results]
    assert np.mean(refused) >= 0.95, [str(r.path.name) for r in results if r.status == "ok"]
    for r in results:
        if r.status == "rejected":
            assert r.message.startswith("not a frontal chest X-ray") and r.label == ""


def test_the_default_model_accepts_real_frontal_films(default_bundle, shared_data):
    rows = [r for r in csv.DictReader(open(shared_data / "manifest.csv")) if r["split"] == "test"]
    picks = [shared_data / rows[i]["file"] for i in np.linspace(0, len(rows) - 1, 100).astype(int)]
    results = list(Predictor(default_bundle).run(picks))
    assert sum(r.status == "rejected" for r in results) <= 2
    assert all(r.status != "error" for r in results)


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
