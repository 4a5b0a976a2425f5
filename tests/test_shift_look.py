"""The shift test's look part: a clinic whose films, taken together, look like none of the collections the
model learnt from (a children's hospital when it never saw a child) is warned, even where each film
looks familiar to the network; known collections alone or mixed, and a site after adapting, are not."""
import numpy as np

from covidxray_desktop.model import look, shift
from test_shift import fitted, new_hospital

PIXELS = 32 * 32


def collections(noise, films=120, names=("nih", "rsna", "ieee", "hannover")):
    """Thumbnails of known collections: each its own mean picture plus film-to-film variation along shared
    patterns; patients of one collection also differ a little from each other's (a small offset per draw)."""
    rng = np.random.default_rng(0)  # the collections' looks stay the same from draw to draw
    patterns, looks = rng.normal(size=(20, PIXELS)), 2.0 * rng.normal(size=(len(names) + 1, 20))
    thumbs, sources = [], []
    for centre, name in zip(looks, names):
        x = (centre + 0.1 * noise.normal(size=20) + noise.normal(size=(films, 20))) @ patterns / 20
        thumbs.append(0.5 + x + 0.02 * noise.normal(size=(films, PIXELS)))
        sources += [name] * films
    return np.concatenate(thumbs), np.array(sources)


def unseen_collection(films, seed=7, centre=None):
    """Films of a collection no source resembles: the last of the made-up looks, never used above
    (or `centre`, a look of 20 numbers, for one more such collection)."""
    rng, noise = np.random.default_rng(0), np.random.default_rng(seed)
    patterns, looks = rng.normal(size=(20, PIXELS)), 2.0 * rng.normal(size=(5, 20))
    centre = looks[4] if centre is None else centre
    return 0.5 + (centre + noise.normal(size=(films, 20))) @ patterns / 20 + 0.02 * noise.normal(size=(films, PIXELS))


def reference():
    (fit, fit_sources), (level, level_sources) = collections(np.random.default_rng(1)), collections(np.random.default_rng(2))
    return look.reference(fit, fit_sources, level, level_sources)


def test_known_collections_alone_or_mixed_look_familiar_and_an_unseen_one_does_not():
    block = reference()
    thumbs, sources = collections(np.random.default_rng(3))
    for name in ("nih", "rsna", "ieee", "hannover"):
        assert look.p_value(block, look.coordinates(block, thumbs[sources == name][:40])) > 0.05, name
    mixed = np.r_[0:20, 130:150, 250:270]
    assert look.p_value(block, look.coordinates(block, thumbs[mixed])) > 0.05
    assert look.p_value(block, look.coordinates(block, unseen_collection(30))) < 1e-4


def test_the_nearest_mix_of_sources_is_found_and_the_chi_square_tail_is_exact():
    centres = np.array([[0.0, 4.0, 0.0], [0.0, 0.0, 4.0]])
    w = look.nearest_mix(centres, np.array([1.0, 1.0]))
    assert np.allclose(w, [0.5, 0.25, 0.25], atol=1e-9) and abs(w.sum() - 1) < 1e-12
    # Two collections that look alike, a batch beyond every one of them: no mix of the simplex is nearer.
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(12, 6))
    centres[:, 4] = centres[:, 3]
    target = rng.normal(size=12) * 3
    w = look.nearest_mix(centres, target)
    assert (w >= 0).all() and abs(w.sum() - 1) < 1e-12
    tried = rng.dirichlet(np.full(6, 0.3), 20000)
    assert np.sum((centres @ w - target) ** 2) <= np.min(np.sum((tried @ centres.T - target) ** 2, axis=1))
    # The same mix whatever the units and wherever the looks sit.
    assert np.allclose(look.nearest_mix(centres * 1e4 + 3e3, target * 1e4 + 3e3), w, atol=1e-9)
    assert np.allclose(look.nearest_mix(centres * 1e-6, target * 1e-6), w, atol=1e-9)
    assert abs(look.chi2_tail(2.0, 2) - np.exp(-1)) < 1e-12  # two degrees of freedom: exp(-x/2)
    assert abs(look.chi2_tail(21.026, 12) - 0.05) < 1e-3  # the tabled 95th percentile of chi-square(12)


