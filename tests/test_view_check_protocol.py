"""The count of CT slices and laterals refused "unseen" is only honest if each patient's films are
judged by a check that never learned from that patient, and the shipped check learns from all."""
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from covidxray_desktop.training import ood_set, view_check


def test_each_patient_is_judged_by_a_check_fitted_without_them_and_the_shipped_one_learns_from_all(monkeypatch):
    films = [(Path(f"ood/{name}.jpg"), kind) for name, kind in
             [("a1", "ct"), ("a2", "ct"), ("b1", "ct"), ("c1", "lateral"), ("c2", "lateral"), ("d1", "lateral"),
              ("e1", "ct")]]
    patient = {p: p.stem[0] for p, _ in films}
    variants = 3
    owner = np.repeat(np.arange(len(films) - 1), variants)  # e1 could not be read: it has no variants
    monkeypatch.setattr(ood_set, "real", lambda data: films)
    monkeypatch.setattr(ood_set, "patients", lambda data: patient)
    monkeypatch.setattr(ood_set, "prepared_variants",
                        lambda items, route: (owner[:, None].astype(np.float32), owner[:, None], owner))
    monkeypatch.setattr(view_check, "features", lambda gate, thumbs, pooled, masks, first: np.asarray(first))
    monkeypatch.setattr(view_check, "Route", lambda *a: None)

    fitted, judged = [], []

    class Gate:
        def learn_view(self, frontal, other, val_rows, val_sources, fitted_on, film_numbers):
            fitted.append((set(fitted_on), {int(v) for v in np.asarray(other).ravel()}))

        def assess(self, thumbs, forward, first):
            judged.append(([films[int(t)][0].name for t in np.asarray(thumbs).ravel()], fitted[-1]))
            return None, ["not frontal" if int(t) != 2 else None for t in np.asarray(thumbs).ravel()]

    network = SimpleNamespace(size=8, method="x", passes=lambda first, batch: (first[:, 0], first, None))
    split = SimpleNamespace(samples=[SimpleNamespace(source="s")] * 4, thumbs=np.zeros((4, 1)),
                            first=np.zeros((4, 1)))
    passes = (None, np.zeros((4, 1)), None)
    report = view_check.teach(Gate(), network, split, split, passes, passes, "manifest.csv", 16)

    assert len(judged) == 4  # one round per patient whose films could be read
    for names, (fitted_on, rows) in judged:
        group = {patient[Path(f"ood/{n}")] for n in names}
        assert len(group) == 1  # a round judges one patient's films...
        assert not fitted_on & set(names)  # ...with a check that never learned from them
        assert not rows & {k for k, (p, _) in enumerate(films) if p.name in names}
    assert fitted[-1][0] == {p.name for p, _ in films[:-1]}  # the shipped check: every film that could be read
    assert report["per_kind"]["ct"] == {"rejected": 2, "n": 3, "ci95": report["per_kind"]["ct"]["ci95"],
                                        "reasons": {"not frontal": 2}}
    assert report["accepted"] == ["b1.jpg"] and report["n"] == 6 and report["unread"] == ["e1.jpg"]


