"""A clinic chooses how the model decides: `screening` finds 95 % of COVID-19 films whatever it costs
the normals; `balanced` keeps 90 % and spares the population the screening point serves worst (adult
hospitals' normals, called COVID-19 for a third of them). The card names both; `classify`, the store,
the CSV, the summary and the PDF say which one made each answer."""
import csv
import json
import sqlite3

import numpy as np
import pytest
from factory import chest_like, save_png8

from covidxray_desktop.cli import main
from covidxray_desktop.errors import ModelError
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model import operating


def validation_films():
    """COVID-19 films of one hospital; normals of a children's hospital (easy) and of an adult
    hospital (their P(COVID) overlaps the COVID films'); and a clinic of five films, too few to count."""
    covid = np.linspace(0.25, 0.95, 40)
    children = np.linspace(0.01, 0.20, 40)
    adults = np.linspace(0.10, 0.50, 30)
    few = np.full(5, 0.9)
    p = np.r_[covid, children, adults, few]
    y = np.r_[np.ones(40), np.zeros(75)].astype(int)
    sources = ["covid_hospital"] * 40 + ["children"] * 40 + ["adults"] * 30 + ["small_clinic"] * 5
    return p, y, sources


def test_the_balanced_point_lifts_the_population_the_screening_point_serves_worst():
    p, y, sources = validation_films()
    points = operating.choose(p, y, sources)
    screening, balanced = points["screening"], points["balanced"]
    assert screening["val"]["sensitivity"] >= 0.95 and balanced["val"]["sensitivity"] >= 0.90
    # The adult hospital is served worst by both; the clinic of five films never counts.
    assert screening["val"]["worst_source"] == balanced["val"]["worst_source"] == "adults"
    assert balanced["val"]["worst_source_right"] > screening["val"]["worst_source_right"] + 0.05
    assert balanced["threshold"] > screening["threshold"]
    adults = np.array(sources) == "adults"
    called_covid = lambda t: (p[adults] >= t).mean()  # noqa: E731
    assert called_covid(balanced["threshold"]) < called_covid(screening["threshold"])
    assert "(balanced)" in balanced["rule"] and "source served worst" in balanced["rule"]
    assert screening["rule"] == "sensitivity >= 0.95 for COVID-19 on the validation split (screening)"


def test_no_threshold_lower_keeps_more_of_the_worst_population_at_the_same_sensitivity():
    p, y, sources = validation_films()
    chosen = operating.balanced(p, y, sources)
    for t in np.linspace(0.001, 0.999, 999):  # every threshold the window can show
        m = operating.measure(p, y, t, sources)
        if m["sensitivity"] >= 0.90:
            assert m["worst_source_right"] <= chosen["val"]["worst_source_right"] + 1e-9


def test_one_site_without_sources_gets_the_best_balanced_accuracy_at_sensitivity_090():
    p, y, _ = validation_films()
    chosen = operating.balanced(p, y, None, "the site's 115 adaptation films")
    assert chosen["val"]["worst_source"] is None and "best balanced accuracy" in chosen["rule"]
    assert "the site's 115 adaptation films" in chosen["rule"]
    best = max(operating.measure(p, y, t)["balanced_accuracy"] for t in np.linspace(0.001, 0.999, 999)
               if operating.measure(p, y, t)["sensitivity"] >= 0.90)
    assert chosen["val"]["balanced_accuracy"] == pytest.approx(best, abs=1e-4)


def test_when_no_threshold_reaches_sensitivity_090_balanced_falls_back_to_screening_and_says_so():
    p, y, sources = validation_films()
    p = p.copy()
    p[:15] = 0.0  # 15 of 40 COVID films that no threshold the window can show will catch
    points = operating.choose(p, y, sources)
    assert points["balanced"]["threshold"] == points["screening"]["threshold"]
    assert points["balanced"]["rule"].startswith("the screening threshold: no threshold keeps sensitivity >= 0.9")


def test_screening_never_calls_fewer_films_covid_19_than_balanced():
    # A model trained without one COVID-19 source: the source served worst is another COVID-19 source,
    # and balanced lowers its threshold for it, below the highest one keeping sensitivity 0.95.
    covid_a = np.linspace(0.30, 0.99, 60)
    covid_b = np.r_[np.linspace(0.05, 0.30, 12), np.linspace(0.40, 0.95, 18)]
    normals = np.linspace(0.001, 0.10, 80)
    p = np.r_[covid_a, covid_b, normals]
    y = np.r_[np.ones(90), np.zeros(80)].astype(int)
    sources = ["web"] * 60 + ["journal"] * 30 + ["adults"] * 80
    chosen = operating.choose(p, y, sources)
    assert chosen["balanced"]["threshold"] < chosen["screening"]["threshold"]  # as chosen, each by its rule
    points = operating.card_fields(chosen)["operating_points"]
    assert points["screening"]["threshold"] == points["balanced"]["threshold"]
    assert points["screening"]["val"]["sensitivity"] >= 0.95
    assert "lowered to the balanced threshold" in points["screening"]["rule"]
    assert points["balanced"] == chosen["balanced"]