def test_a_batch_whose_network_features_look_familiar_but_whose_films_do_not_is_flagged_in_words():
    block, (pooled, predicted, names) = fitted()
    block = {**block, "look": reference()}
    k = np.flatnonzero(names == "hannover")[:40]  # features like a known COVID source's
    quiet = shift.test(block, pooled[k], predicted[k], collections(np.random.default_rng(3))[0][240:280])
    assert quiet["tested"] and not quiet["detected"], quiet
    result = shift.test(block, pooled[k], predicted[k], unseen_collection(40))
    assert result["detected"]
    assert "look unlike every collection" in result["message"] and "calls" not in result["message"]
    assert result["message"] in {f"{m} {shift.ADVICE}" for m in shift.MESSAGES.values()}


def test_after_adaptation_the_sites_own_look_is_known_and_the_base_reference_is_left_as_it_was():
    block, (pooled, predicted, names) = fitted()
    block = {**block, "look": reference()}
    site = unseen_collection(90, seed=11)
    k = np.flatnonzero(names == "hannover")[:90]
    adapted = shift.add_source(block, pooled[k[:60]], predicted[k[:60]], "this site", thumbs=site[:60])
    assert "this site" in [s["name"] for s in adapted["look"]["sources"]]
    assert "this site" not in [s["name"] for s in block["look"]["sources"]]
    assert not shift.test(adapted, pooled[k[60:]], predicted[k[60:]], site[60:])["detected"]


def test_a_model_adapted_at_a_second_site_still_knows_the_first_sites_look():
    # Each adaptation named its films "this site": the second replaced the first's look, and the first
    # site, still using the model, was then warned of a shift on its own usual batches.
    block, (pooled, predicted, names) = fitted()
    block = {**block, "look": reference()}
    k = np.flatnonzero(names == "hannover")[:120]
    first, second = unseen_collection(90, seed=11), unseen_collection(
        60, seed=12, centre=2.0 * np.random.default_rng(99).normal(size=20))
    assert shift.test(block, pooled[k[60:90]], predicted[k[60:90]], first[60:])["detected"]  # before adapting
    once = shift.add_source(block, pooled[k[:60]], predicted[k[:60]], shift.new_site(block), thumbs=first[:60])
    twice = shift.add_source(once, pooled[k[60:]], predicted[k[60:]], shift.new_site(once), thumbs=second)
    assert {s["name"] for s in twice["look"]["sources"]} - {s["name"] for s in block["look"]["sources"]} == {
        "site 1", "site 2"}
    assert not shift.test(twice, pooled[k[60:90]], predicted[k[60:90]], first[60:])["detected"]
    # A model without a look part names its sites apart too, by its classes' sources.
    plain = {k: v for k, v in once.items() if k != "look"}
    assert shift.new_site(plain) == "site 2" and shift.new_site(None) == "site 1"


def test_a_site_that_adapted_on_both_classes_then_sends_mostly_normal_films_is_not_warned():
    """A children's clinic adapts on 30 of its healthy children and 30 COVID-19 films like a known
    collection's, then sends its usual batches: nearly all children. Its look is known per class."""
    block, (pooled, predicted, names) = fitted()
    block = {**block, "look": reference()}
    known = collections(np.random.default_rng(4))
    children, covid = unseen_collection(90, seed=11), known[0][known[1] == "hannover"][:40]
    k = np.flatnonzero(names == "hannover")[:120]  # the network part: features like a known source's
    labels = np.r_[np.zeros(30), np.ones(30)]
    adapted = shift.add_source(block, pooled[k[:60]], predicted[k[:60]], "this site",
                               thumbs=np.r_[children[:30], covid[:30]], labels=labels)
    assert {"this site (normal)", "this site (COVID-19)"} <= {s["name"] for s in adapted["look"]["sources"]}
    usual = np.r_[children[30:87], covid[30:33]]  # 57 children, 3 COVID-19 films
    assert not shift.test(adapted, pooled[k[60:120]], predicted[k[60:120]], usual)["detected"]
    # Another hospital is still told apart from this site and from the training collections.
    other = unseen_collection(60, seed=12, centre=2.0 * np.random.default_rng(99).normal(size=20))
    assert shift.test(adapted, pooled[k[60:120]], predicted[k[60:120]], other)["detected"]


