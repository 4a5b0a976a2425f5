"""The numbers in every report: AUC, intervals, calibration, the operating point."""
import numpy as np

from covidxray_desktop.model.calibration import (expected_calibration_error, fit_temperature, log_loss,
                                                 sigmoid, threshold_for_sensitivity)
from covidxray_desktop.training.metrics import auc, full_report


def test_auc_matches_counting_pairs():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = np.round(rng.random(200) + 0.3 * y, 2)  # ties included
    pairs = [(a > b) + 0.5 * (a == b) for a in p[y == 1] for b in p[y == 0]]
    assert abs(auc(y, p) - np.mean(pairs)) < 1e-9


def test_temperature_scaling_lowers_log_loss_of_an_overconfident_model():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 2000)
    true_logit = rng.normal(0, 1.5, 2000) + 2 * (y - 0.5)
    y = (rng.random(2000) < sigmoid(true_logit)).astype(int)
    overconfident = 4 * true_logit
    t = fit_temperature(overconfident, y)
    assert 3 < t < 5
    before, after = log_loss(sigmoid(overconfident), y), log_loss(sigmoid(overconfident / t), y)
    assert after < before
    assert expected_calibration_error(sigmoid(overconfident / t), y) < expected_calibration_error(sigmoid(overconfident), y)


def test_threshold_keeps_the_asked_sensitivity():
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(84), np.zeros(440)].astype(int)
    p = np.clip(rng.normal(0.3 + 0.5 * y, 0.15), 0, 1)
    t = threshold_for_sensitivity(p, y, 0.95)
    assert ((p >= t)[y == 1]).mean() >= 0.95


def test_single_class_sources_are_scored_against_the_pooled_other_class():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.8, 0.1, 0.2, 0.85])
    sources = np.array(["c", "c", "kids", "adults", "adults"])
    report = full_report(y, p, sources, 0.5)
    assert report["per_source"]["adults"]["specificity"] == 0.5
    assert report["per_source"]["kids"]["specificity"] == 1.0
    assert report["per_source"]["c"]["sensitivity"] == 1.0
    assert report["per_class"]["covid"]["auc"] is None


def test_a_printed_interval_always_holds_its_value():
    # "0.999 [1.00, 1.00]": the value outside its own interval, which looked certain besides.
    from covidxray_desktop.model.figures import interval

    assert interval({"auc": 0.999, "auc_ci95": [0.9972, 1.0]}, "auc") == "0.999 [0.99, 1.00]"
    assert interval({"sensitivity": 0.583, "sensitivity_ci95": [0.32, 0.81]}, "sensitivity") == "0.583 [0.32, 0.81]"
    rng = np.random.default_rng(0)
    for _ in range(2000):
        lo, v, hi = np.sort(np.round(rng.uniform(0, 1, 3), 4))
        text = interval({"x": float(v), "x_ci95": [float(lo), float(hi)]}, "x")
        shown, low, high = (float(t.strip("[],")) for t in text.split())
        assert low <= shown <= high, text


def test_an_edited_cards_other_findings_never_stop_a_batch():
    # figures.other_pneumonias runs as every batch starts: a null there gave a traceback mid-classify.
    from covidxray_desktop.model.figures import other_pneumonias

    card = {"metrics": {"other_findings": {"per_finding": {"SARS": {"n": 13, "refused": None, "called_covid": 9},
                                                           "lung nodule": {"n": 130, "called_covid": 6}}}}}
    assert other_pneumonias(card) is None
    card["metrics"]["other_findings"]["per_finding"]["SARS"]["refused"] = 0
    assert other_pneumonias(card) == (9, 13)  # nodules are no pneumonia
    assert other_pneumonias({"metrics": {"other_findings": "damaged"}}) is None