def test_training_teaches_the_view_check_on_every_real_non_frontal_film_and_counts_the_unseen(tiny_bundle):
    """The same step training runs, on the tiny model's films and a made-up ood/ folder: two
    patients' axial slices (a round body on black) and two patients' side views."""
    import csv

    from factory import save_png8

    from covidxray_desktop.model.network import Network
    from covidxray_desktop.training.evaluate import decoded_as_trained
    from covidxray_desktop.training.finish import fit_gate

    manifest = Path(tiny_bundle.data)
    ood = manifest.parent / "ood"
    (ood / "ct").mkdir(parents=True)
    (ood / "lateral").mkdir()
    rows, yy, xx = [], *np.mgrid[0:200, 0:200]
    for k in range(4):
        body = ((yy - 100) / 70) ** 2 + ((xx - 100) / (90 - 4 * k)) ** 2 < 1
        lungs = (((yy - 95) / 40) ** 2 + ((np.abs(xx - 100) - 35) / 22) ** 2 < 1) & body
        ct = np.where(body, 0.75, 0.0) - 0.7 * lungs
        save_png8(ood / "ct" / f"slice{k}.png", (np.clip(ct, 0, 1) * 255).astype(np.uint8))
        rows.append({"file": f"ct/slice{k}.png", "kind": "ct", "patient_id": f"p{k // 2}"})
        side = np.clip(np.linspace(0.2, 0.9, 200)[None, :] * (((yy - 100) / 90) ** 2 + ((xx - 110) / 60) ** 2 < 1)
                       + 0.05 * k, 0, 1)
        save_png8(ood / "lateral" / f"side{k}.png", (side * 255).astype(np.uint8))
        rows.append({"file": f"lateral/side{k}.png", "kind": "lateral", "patient_id": f"q{k // 2}"})
    with open(ood / "manifest.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["file", "kind", "patient_id"])
        writer.writeheader()
        writer.writerows(rows)
    try:
        decoded, _ = decoded_as_trained(manifest, tiny_bundle)
        gate, unseen = fit_gate(Network(tiny_bundle), decoded, tiny_bundle.has_lungs, manifest)
    finally:
        import shutil

        shutil.rmtree(ood)  # the other tests' tiny data stays as it was
    assert gate.view is not None and gate.view.block["film_numbers"]
    assert gate.view.block["fitted_on"] == sorted(Path(r["file"]).name for r in rows)  # every film taught it
    assert unseen["n"] == 8 and set(unseen["per_kind"]) == {"ct", "lateral"}
    assert unseen["method"].startswith("leave one patient out")
    assert unseen["unread"] == []


def test_the_threshold_is_set_on_every_frontal_film_the_check_did_not_learn_from(monkeypatch):
    """A small source has few validation films: the training films left out of the check's fit
    count too, so its threshold does not fall at a source's single lowest film, and no film the
    check learned from sets it."""
    films = [(Path("ood/a.jpg"), "ct"), (Path("ood/b.jpg"), "lateral")]
    monkeypatch.setattr(ood_set, "real", lambda data: films)
    monkeypatch.setattr(ood_set, "patients", lambda data: {p: p.stem for p, _ in films})
    monkeypatch.setattr(ood_set, "prepared_variants",
                        lambda items, route: (np.array([[-1.0], [-2.0]]), np.zeros((2, 1)), np.array([0, 1])))
    monkeypatch.setattr(view_check, "features", lambda gate, thumbs, pooled, masks, first: np.asarray(first))
    monkeypatch.setattr(view_check, "Route", lambda *a: None)
    monkeypatch.setattr(view_check, "FRONTAL_ROWS", 4)
    calls = []

    class Gate:
        def learn_view(self, frontal, other, unseen_rows, unseen_sources, fitted_on, film_numbers):
            calls.append((np.asarray(frontal).ravel(), np.asarray(unseen_rows).ravel(), list(unseen_sources)))

        def assess(self, thumbs, forward, first):
            return None, ["not frontal"] * len(thumbs)

    def split(values, sources):
        return SimpleNamespace(samples=[SimpleNamespace(source=s) for s in sources], thumbs=np.zeros((len(values), 1)),
                               first=np.array(values, float)[:, None])

    train = split(range(10), ["big"] * 7 + ["small"] * 3)  # film k's features: the number k
    val = split([100, 101], ["big", "small"])
    network = SimpleNamespace(size=8, method="x", passes=lambda first, batch: (first[:, 0], first, None))
    view_check.teach(Gate(), network, train, val, (None, np.zeros((10, 1)), None), (None, np.zeros((2, 1)), None),
                     "manifest.csv", 16)

    frontal, unseen, sources = calls[-1]
    assert len(frontal) == 4 and set(frontal) <= set(range(10))  # the fit: four training films
    assert sorted(unseen) == sorted([100.0, 101.0] + sorted(set(range(10)) - set(frontal)))  # all the others
    assert not set(frontal) & set(unseen)
    by_film = dict(zip(unseen, sources))
    assert by_film[100.0] == "big" and by_film[101.0] == "small"
    assert all(by_film[k] == ("big" if k < 7 else "small") for k in unseen if k < 10)
