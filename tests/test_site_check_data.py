"""A clinic checks the model on its own sorted films: every film that cannot count is named, a film
sorted under both labels is refused, and three films are never called a pass."""
import json
import shutil

import pytest
from factory import chest_like, class_folders, save_png8

from covidxray_desktop.cli import main
from covidxray_desktop.errors import DataError
from covidxray_desktop.training import dataset


def test_a_film_sorted_under_both_labels_is_refused_naming_both(tmp_path, capsys):
    site = class_folders(tmp_path / "site", per_class=4, size=96)
    shutil.copy(site / "COVID" / "covid_02.png", site / "Normal" / "normal_99.png")
    with pytest.raises(DataError, match="COVID/covid_02.png and Normal/normal_99.png"):
        dataset.discover(site)
    assert main(["evaluate", str(site), "--quiet"]) == 2
    assert "both labels" in capsys.readouterr().err
    (site / "Normal" / "normal_99.png").unlink()
    save_png8(site / "Normal" / "normal_99.png", chest_like(96, 999))  # same size, other film: fine
    assert len(dataset.discover(site)[0]) == 9


def test_films_that_cannot_be_read_are_counted_and_named(tmp_path, tiny_bundle, capsys):
    site = class_folders(tmp_path / "site", per_class=12, size=128)
    (site / "COVID" / "torn.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    (site / "Normal" / "empty.png").write_bytes(b"")
    (site / "COVID-19 confirmed").mkdir()  # beside the classes: named as not used, and no film of the count
    out = tmp_path / "check.json"
    code = main(["evaluate", str(site), "--model", str(tiny_bundle.path), "--json", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert "2 films could not be read and were left out" in err
    assert "torn.png" in err and "empty.png" in err
    assert "folders not used:\n  COVID-19 confirmed/: not used" in err
    report = json.loads(out.read_text())
    assert report["errors"] == 2 and len(report["error_messages"]) == 2 and len(report["unused"]) == 1
    assert code in (0, 3)


def test_three_films_are_too_few_for_a_verdict(tmp_path, tiny_bundle, capsys):
    import shutil

    site = tmp_path / "site"
    for folder, pattern, keep in (("COVID", "covid_*.png", 2), ("Normal", "normal_*.png", 1)):
        (site / folder).mkdir(parents=True)
        for film in sorted(tiny_bundle.folder.glob(pattern))[:keep]:  # films the tiny model judges
            shutil.copy(film, site / folder)
    code = main(["evaluate", str(site), "--model", str(tiny_bundle.path), "--quiet"])
    out = capsys.readouterr().out
    assert code == 3
    assert "Too few films to judge" in out and "Nothing here says" not in out


def test_what_the_folder_walk_leaves_out_is_named_not_dropped(tmp_path):
    site = class_folders(tmp_path / "site", per_class=3, size=96)
    (site / "Normal" / "from-pacs.png").symlink_to(site / "COVID" / "covid_00.png")
    (site / "Normal" / "README.txt").write_text("sorted by PCR result")
    samples, _ = dataset.discover(site)
    assert len(samples) == 6
    assert samples.skipped == ["Normal/from-pacs.png: a symbolic link (not followed)"]  # a README is no film


def test_a_check_at_screening_is_weighed_against_the_models_figures_at_screening(default_bundle):
    # At Screening the verdict compared the site's specificity with Balanced's (0.97 against 0.94).
    from covidxray_desktop.model import figures
    from covidxray_desktop.training.sitecheck import verdict

    card = default_bundle.card
    at = figures.own(card, "screening")
    site = {"n": 80, "n_covid": 40, "n_normal": 40, "sensitivity": 0.95, "sensitivity_ci95": [0.84, 0.99],
            "specificity": 0.9, "specificity_ci95": [0.77, 0.96]}
    said = verdict(site, card, "screening", adapt="covidxray adapt /clinic/labelled")["sentences"]
    assert f"the model card reports {at['specificity']:.2f}" in said[1]
    assert f"{figures.own(card)['specificity']:.2f}" not in said[1]
    # A threshold set by hand has no card figures to weigh against: never "nothing says it works worse".
    custom = verdict(dict(site, sensitivity=0.6, sensitivity_ci95=[0.39, 0.78]), card, "custom")
    assert custom["sentences"][:2] == ["On your 40 COVID-19 films: sensitivity 0.60 [0.39, 0.78].",
                                       "On your 40 Normal films: specificity 0.90 [0.77, 0.96]."]
    assert not custom["rely"] and "no figures at a threshold set by hand" in custom["sentences"][-1]
    poor = dict(site, specificity=0.5, specificity_ci95=[0.35, 0.65])
    assert verdict(poor, card, adapt="covidxray adapt /clinic/labelled")["sentences"][-1] == (
        "Do not rely on this model here without adapting it to your films (covidxray adapt /clinic/labelled).")


def test_the_command_it_advises_runs_as_typed_and_refusals_are_counted_only_where_known():
    import shlex

    from covidxray_desktop.commands.evaluate import adapt_command
    from covidxray_desktop.commands.progress import metrics_line

    said = adapt_command("/clinic/labelled films")
    assert shlex.split(said) == ["covidxray", "adapt", "/clinic/labelled films", "--out", "site.keras"]
    assert "refused" not in metrics_line("covid", {"n": 5})  # a class's line has no count of its own
    overall = metrics_line("overall", {"n": 5, "rejected": {"normal": 1, "covid": 0}})
    assert overall.endswith("refused normal 1, covid 0")


def test_empty_folders_are_said_to_hold_no_films_not_to_hold_refused_ones():
    from covidxray_desktop.training.sitecheck import verdict

    empty = verdict({"n": 0, "rejected": {"covid": 0, "normal": 0}, "errors": 0}, {"metrics": {}})
    refused = verdict({"n": 0, "rejected": {"covid": 3, "normal": 1}, "errors": 0}, {"metrics": {}})
    assert empty["sentences"] == ["No films were found in those folders."]
    assert refused["sentences"] == ["None of your films could be judged (all were refused or unreadable)."]


def test_a_verdict_never_says_below_while_the_interval_it_prints_holds_the_cards_figure():
    # Rounded outwards, [0.80, 0.951] prints [0.80, 0.96]: "below the 0.96 the model card reports"
    # beside it read as a glitch, and the alarm with it.
    from covidxray_desktop.training.sitecheck import _compare

    said, alarm = _compare("sensitivity", 0.88, [0.80, 0.951], 0.956, "60 COVID-19 films")
    assert "[0.80, 0.96]" in said and "below" not in said and not alarm
    said, alarm = _compare("sensitivity", 0.88, [0.80, 0.94], 0.956, "60 COVID-19 films")
    assert "below the 0.96 the model card reports" in said and alarm


def test_an_adapted_models_own_figure_from_fifteen_films_is_weighed_with_its_interval():
    """Its card said specificity 1.00 from a check part of 15 normal films ([0.80, 1.00]); its own
    site then read 0.95 [0.84, 0.99], "below the 1.00 the model card reports: adapt it" again."""
    from covidxray_desktop.training.metrics import auc_interval
    from covidxray_desktop.training.sitecheck import _compare

    said, alarm = _compare("specificity", 0.95, [0.84, 0.99], 1.0, "41 Normal films", [0.796, 1.0])
    assert "below" not in said and not alarm and "more films would tell" in said
    said, alarm = _compare("specificity", 0.60, [0.45, 0.74], 1.0, "41 Normal films", [0.796, 1.0])
    assert "below the 1.00 the model card reports" in said and alarm
    # Told apart perfectly, 6 films of each class are no certainty: not "AUC 1.000 [1.00, 1.00]".
    low, high = auc_interval([1] * 6 + [0] * 6, [0.9] * 6 + [0.1] * 6)
    assert high == 1.0 and 0.55 < low < 0.65


def test_a_trained_models_test_figure_stays_the_yardstick(default_bundle):
    """The card's interval weighs only an adapted model's figure from a few check films: weighed for
    the shipped model too, a site at sensitivity 0.88 [0.80, 0.94] against its 0.956 passed."""
    from covidxray_desktop.training.sitecheck import verdict

    report = {"n": 120, "n_covid": 60, "n_normal": 60, "sensitivity": 0.88, "sensitivity_ci95": [0.80, 0.94],
              "specificity": 0.97, "specificity_ci95": [0.89, 0.99], "rejected_fraction": 0.0}
    said = verdict(report, default_bundle.card)
    assert not said["rely"] and "below the 0.96 the model card reports" in said["sentences"][0]


@pytest.mark.parametrize("split", ["train", "test", "all"])
def test_a_clinics_folder_is_scored_whole_whatever_split_is_asked(tmp_path, tiny_bundle, capsys, split):
    """With --split train, 20 of 27 films were scored, a random part of the folder, without a word."""
    site = class_folders(tmp_path / "site", per_class=6, size=96)
    out = tmp_path / f"{split}.json"
    main(["evaluate", str(site), "--model", str(tiny_bundle.path), "--split", split, "--json", str(out), "--quiet"])
    report = json.loads(out.read_text())
    assert report["n"] + sum(report["rejected"].values()) + report["errors"] == 12 and report["split"] == "all films"
