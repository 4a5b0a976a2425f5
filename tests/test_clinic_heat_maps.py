"""What a clinician sees in a heat map: a Normal answer never in disease colours, a COVID-19
answer of a model with a low threshold not painted Normal, and evidence outside the lungs
mentioned only when it matters."""
import numpy as np

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