def test_films_without_a_thumbnail_leave_the_look_part_out_and_the_rest_is_tested_as_before():
    block, _ = fitted()
    with_look = {**block, "look": reference()}
    pooled, predicted = new_hospital(60)
    assert shift.test(with_look, pooled, predicted, None) == shift.test(block, pooled, predicted)
    few = shift.test(with_look, pooled, predicted, unseen_collection(12))  # fewer than 30 thumbnails: not tested
    assert few == shift.test(block, pooled, predicted)


def test_a_stored_result_keeps_its_thumbnail_for_the_next_batchs_look(tmp_path):
    from covidxray_desktop.results import Result
    from covidxray_desktop.store import Store

    film = tmp_path / "a.png"
    film.write_bytes(b"x")
    thumb = np.linspace(0, 1, PIXELS).astype(np.float32)
    store = Store(tmp_path / "results.sqlite3")
    store.record(Result(str(film), "ok", p_covid=0.7, threshold=0.5, sha256="ab" * 32, model_hash="m",
                        features=np.ones(8, np.float32), look=thumb, made_with="route 1; onnx"))
    back = store.lookup("ab" * 32, "m", "route 1; onnx")
    store.close()
    assert back is not None and np.allclose(back.look, thumb, atol=1e-3)


def test_on_real_films_the_shipped_cards_look_tells_a_collection_it_does_not_know_from_a_mix_it_does(
        default_bundle, shared_data):
    """The shipped card's look, with the children's collection taken out of its known sources, as a clinic
    the model never met: 40 children's test films are flagged; 40 test films of three adult collections
    mixed are not, nor are the children once their collection is known again."""
    from covidxray_desktop.training import cache, dataset
    from covidxray_desktop.training.evaluate import route_of

    block = default_bundle.card["shift"]
    samples = [s for s in dataset.discover(shared_data / "manifest.csv")[0] if s.split == "test"]
    children = [s for s in samples if s.source == "kermany_darshan"][:40]
    adults = [s for s in samples if s.source == "nih_darkcovidnet"][:14] + [
        s for s in samples if s.source == "rsna_via_covid19radiography"][:13] + [
        s for s in samples if s.source == "covid_cxnet"][:13]
    decoded, problems = cache.decode(children + adults, route_of(default_bundle))
    assert not problems and len(decoded.samples) == 80
    thumbs = decoded.thumbs
    strictest = shift.ALPHA / 3  # the look's share when both predicted classes are tested beside it
    unknown = {**block["look"], "sources": [s for s in block["look"]["sources"] if s["name"] != "kermany_darshan"]}
    assert look.p_value(unknown, look.coordinates(unknown, thumbs[:40])) < strictest
    assert look.p_value(block["look"], look.coordinates(block["look"], thumbs[:40])) > strictest
    assert look.p_value(block["look"], look.coordinates(block["look"], thumbs[40:])) > strictest


def test_a_damaged_or_foreign_thumbnail_from_the_store_leaves_only_that_film_out_of_the_look(tmp_path):
    from covidxray_desktop.batch import Summary
    from covidxray_desktop.results import Result

    block, (pooled, predicted, names) = fitted()
    block = {**block, "look": reference()}
    bundle = type("Bundle", (), {"card": {"shift": block, "threshold": 0.5,
                                          "operating_points": {"balanced": {"threshold": 0.5}},
                                          "default_operating_point": "balanced"}})()
    summary = Summary(bundle, 0.5, "balanced")
    k = np.flatnonzero(names == "hannover")[:40]
    thumbs = unseen_collection(40)
    thumbs[3] = np.nan  # a damaged blob read back
    for i, row in enumerate(k):
        look_ = thumbs[i][:50] if i == 5 else thumbs[i]  # a thumbnail of another size
        summary.add(Result(f"f{i}.png", "ok", p_covid=0.9, threshold=0.5, features=pooled[row], look=look_))
    result = summary.finish()["shift"]
    assert result["tested"] and result["detected"] and "look unlike every collection" in result["message"]
    assert look.chi2_tail(float("inf"), 12) == 0.0