def test_the_card_keeps_one_threshold_for_older_readers_the_default_points():
    p, y, sources = validation_films()
    fields = operating.card_fields(operating.choose(p, y, sources))
    assert fields["default_operating_point"] == "balanced"
    assert fields["threshold"] == fields["operating_points"]["balanced"]["threshold"]
    assert fields["operating_point"] == fields["operating_points"]["balanced"]["rule"]


def card_of(model):
    return json.loads(model.with_suffix(".json").read_text())


def as_older_card(model):
    """The bundle's card as cards were before operating points: one threshold."""
    card = card_of(model)
    for key in ("operating_points", "default_operating_point"):
        card.pop(key, None)
    card["metrics"].pop("operating_points", None)
    model.with_suffix(".json").write_text(json.dumps(card))
    return model


def with_points(card, **changes):
    """The shipped card given both points (balanced at its own threshold), then `changes`."""
    points = {"balanced": {"threshold": card["threshold"], "rule": "balanced rule", "val": {"sensitivity": 0.9}},
              "screening": {"threshold": 0.05, "rule": "screening rule"}}
    return dict(card, operating_points=points, default_operating_point="balanced", **changes)


def test_a_card_with_a_bad_operating_point_is_refused_naming_the_field(own_model):
    card = card_of(own_model)
    good = with_points(card)
    bad = lambda **point: dict(good, operating_points=dict(good["operating_points"], screening=point))  # noqa: E731
    cases = [
        (bad(threshold="0.05", rule="r"), "operating_points.screening.threshold"),
        (bad(threshold=1.5, rule="r"), "operating_points.screening.threshold"),
        (bad(threshold=0.05), "operating_points.screening.rule"),
        (bad(threshold=0.05, rule="r", val={"sensitivity": 2}), "operating_points.screening.val.sensitivity"),
        (dict(good, operating_points=[0.1]), "operating_points"),
        (dict(good, default_operating_point="safest"), "default_operating_point"),
        (dict(good, threshold=0.5), "operating_points.balanced.threshold"),  # the card's one threshold disagrees
        (dict(good, operating_points={"custom": good["operating_points"]["balanced"]}), "custom"),
    ]
    for edited, field in cases:
        own_model.with_suffix(".json").write_text(json.dumps(edited))
        with pytest.raises(ModelError, match=field.replace(".", r"\.")) as caught:
            bundles.load(own_model)
        assert str(caught.value).startswith("default.json:") and len(str(caught.value)) < 300
    own_model.with_suffix(".json").write_text(json.dumps(good))
    assert operating.points(bundles.load(own_model).card)["screening"]["threshold"] == 0.05


