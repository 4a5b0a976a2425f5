"""A clinic's batch against the films the model was checked on: the shift test's story, on made-up
features (a few known sources of each class, and a new hospital whose films sit off their directions)."""
import numpy as np

from covidxray_desktop.model import shift

DIM = 64


def sources(noise, films=120):
    """Features of four known sources (two per class): each its own offset along a shared set of
    directions, plus small noise off them; `noise` draws the films. -> (pooled, predicted COVID, source names)."""
    rng = np.random.default_rng(0)  # the sources themselves stay the same from draw to draw
    directions, centres = rng.normal(size=(24, DIM)), 3 * rng.normal(size=(4, 24))
    pooled, predicted, names = [], [], []
    for centre, (name, covid) in zip(centres, (("nih", False), ("rsna", False), ("ieee", True), ("hannover", True))):
        x = (centre + noise.normal(size=(films, 24))) @ directions / 5 + 0.05 * noise.normal(size=(films, DIM))
        pooled.append((x + 6) ** 2)  # the network's pooled features are non-negative
        predicted += [covid] * films
        names += [name] * films
    return np.concatenate(pooled), np.array(predicted), np.array(names)


def fitted():
    """The reference (directions from one draw, levels from another) and a third draw to test."""
    train, val = sources(np.random.default_rng(1)), sources(np.random.default_rng(2))
    return shift.reference(*val, others=train[:2]), sources(np.random.default_rng(3))


def new_hospital(films, covid=True, seed=7):
    """Films whose features lie away from every known source's directions."""
    rng = np.random.default_rng(seed)
    x = 0.2 * rng.normal(size=(films, DIM))
    return (x + 6) ** 2, np.full(films, covid)


def test_a_batch_of_one_known_source_alone_or_a_mix_of_them_is_no_shift():
    block, (pooled, predicted, names) = fitted()
    for name in ("nih", "rsna", "ieee", "hannover"):
        k = names == name
        result = shift.test(block, pooled[k][:60], predicted[k][:60])
        assert result["tested"] and not result["detected"], (name, result)
    mixed = np.r_[0:40, 250:290]
    assert not shift.test(block, pooled[mixed], predicted[mixed])["detected"]


def test_a_new_hospitals_covid_films_are_flagged_in_words_naming_the_class_and_what_to_do():
    block, _ = fitted()
    pooled, predicted = new_hospital(60)
    result = shift.test(block, pooled, predicted)
    assert result["detected"] and result["p_value"] < block["alpha"]
    assert "calls COVID-19" in result["message"] and "Normal" not in result["message"]
    assert "Check the model on my films" in result["message"] and "100" in result["message"]
    assert set(result) == {"tested", "detected", "p_value", "message"}


def test_healthy_adults_with_a_few_false_covid_calls_are_no_shift_once_the_reference_knows_such_calls():
    # Every batch of healthy adults holds a few films the model wrongly calls COVID-19; they lie far off
    # the directions of true COVID-19 films, so without a level of their own they look like a new site.
    def with_false_calls(draw, calls=8):  # fewer than a source needs to set a level alone
        pooled, predicted, names = draw
        predicted = predicted.copy()
        for name in ("nih", "rsna"):
            predicted[np.flatnonzero(names == name)[:calls]] = True
        return pooled, predicted, names

    train = sources(np.random.default_rng(1))
    pooled, predicted, names = with_false_calls(sources(np.random.default_rng(2)))
    labels = np.isin(names, ("ieee", "hannover")).astype(int)
    plain = shift.reference(pooled, predicted, names, others=train[:2])
    knowing = shift.reference(pooled, predicted, names, others=train[:2], labels=labels)
    assert shift.FALSE_CALLS in [r["name"] for r in knowing["classes"]["covid"]["sources"]]

    test_pooled, test_predicted, test_names = with_false_calls(sources(np.random.default_rng(3)), calls=6)
    healthy = np.isin(test_names, ("nih", "rsna"))
    assert test_predicted[healthy].sum() == 12  # enough for the films called COVID-19 to be tested
    assert shift.test(plain, test_pooled[healthy], test_predicted[healthy])["detected"]
    assert not shift.test(knowing, test_pooled[healthy], test_predicted[healthy])["detected"]
    # What the level costs in power is measured on real films, each source left out (README).


def test_after_adaptation_the_sites_own_films_are_no_shift_but_another_site_still_is():
    block, _ = fitted()
    site, predicted = new_hospital(120, seed=9)
    adapted = shift.add_source(block, site[:60], predicted[:60], "this site")
    assert "this site" in [r["name"] for r in adapted["classes"]["covid"]["sources"]]
    assert not shift.test(adapted, site[60:], predicted[60:])["detected"]
    assert "this site" not in [r["name"] for r in block["classes"]["covid"]["sources"]]  # the base is left as it was


def patients_in_series(seed, patients=24, per=6):
    """A site that films each patient several times (an intensive-care unit): one patient's films
    share that patient's look, more alike than Hannover's real series (intra-class correlation 0.8
    here, 0.1-0.6 there). -> (pooled, predicted COVID, patient of each film)."""
    rng = np.random.default_rng(seed)
    own = 0.4 * rng.normal(size=(patients, DIM))
    x = np.repeat(own, per, axis=0) + 0.2 * rng.normal(size=(patients * per, DIM))
    return (x + 6) ** 2, np.full(patients * per, True), np.repeat(np.arange(patients), per)


