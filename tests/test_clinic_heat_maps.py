"""What a clinician sees in a heat map: a Normal answer never in disease colours, a COVID-19
answer of a model with a low threshold not painted Normal, and evidence outside the lungs
mentioned only when it matters."""
import numpy as np
import pytest

from covidxray_desktop.model import cam

LOGIT = lambda p: float(np.log(p / (1 - p)))  # noqa: E731


def heat(mean: float, spot: float, lungs=True) -> cam.HeatMap:
    """A 10 x 10 grid averaging `mean` logits, with one patch `spot` logits above the rest."""
    grid = np.zeros((10, 10), np.float32)
    grid[3:5, 2:4] = spot
    grid += mean - grid.mean()
    mask = np.zeros((100, 100), bool)
    mask[10:90, 10:45] = mask[10:90, 55:90] = True
    return cam.HeatMap(grid, (0.0, 1.0, 0.0, 1.0), (0.0, 1.0, 0.0, 1.0), mask if lungs else None)


def test_a_film_called_normal_shows_no_disease_coloured_blob():
    # P 0.070 at threshold 0.085 (the shipped model): Normal, with one patch of COVID-like evidence.
    h = heat(LOGIT(0.070), spot=6.0)
    signed, _ = cam.signed_map(h, (200, 200), "normal", 0.070, 0.085)
    assert signed.max() <= 0 and signed.min() < -0.1  # blue where it saw Normal, no orange anywhere


def test_a_covid_answer_of_a_model_with_a_low_threshold_is_not_painted_normal():
    # The adapted model decides at 0.226: P 0.30 is COVID-19, though its logit is below zero.
    h = heat(LOGIT(0.30), spot=1.0)
    signed, _ = cam.signed_map(h, (200, 200), "covid", 0.30, 0.226)
    inside = signed[h.lungs.repeat(2, 0).repeat(2, 1)]
    assert (inside > 0.05).mean() > (inside < -0.05).mean()  # mostly orange, as its answer


def test_the_maps_zero_is_the_decision_threshold_whatever_the_calibration():
    h = heat(-1.7, spot=0.5)  # a film whose P(COVID) is 0.30 after a temperature of 2
    z = float(h.grid.mean())
    assert abs(cam.boundary(h, 0.30, 0.226) - z / LOGIT(0.30) * LOGIT(0.226)) < 1e-6
    assert abs(cam.boundary(h, 0.30, 0.30) - z) < 1e-5  # at its own P the film sits on the boundary


def test_the_saved_picture_is_the_picture_drawn_pixel_for_pixel(tmp_path):
    from PIL import Image

    film = np.linspace(0, 1, 300 * 240, dtype=np.float32).reshape(300, 240)
    drawn = cam.overlay(film, heat(LOGIT(0.9), spot=4.0), "covid", "COVID-19  P(COVID) 0.90", p_covid=0.9,
                        threshold=0.5)
    target = tmp_path / "map.png"
    cam.save_overlay(drawn, target)
    with Image.open(target) as saved:
        assert saved.format == "PNG" and saved.mode == "RGB"
        assert saved.info["Software"].startswith("covidxray heat map")  # how the app knows its own maps
        assert np.array_equal(np.asarray(saved), np.asarray(drawn))


@pytest.mark.parametrize("deflate", ["as installed", "zlib's, where ISA-L is missing"])
def test_any_picture_survives_the_png_writer(deflate, monkeypatch):
    import io
    import zlib

    from PIL import Image

    from covidxray_desktop.imaging import png

    if deflate != "as installed":
        monkeypatch.setattr(png, "deflate", zlib.compress)
    rng = np.random.default_rng(0)
    for shape in [(1, 1, 3), (1, 9, 3), (7, 1, 3), (33, 17, 3), (300, 512, 3)]:  # differences wrap around 0 and 255
        picture = rng.integers(0, 256, shape, dtype=np.uint8)
        with Image.open(io.BytesIO(png.encode_rgb(picture, {"Title": "café"}))) as back:
            back.load()
            assert np.array_equal(np.asarray(back), picture) and back.info["Title"] == "café"


def test_the_png_writer_refuses_what_a_png_cannot_hold():
    import pytest

    from covidxray_desktop.imaging import png

    picture = np.zeros((2, 2, 3), np.uint8)
    for text in ({"": "x"}, {"k" * 80: "x"}, {"Soft\0ware": "x"}, {"Title": "肺"}):
        with pytest.raises(ValueError):
            png.encode_rgb(picture, text)
    with pytest.raises(ValueError):
        png.encode_rgb(picture.astype(np.float32))  # never truncated in silence


def test_a_damaged_map_is_drawn_clear_not_as_evidence():
    signed = np.array([[np.nan, 0.0, 0.05, 1.0, -1.0]], np.float32)
    alpha = cam.colourise(signed)[..., 3]
    assert list(alpha[0, :3]) == [0, 0, 0] and alpha[0, 3] == alpha[0, 4] > 100


def test_info_says_which_deflate_writes_the_heat_map_pictures(capsys):
    from covidxray_desktop.cli import main
    from covidxray_desktop.imaging import png

    assert main(["info"]) == 0
    said = capsys.readouterr().out
    assert f"writes heat-map PNGs with: {png.DEFLATE}" in said
    assert ("ISA-L" in png.DEFLATE) == png.deflate.__module__.startswith("isal")


def test_the_outside_the_lungs_sentence_follows_the_threshold_that_labels_the_film(shared_data, default_bundle,
                                                                                   tmp_path):
    # A film called COVID-19 at one threshold and Normal at another: its evidence is the other side's,
    # and a stored answer served under the second threshold must say the second side's share.
    import csv

    from covidxray_desktop.cli import main
    from covidxray_desktop.store import Store

    rows = csv.DictReader(open(shared_data / "manifest.csv"))
    film = next(shared_data / r["file"] for r in rows if r["source"] == "nih_darkcovidnet" and r["split"] == "test")
    run = ["classify", "--quiet", "--csv", str(tmp_path / "out.csv"), str(film)]
    assert main(run + ["--db", str(tmp_path / "a.db"), "--threshold", "0.000001"]) == 0
    assert main(run + ["--db", str(tmp_path / "a.db"), "--threshold", "0.999999"]) == 0  # served from the store
    assert main(run + ["--db", str(tmp_path / "b.db"), "--threshold", "0.999999"]) == 0  # made at that threshold
    served, made = (Store(tmp_path / db).history()[0] for db in ("a.db", "b.db"))
    assert served.reused and served.label() == made.label() == "normal"
    assert served.outside_share == pytest.approx(made.outside_share, abs=1e-3)  # the store keeps maps in float16
    at_low = cam.share_at(made, 0.000001)  # the same map read for the COVID-19 side
    assert at_low != pytest.approx(made.outside_share, abs=1e-3)