def classify(model, films, tmp_path, capsys, *options, db="r.db"):
    code = main(["classify", "--quiet", "--model", str(model), "--db", str(tmp_path / db), "--csv",
                 str(tmp_path / "out.csv"), "--summary", str(tmp_path / "summary.json"), *options, str(films)])
    err = capsys.readouterr().err
    if code:
        return code, err, [], {}
    rows = list(csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8")))
    return code, err, rows, json.loads((tmp_path / "summary.json").read_text())


def stored(tmp_path, db):
    return sqlite3.connect(tmp_path / db).execute("SELECT status, threshold, operating_point FROM results").fetchall()


def test_an_older_card_without_points_still_classifies_at_its_one_threshold_called_model(own_model, tmp_path, capsys):
    as_older_card(own_model)
    films = tmp_path / "films"
    films.mkdir()
    save_png8(films / "a.png", chest_like(160))
    code, _, rows, summary = classify(own_model, films, tmp_path, capsys)
    threshold = card_of(own_model)["threshold"]
    assert code == 0 and summary["operating_point"] == "model" and summary["threshold"] == round(threshold, 4)
    assert all(r["operating_point"] == "model" and r["threshold"] == f"{threshold:.4f}" for r in rows
               if r["status"] == "ok")
    code, err, _, _ = classify(own_model, films, tmp_path, capsys, "--operating-point", "screening")
    assert code == 2 and "screening: this model has no such point; it has model" in err


def test_a_trained_model_names_both_points_and_what_each_does_per_population_of_its_test_films(tiny_bundle):
    card = tiny_bundle.card
    points = card["operating_points"]
    assert set(points) == {"balanced", "screening"} and card["default_operating_point"] == "balanced"
    assert card["threshold"] == points["balanced"]["threshold"]
    assert card["operating_point"] == points["balanced"]["rule"]
    for name, point in points.items():
        assert set(point["val"]) == {"sensitivity", "specificity", "balanced_accuracy", "worst_source",
                                     "worst_source_right"}
        trade = card["metrics"]["operating_points"][name]
        assert trade["threshold"] == point["threshold"] and trade["split"] == "test"
        for source, m in trade["per_source"].items():
            assert source == f"made-up-{m['label']}" and m["right"] <= m["n"] and len(m["share_ci95"]) == 2


def test_classify_answers_at_the_chosen_point_and_every_output_says_which(tmp_path, tiny_bundle, capsys):
    films = tmp_path / "films"
    films.mkdir()
    for name in ("covid_00.png", "normal_00.png"):  # films the tiny model judges, not refuses
        (films / name).write_bytes((tiny_bundle.folder / name).read_bytes())
    points = tiny_bundle.card["operating_points"]
    for options, point, threshold in ((), "balanced", points["balanced"]["threshold"]),\
            (("--operating-point", "screening"), "screening", points["screening"]["threshold"]),\
            (("--threshold", "0.42"), "custom", 0.42):
        db = f"{point}.db"
        code, _, rows, summary = classify(tiny_bundle.path, films, tmp_path, capsys, *options, db=db)
        assert code == 0 and summary["operating_point"] == point and summary["threshold"] == round(threshold, 4)
        ok = [r for r in rows if r["status"] == "ok"]
        assert ok and all(r["operating_point"] == point and r["threshold"] == f"{threshold:.4f}" for r in ok)
        assert all(r["label"] == ("covid" if float(r["p_covid"]) >= threshold else "normal") for r in ok)
        assert {(p, round(t, 6)) for s, t, p in stored(tmp_path, db) if s == "ok"} == {(point, round(threshold, 6))}


def test_a_custom_threshold_and_a_named_point_together_are_refused(tmp_path, tiny_bundle, capsys):
    save_png8(tmp_path / "a.png", chest_like(128))
    code = main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--threshold", "0.3",
                 "--operating-point", "screening", str(tmp_path / "a.png")])
    err = capsys.readouterr().err
    assert code == 2 and "--threshold sets a custom threshold and --operating-point chooses a named one" in err


def test_the_pdf_names_the_operating_point_beside_the_threshold(tmp_path, tiny_bundle, capsys):
    pdfium = pytest.importorskip("pypdfium2")
    films = tmp_path / "films"
    films.mkdir()
    (films / "covid_00.png").write_bytes((tiny_bundle.folder / "covid_00.png").read_bytes())
    report = tmp_path / "report.pdf"
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--operating-point", "screening", "--pdf", str(report), str(films)]) == 0
    document = pdfium.PdfDocument(str(report))
    threshold = tiny_bundle.card["operating_points"]["screening"]["threshold"]
    summary, page = (" ".join(document[i].get_textpage().get_text_range().split()) for i in (0, 1))
    assert f"at operating point Screening, threshold {threshold:.3f}" in summary  # as the window names it
    assert f"operating point: Screening (threshold {threshold:.3f})" in page


def test_evaluate_scores_at_the_point_asked_for(tiny_bundle, capsys, tmp_path):
    points = tiny_bundle.card["operating_points"]
    for options, point in (((), "balanced"), (("--operating-point", "screening"), "screening")):
        out = tmp_path / f"{point}.json"
        main(["evaluate", str(tiny_bundle.data), "--model", str(tiny_bundle.path), "--quiet", "--json", str(out),
              *options])
        said = capsys.readouterr().out
        report = json.loads(out.read_text())
        assert report["operating_point"] == point
        assert report["threshold"] == pytest.approx(points[point]["threshold"], abs=1e-4)  # the report rounds
        assert f"operating point {point}, threshold {points[point]['threshold']:.4f}" in said


def test_a_point_whose_rule_cannot_be_met_says_so_instead_of_claiming_it():
    """A model trained on a handful of films scored its one validation COVID-19 film below the lowest
    threshold a person can set: its card read "sensitivity >= 0.95" beside a sensitivity of 0."""
    point = operating.screening(np.array([0.0001, 0.2, 0.3, 0.9]), np.array([1, 0, 0, 0]))
    assert point["threshold"] == operating.LOWEST and point["val"]["sensitivity"] == 0.0
    assert point["rule"].endswith("; not met: sensitivity 0.00 there at the lowest threshold, 0.001")
    kept = operating.screening(np.array([0.8, 0.2, 0.3, 0.9]), np.array([1, 0, 0, 1]))
    assert "not met" not in kept["rule"]