def test_a_site_that_films_its_patients_in_series_is_not_flagged_on_its_other_patients_after_adaptation():
    block, _ = fitted()
    flagged = {"patients": [], "films": []}
    for seed in range(40):  # forty such sites, each adapted on half its patients
        pooled, predicted, who = patients_in_series(seed)
        half = who < 12
        for counted, patients in (("patients", who[half]), ("films", None)):
            adapted = shift.add_source(block, pooled[half], predicted[half], "this site", patients=patients)
            flagged[counted].append(shift.test(adapted, pooled[~half][:60], predicted[~half][:60])["detected"])
    assert np.mean(flagged["patients"]) < np.mean(flagged["films"])
    assert np.mean(flagged["films"]) >= 0.2  # counting films, one patient's six look like six patients


def test_a_batch_whose_films_name_their_patients_counts_each_patient_once():
    block, _ = fitted()
    flagged = {"named": [], "unnamed": []}
    for seed in range(40):  # forty sites, each adapted on half its patients; batches of the other half
        pooled, predicted, who = patients_in_series(seed)
        half = who < 12
        adapted = shift.add_source(block, pooled[half], predicted[half], "this site", patients=who[half])
        ids = [f"P{p}" for p in who[~half][:60]]  # as DICOM files carry them
        flagged["named"].append(shift.test(adapted, pooled[~half][:60], predicted[~half][:60], patients=ids)["detected"])
        flagged["unnamed"].append(shift.test(adapted, pooled[~half][:60], predicted[~half][:60])["detected"])
    assert np.mean(flagged["named"]) < np.mean(flagged["unnamed"])
    assert np.mean(flagged["named"]) <= 0.025  # at most one site in forty
    # A hospital the model does not know is still flagged, its patients counted once each.
    pooled, predicted, who = patients_in_series(99)
    assert shift.test(block, pooled[:60], predicted[:60], patients=[f"P{p}" for p in who[:60]])["detected"]


def test_one_id_on_every_film_or_none_at_all_leaves_the_films_counted():
    assert shift.units(["ANONYMOUS"] * 5) is None and shift.units(["", "", ""]) is None
    assert shift.worth(shift.units(["ANONYMOUS"] * 29 + ["Smith"]), 30) == 30  # an anonymiser's constant beside one named file
    keys = shift.units(["A", "", "A", "B", ""])
    assert keys[0] == keys[2] and len(set(keys.tolist())) == 4  # an unnamed film counts on its own


def test_the_batch_summary_counts_the_patients_its_dicom_files_name():
    from types import SimpleNamespace

    from covidxray_desktop.batch import Summary
    from covidxray_desktop.results import Result

    block, _ = fitted()
    pooled, predicted, who = patients_in_series(0)  # a site whose other patients, as films, look a shift
    half = who < 12
    block = shift.add_source(block, pooled[half], predicted[half], "this site", patients=who[half])
    pooled, who = pooled[~half], who[~half]  # its other twelve patients, six films each
    bundle = SimpleNamespace(card={"shift": block, "threshold": 0.5,
                                   "operating_points": {"balanced": {"threshold": 0.5}}, "default_point": "balanced"})

    def summary(named):
        s = Summary(bundle, 0.5, "balanced")
        for k, x in enumerate(pooled):
            s.add(Result(f"{k}.dcm", "ok", p_covid=0.9, features=x, patient_id=f"P{who[k]}" if named else ""))
        return s.finish()["shift"]

    named, unnamed = summary(True), summary(False)
    assert named["tested"] and unnamed["tested"]
    assert unnamed["detected"] and not named["detected"]  # twelve patients are less sure a shift than 72 films


def test_a_small_batch_or_an_older_cards_reference_is_not_tested_and_says_why():
    block, (pooled, predicted, _) = fitted()
    small = shift.test(block, pooled[:12], predicted[:12])
    assert not small["tested"] and "fewer than 30" in small["message"]
    old = shift.test({"method": "mixture-of-sources residual", "classes": {"normal": {}}}, pooled, predicted)
    assert not old["tested"] and "older" in old["message"]


def test_every_warning_the_test_can_give_has_a_template_the_window_translates():
    from covidxray_desktop.gui.messages import TEMPLATES

    for message in shift.MESSAGES.values():
        assert f"{message} {shift.ADVICE}" in TEMPLATES


def test_the_banner_says_in_words_what_differs_without_a_p_value(qtbot):
    from covidxray_desktop.gui.overlays import ShiftBanner

    banner = ShiftBanner()
    qtbot.addWidget(banner)
    block, _ = fitted()
    result = shift.test(block, *new_hospital(60))
    banner.show_for("ward 3", result["message"])
    assert "calls COVID-19" in banner.text.text() and "p =" not in banner.text.text()
    banner.show_for("X-rays <ICU> & ward", result["message"])  # a folder's name is no markup
    assert "<b>X-rays &lt;ICU&gt; &amp; ward</b>" in banner.text.text()
