"""A data scientist trains on labelled folders, reads the report, and gets a bundle that classifies."""
import csv
import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from covidxray_desktop.cli import main
from covidxray_desktop.errors import DataError, ModelError
from covidxray_desktop.model.bundle import load as load_bundle
from covidxray_desktop.training import dataset


def test_tiny_training_run_reports_progress_and_writes_a_complete_bundle(tiny_bundle):
    kinds = {e["kind"] for e in tiny_bundle.events}
    assert {"device", "stage", "batch", "epoch", "done"} <= kinds
    said = next(e for e in tiny_bundle.events if e["kind"] == "device")  # what trains, before it starts
    assert said["backend"] == tiny_bundle.card["training"]["backend"] and "Keras on" in said["message"]
    epochs = [e for e in tiny_bundle.events if e["kind"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert all(k in epochs[0] for k in ("loss", "accuracy", "val_auc", "images_per_s", "eta_s"))
    card = tiny_bundle.card
    for key in ("format_version", "classes", "input", "preprocessing", "threshold", "calibration", "ood",
                "training", "metrics", "keras_sha256", "version", "lungs", "runtime", "head", "shift"):
        assert key in card
    assert card["lungs"]["dice"]["test"]["made-up-covid"]["n"] > 0  # the segmenter's Dice on held-out masks
    assert card["training"]["epochs"] == 2 and card["training"]["device"]
    assert "research" in card["training"]["provenance"].lower()
    assert set(card["metrics"]) >= {"val", "test"}
    assert tiny_bundle.path.stat().st_size < 5e6  # 0.9 M float32 weights, no optimizer state
    for part in ("classifier", "lungs"):
        assert tiny_bundle.part_path(part).exists()  # the light runtime's export, beside it
    report = json.loads(open(tiny_bundle.report["path"]).read())
    assert report["figures"]["curves"].endswith(".png")
    folder = tiny_bundle.path.parent  # made out of sight, then moved in whole: nothing of the making is left
    assert sorted(p.name for p in folder.iterdir()) == sorted({f.name for f in tiny_bundle.files} | {
        "tiny.report.json", "tiny.roc.png", "tiny.curves.png"})
    named = [report["card"], *report["figures"].values()]  # the report names where its files lie now
    assert all(Path(f).parent == folder and Path(f).is_file() for f in named)
    assert Path(tiny_bundle.report["path"]).parent == folder


@pytest.mark.parametrize("stop", ["full disk", "two Ctrl+C"])
def test_a_retraining_stopped_while_its_model_is_scored_leaves_the_earlier_model_whole(tiny_bundle, tmp_path,
                                                                                        monkeypatch, capsys, stop):
    """`--overwrite` replaces the earlier model only once the new one is scored: a full disk, a user
    who gives up or a killed job in the minutes of scoring after the epochs leaves yesterday's model
    in use. Giving up there does not wait for the scoring to end."""
    from factory import after_two_ctrl_c

    from covidxray_desktop.training import finish

    models = tmp_path / "models"
    models.mkdir()
    for f in tiny_bundle.files:
        shutil.copy(f, models / f.name)
    earlier = {p.name: p.read_bytes() for p in models.iterdir()}

    def full(predictor, *args, **kwargs):  # as the card is written
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(predictor.bundle.path.with_suffix(".json")))

    def never(*args, **kwargs):
        raise AssertionError("the test split was scored for a run the user gave up")

    # After the bundle is saved, before its card is whole.
    if stop == "full disk":
        monkeypatch.setattr(finish, "shift_reference", full)
    else:
        monkeypatch.setattr(finish, "shift_reference", after_two_ctrl_c(finish.shift_reference))
        monkeypatch.setattr(finish, "trade_off", never)
    code = main(["train", str(tiny_bundle.data), "--epochs", "1", "--out", str(models), "--name", "tiny",
                 "--overwrite", "--lungs-from", str(tiny_bundle.path), "--quiet"])
    err = capsys.readouterr().err
    if stop == "full disk":
        # named where it was to go: the hidden folder it was made in is gone
        assert code == 2 and "No space left" in err and str(models / "tiny.json") in err, err
    else:
        assert code == 130 and "nothing was saved" in err, err
    assert {p.name: p.read_bytes() for p in models.iterdir()} == earlier  # nothing half-made beside it either
    assert load_bundle(models / "tiny.keras").ident == tiny_bundle.ident


def test_the_light_runtime_gives_what_keras_gives(tiny_bundle):
    """The exported networks and Keras agree on real first-stage films: P(COVID) within 1e-4."""
    from covidxray_desktop.model.calibration import sigmoid
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.prepare import Route
    from covidxray_desktop.training import cache, dataset

    samples, _ = dataset.discover(tiny_bundle.data)
    decoded, _ = cache.decode(samples[:16], Route(160, tiny_bundle.card["preprocessing"]))
    light = Network(load_bundle(tiny_bundle.path), "onnx").forward(decoded.first)
    heavy = Network(load_bundle(tiny_bundle.path, keras=True), "keras").forward(decoded.first)
    assert light.masks is not None and np.array_equal(light.masks, heavy.masks)
    assert np.max(np.abs(sigmoid(light.logits) - sigmoid(heavy.logits))) < 1e-4
    assert np.allclose(light.features, heavy.features, atol=1e-3)


def test_the_articles_network_is_too_large_to_export_and_stays_on_keras():
    """Exporting its 97M-weight Flatten head would take tens of GB; the small default is exported."""
    from covidxray_desktop.model.architectures import build
    from covidxray_desktop.model.export import too_large

    assert "runs on Keras" in too_large(build("article"))
    assert too_large(build("default")) is None


def test_tampered_model_and_unknown_card_version_are_refused(tiny_bundle, tmp_path):
    import shutil

    keras_copy = tmp_path / "m.keras"
    shutil.copy(tiny_bundle.path, keras_copy)
    card = dict(tiny_bundle.card)
    (tmp_path / "m.json").write_text(json.dumps(card))
    with open(keras_copy, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        load_bundle(keras_copy)
    (tmp_path / "m.json").write_text(json.dumps(dict(card, format_version=99)))
    with pytest.raises(ModelError, match="format 99"):
        load_bundle(keras_copy)


def test_an_edited_or_broken_card_is_refused_naming_the_field(tiny_bundle, tmp_path):
    import shutil

    for f in tiny_bundle.path.parent.glob("tiny.*"):
        shutil.copy(f, tmp_path / f.name)
    card = json.loads((tmp_path / "tiny.json").read_text())
    cases = [("threshold", -1, "threshold"), ("threshold", 1.5, "threshold"), ("threshold", float("nan"), "threshold"),
             ("threshold", "0.5", "threshold"), ("calibration", {"temperature": 0}, "temperature"),
             ("input", {"size": 3, "channels": 1}, "size"), ("ood", {}, "ood")]
    for key, value, named in cases:
        (tmp_path / "tiny.json").write_text(json.dumps(dict(card, **{key: value})))
        with pytest.raises(ModelError, match=named):
            load_bundle(tmp_path / "tiny.keras")
    (tmp_path / "tiny.json").write_text(json.dumps(card))
    (tmp_path / "tiny.classifier.onnx").write_bytes(b"changed")
    with pytest.raises(ModelError, match="does not match"):
        load_bundle(tmp_path / "tiny.keras")
    (tmp_path / "tiny.classifier.onnx").unlink()
    with pytest.raises(ModelError, match="export is missing"):
        load_bundle(tmp_path / "tiny.keras")


def test_a_model_card_edited_after_classifying_never_gets_the_old_answers(tiny_bundle, tmp_path, capsys):
    """The store keys results by the whole bundle: a changed threshold in the card is another model."""
    import shutil

    from covidxray_desktop.cli import main

    for f in tiny_bundle.path.parent.glob("tiny.*"):
        shutil.copy(f, tmp_path / f.name)
    films = tiny_bundle.folder
    db = str(tmp_path / "r.db")
    assert main(["classify", "--quiet", "--model", str(tmp_path / "tiny.keras"), "--db", db, "--csv",
                 str(tmp_path / "a.csv"), str(films)]) == 0
    card = json.loads((tmp_path / "tiny.json").read_text())
    card["operating_points"]["balanced"]["threshold"] = 0.999  # the default point's, and so the card's one threshold
    (tmp_path / "tiny.json").write_text(json.dumps(dict(card, threshold=0.999)))
    main(["classify", "--model", str(tmp_path / "tiny.keras"), "--db", db, "--csv", str(tmp_path / "b.csv"), str(films)])
    err = capsys.readouterr().err
    assert "already classified" not in err
    rows = list(csv.DictReader(open(tmp_path / "b.csv")))
    assert all(r["label"] == "normal" for r in rows if r["status"] == "ok")  # the new card's threshold


def test_a_second_training_into_the_same_name_is_refused_unless_asked(tiny_bundle, tmp_path, capsys):
    from covidxray_desktop.cli import main

    out = tiny_bundle.path.parent
    code = main(["train", str(tiny_bundle.data), "--out", str(out), "--name", "tiny", "--epochs", "1", "--quiet"])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    assert load_bundle(tiny_bundle.path).hash == tiny_bundle.hash  # untouched
    for bad in (["--epochs", "0"], ["--epochs", "-3"], ["--limit", "0"]):
        assert main(["train", str(tiny_bundle.data), "--out", str(tmp_path), *bad, "--quiet"]) == 2


def test_evaluate_writes_the_promised_json_keys(tiny_bundle, tmp_path, capsys):
    out = tmp_path / "eval.json"
    assert main(["evaluate", str(tiny_bundle.data), "--model", str(tiny_bundle.path), "--split", "all",
                 "--json", str(out), "--quiet"]) == 0
    report = json.loads(out.read_text())
    for key in ("n", "auc", "accuracy", "balanced_accuracy", "sensitivity", "specificity", "threshold", "ece",
                "rejected", "per_source", "per_class"):
        assert key in report
    assert report["per_class"]["covid"].keys() == report["per_class"]["normal"].keys()
    assert "auc_ci95" in report


def test_patient_split_keeps_every_patient_in_one_split(tmp_path):
    rows = [("p%03d_%d.png" % (i // 3, i % 3), "covid" if i % 2 else "normal", f"p{i // 3}") for i in range(300)]
    with open(tmp_path / "m.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "patient_id"])
        w.writerows(rows)
    samples, _ = dataset.discover(tmp_path / "m.csv")
    split = dataset.patient_split(samples, seed=3)
    where = {}
    for s in split:
        where.setdefault(s.patient_id, set()).add(s.split)
    assert all(len(v) == 1 for v in where.values())
    counts = {k: sum(s.split == k for s in split) for k in dataset.SPLITS}
    assert counts["train"] > counts["val"] > 0 and counts["test"] > 0
    assert dataset.patient_split(samples, seed=3) == split  # seeded: the same every time


def test_class_folders_are_matched_whatever_their_case(tmp_path):
    for name in ("COVID-19", "normal"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())  # two films, not one twice
    samples, _ = dataset.discover(tmp_path)
    assert sorted(s.label for s in samples) == [0, 1]
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(DataError, match="sub-folder"):
        dataset.discover(tmp_path / "elsewhere")


def test_shared_manifest_splits_never_share_a_patient(shared_data):
    samples, _ = dataset.discover(shared_data / "manifest.csv")
    where = {}
    for s in samples:
        where.setdefault((s.source, s.patient_id), set()).add(s.split)
    assert all(len(v) == 1 for v in where.values())


def test_the_same_seed_trains_the_same_model(tiny_bundle, tmp_path):
    from covidxray_desktop.training.job import train

    first, second = (train(tiny_bundle.data, epochs=2, out_dir=tmp_path / n, name=n, seed=7,
                           lungs_from=tiny_bundle.path)[0] for n in ("a", "b"))  # the next test: the segmenter
    # Bit for bit across processes; inside one process that already trained, oneDNN may pick
    # other kernels and round differently in the 7th digit.
    for w1, w2 in zip(first.keras().get_weights(), second.keras().get_weights()):
        assert np.allclose(w1, w2, rtol=0, atol=1e-5)
    assert first.card["threshold"] == pytest.approx(second.card["threshold"], abs=1e-4)


def test_the_same_seed_trains_the_same_lung_segmenter(monkeypatch):
    from factory import chest_like, lung_mask

    from covidxray_desktop import backend
    from covidxray_desktop.training import lungs

    monkeypatch.setattr(lungs, "MIN_STEPS", 6)  # a few steps show it; a site's few masks get 300
    films = np.stack([chest_like(128, seed=i) for i in range(16)]).astype(np.float32)
    masks = np.stack([lung_mask(64) > 127] * 16)

    def trained(seed):
        backend.make_deterministic(seed)  # as the job does before it trains anything
        return lungs.train(films[:12], masks[:12], films[12:], masks[12:], seed=seed, epochs=1)[0].get_weights()

    first, again, other = trained(7), trained(7), trained(8)
    assert all(np.allclose(a, b, rtol=0, atol=1e-5) for a, b in zip(first, again))
    assert not all(np.allclose(a, b, rtol=0, atol=1e-5) for a, b in zip(first, other))


def test_a_manifest_with_some_splits_keeps_them_and_splits_the_rest(tmp_path):
    rows = [("fixed.png", "covid", "p0", "test")] + [(f"x{i}.png", "normal" if i % 2 else "covid", f"p{i}", "")
                                                    for i in range(1, 60)]
    with open(tmp_path / "m.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "patient_id", "split"])
        w.writerows(rows)
    samples = dataset.patient_split(dataset.discover(tmp_path / "m.csv")[0], seed=1)
    assert next(s for s in samples if s.file.name == "fixed.png").split == "test"
    assert all(s.split for s in samples)


def test_a_relative_data_folder_works(tmp_path, monkeypatch):
    for name in ("COVID", "Normal"):
        (tmp_path / "d" / name).mkdir(parents=True)
        (tmp_path / "d" / name / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())  # two films, not one twice
    monkeypatch.chdir(tmp_path)
    samples, _ = dataset.discover("d")
    assert len(samples) == 2


def test_a_card_missing_keys_is_refused_with_a_sentence(tiny_bundle, tmp_path):
    import shutil

    shutil.copy(tiny_bundle.path, tmp_path / "m.keras")
    card = {k: v for k, v in tiny_bundle.card.items() if k != "version"}
    (tmp_path / "m.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="lacks version"):
        load_bundle(tmp_path / "m.keras")


def test_a_model_with_a_lambda_layer_is_refused(tmp_path, tiny_bundle):
    import hashlib
    import shutil

    import keras

    inputs = keras.Input((160, 160, 1))
    x = keras.layers.Lambda(lambda t: t * 2)(inputs)  # arbitrary code inside a model file
    outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D()(x))
    keras.Model(inputs, outputs).save(tmp_path / "lambda.keras")
    for part in ("classifier", "lungs"):
        shutil.copy(tiny_bundle.part_path(part), tmp_path / f"tiny.{part}.onnx")
    digest = hashlib.sha256((tmp_path / "lambda.keras").read_bytes()).hexdigest()
    (tmp_path / "lambda.json").write_text(json.dumps(dict(tiny_bundle.card, keras_sha256=digest)))
    with pytest.raises(ModelError, match="cannot be loaded safely"):
        load_bundle(tmp_path / "lambda.keras", keras=True)


def test_classify_and_training_make_no_network_connection(tiny_bundle, tmp_path, monkeypatch, capsys):
    import socket

    from covidxray_desktop.training.job import train

    def refuse(*args, **kwargs):
        raise AssertionError("the app tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 str(tiny_bundle.folder)]) == 0
    bundle, _ = train(tiny_bundle.data, epochs=1, out_dir=tmp_path / "m", name="offline", lungs_from=tiny_bundle.path)
    assert bundle.path.exists()


def test_a_model_trained_in_mixed_precision_is_saved_in_float32():
    """A GPU trains in bfloat16; the clinic PC that loads the bundle runs float32."""
    import keras

    from covidxray_desktop.model.architectures import build
    from covidxray_desktop.training.fit import in_float32

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        mixed = build("default")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert mixed.get_layer("features").compute_dtype == "bfloat16"
    plain = in_float32(mixed, "default")
    assert {layer.dtype_policy.name for layer in plain.layers} == {"float32"}
    assert all(np.array_equal(a, b) for a, b in zip(mixed.get_weights(), plain.get_weights()))
    assert keras.mixed_precision.global_policy().name == "float32"


def test_what_jobs_killed_outright_left_is_cleared_by_a_later_job_a_day_later(tmp_path):
    """A power cut while a model is scored leaves its hidden stage (or a save cut short); the window
    names each job by the hour, so a later job of any name clears them, but never what a job that
    may still be running is making, nor a save past its moment of commit, which loading finishes."""
    from covidxray_desktop.model import staging

    old = [tmp_path / ".site.staged-a", tmp_path / ".model-0800.saving-b"]
    kept = [tmp_path / ".site.staged-recent", tmp_path / ".site.saved"]
    for folder in old + kept:
        folder.mkdir()
        (folder / "site.keras").write_bytes(b"half a model")
    for folder in old + kept[1:]:
        day_ago = os.stat(folder).st_mtime - staging.STALE_S - 60
        os.utime(folder, (day_ago, day_ago))
    with staging.staged(tmp_path, "model-0900") as stage:
        assert stage.folder.parent == tmp_path
    assert not any(f.exists() for f in old) and all(f.exists() for f in kept) and not stage.folder.exists()


def test_an_overwritten_models_own_leftovers_go_and_nothing_else(tiny_bundle, tmp_path):
    """A model adapted over a trained one of the same name has no report: the trained one's report
    and pictures go with it, while another model whose name starts alike keeps its card, and the
    model a renamed copy was made from keeps its networks."""
    from covidxray_desktop.model import bundle as bundles
    from covidxray_desktop.model import staging

    for f in [*tiny_bundle.files, *(tiny_bundle.path.with_suffix(s) for s in (".report.json", ".roc.png",
                                                                              ".curves.png"))]:
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "tiny.report.json").write_text(json.dumps(  # the trained one's report names its card here
        dict(json.loads((tmp_path / "tiny.report.json").read_text()), card=str(tmp_path / "tiny.json"))))
    with staging.staged(tmp_path, "tiny", overwrite=True) as stage:
        for f in tiny_bundle.files:
            shutil.copy(f, stage.folder / f.name)
        published = stage.publish(bundles.load(stage.folder / "tiny.keras"))
    assert published.path == tmp_path / "tiny.keras" and published.ident == tiny_bundle.ident
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in tiny_bundle.files)

    other = tmp_path / "tiny.report.json"  # the card of a model named "tiny.report", not a report
    other.write_text(json.dumps({"name": "tiny.report"}))
    with staging.staged(tmp_path, "tiny", overwrite=True) as stage:
        for f in tiny_bundle.files:
            shutil.copy(f, stage.folder / f.name)
        stage.publish(bundles.load(stage.folder / "tiny.keras"))
    assert other.exists()

    for suffix in (".keras", ".json"):  # a renamed copy: its card names the original's networks
        shutil.copy(tmp_path / f"tiny{suffix}", tmp_path / f"copy{suffix}")
    with staging.staged(tmp_path, "copy", overwrite=True) as stage:
        assert stage._replaced() == {"copy.keras", "copy.json"}  # never the original's files
