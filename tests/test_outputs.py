"""Where the commands write: a mistyped or hostile output path is refused before anything is lost.

Each story gives an output option a path it must not write (the results store, a file of the model
in use, a planted link, a folder of labelled films) and checks that the command says so in one
sentence naming the path, exits 2, and that the file or folder is as it was.
"""
import os
import shutil

import pytest
from factory import chest_like, class_folders, lung_manifest, save_png8

from covidxray_desktop.cli import main
from covidxray_desktop.store import default_path


def refused(args, capsys, named) -> str:
    code = main([*map(str, args)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(named) in err and "Traceback" not in err, err
    return err


@pytest.fixture
def films(tmp_path):
    folder = tmp_path / "films"
    folder.mkdir()
    save_png8(folder / "a.png", chest_like(128))
    return folder


def test_evaluate_json_onto_the_results_store_or_a_hard_link_to_it_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user data"))  # this test's own per-user store
    site = class_folders(tmp_path / "site", per_class=2, size=64)
    store = default_path()
    assert tmp_path in store.parents
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"SQLite format 3\0 the clinic's results")
    os.link(store, tmp_path / "report.json")
    for target in (store, tmp_path / "report.json"):
        err = refused(["evaluate", site, "--json", target], capsys, target)
        assert "results store" in err
    assert store.read_bytes() == b"SQLite format 3\0 the clinic's results"


def test_bench_json_onto_the_store_or_the_model_in_use_is_refused_before_anything_is_measured(
        own_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user data"))
    store = default_path()
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_bytes(b"SQLite format 3\0 the clinic's results")
    card = own_model.with_suffix(".json")
    before = card.read_bytes()
    measured = []
    monkeypatch.setattr("covidxray_desktop.bench.sample_folder", lambda *a, **k: measured.append(a))
    for target, what in ((store, "results store"), (card, "model in use")):
        assert what in refused(["bench", "--model", own_model, "--json", target], capsys, target)
    assert measured == [] and store.read_bytes() == b"SQLite format 3\0 the clinic's results"
    assert card.read_bytes() == before


def test_classify_outputs_onto_the_files_of_the_model_in_use_are_refused(own_model, films, tmp_path, capsys):
    card = own_model.with_suffix(".json")
    onnx = own_model.with_name(own_model.stem + ".classifier.onnx")
    store = own_model.with_name(own_model.stem + ".rehearsal.npz")  # what adapting it needs
    before = {f: f.read_bytes() for f in (own_model, card, onnx, store)}
    db = tmp_path / "r.db"
    for option, target in (("--csv", card), ("--summary", onnx), ("--pdf", own_model), ("--csv", store)):
        err = refused(["classify", "--quiet", "--db", db, "--model", own_model, option, target, films], capsys,
                      target)
        assert "model in use" in err
    assert all(f.read_bytes() == data for f, data in before.items())


def test_a_csv_onto_a_hard_link_of_the_store_leaves_the_store_whole(films, tmp_path, capsys):
    db = tmp_path / "r.db"
    assert main(["classify", "--quiet", "--db", str(db), "--csv", str(tmp_path / "first.csv"), str(films)]) == 0
    kept = db.read_bytes()
    os.link(db, tmp_path / "results.csv")
    err = refused(["classify", "--quiet", "--db", db, "--csv", tmp_path / "results.csv", films], capsys,
                  tmp_path / "results.csv")
    assert "results store" in err
    assert db.read_bytes() == kept


def test_two_outputs_given_one_file_are_refused_and_an_earlier_report_there_is_kept(films, tmp_path, capsys):
    # "--csv out --pdf out" wrote the CSV, then the PDF over it: the table was gone and the run said nothing.
    db = tmp_path / "r.db"
    report = tmp_path / "report.out"
    report.write_text("yesterday's report")
    os.link(report, tmp_path / "same report.out")
    for first, second in (("--csv", "--pdf"), ("--csv", "--summary"), ("--pdf", "--summary")):
        for other in (report, tmp_path / "same report.out"):
            err = refused(["classify", "--quiet", "--db", db, first, report, second, other, films], capsys, other)
            assert first in err and second in err
    refused(["history", "--db", db, "--csv", report, "--pdf", report], capsys, report)
    assert report.read_text() == "yesterday's report" and not db.exists()


def test_a_store_in_a_mistyped_folder_is_refused_not_started_afresh(films, tmp_path, capsys):
    # "--db /clinic/resluts/x.db" made the folders and an empty store, and the day's results went there.
    db = tmp_path / "resluts" / "clinic.db"
    err = refused(["classify", "--quiet", "--db", db, films], capsys, db.parent)
    assert "does not exist" in err and not db.parent.exists()


def test_a_csv_onto_a_planted_link_is_refused_and_its_target_kept(films, tmp_path, capsys):
    victim = tmp_path / "notes.txt"
    victim.write_text("the clinic's notes")
    os.symlink(victim, tmp_path / "out.csv")
    err = refused(["classify", "--quiet", "--db", tmp_path / "r.db", "--csv", tmp_path / "out.csv", films], capsys,
                  tmp_path / "out.csv")
    assert "symbolic link" in err
    assert victim.read_text() == "the clinic's notes"


def test_a_link_swapped_in_after_the_check_is_not_written_through(tmp_path):
    from covidxray_desktop import outputs
    from covidxray_desktop.errors import UsageError

    victim = tmp_path / "notes.txt"
    victim.write_text("kept")
    outputs.check(tmp_path / "out.csv", "--csv")
    os.symlink(victim, tmp_path / "out.csv")  # planted between the check and the opening
    with pytest.raises(UsageError, match="symbolic link"):
        outputs.open_stream(tmp_path / "out.csv", "--csv")
    os.unlink(tmp_path / "out.csv")
    os.link(victim, tmp_path / "out.csv")
    with pytest.raises(UsageError, match="hard link"):
        outputs.open_stream(tmp_path / "out.csv", "--csv")
    os.unlink(tmp_path / "out.csv")
    os.link(victim, tmp_path / "out.csv.partial")  # where the rows go until the batch is done
    with pytest.raises(UsageError, match="hard link"):
        outputs.open_stream(tmp_path / "out.csv", "--csv")
    assert victim.read_text() == "kept"


def test_evaluate_with_an_ood_folder_and_no_json_report_gets_past_its_checks(tmp_path, monkeypatch):
    # `evaluate DATA --ood DIR`, as the README gives it, stopped at once: "cannot access local variable
    # 'writable'", imported only for --json.
    from covidxray_desktop import inference

    class Reached(Exception):
        pass

    def scoring(*args, **kwargs):
        raise Reached

    monkeypatch.setattr(inference, "Predictor", scoring)
    site = class_folders(tmp_path / "site", per_class=2, size=64)
    with pytest.raises(Reached):
        main(["evaluate", str(site), "--ood", str(tmp_path / "ood")])


def test_evaluate_never_writes_its_made_up_pictures_into_the_labelled_folders(tmp_path, capsys):
    site = class_folders(tmp_path / "site", per_class=2, size=64)
    before = sorted(p.name for p in site.rglob("*"))
    for inside in (site / "COVID" / "ood", site / "ood"):
        err = refused(["evaluate", site, "--ood", inside], capsys, inside)
        assert "inside the input folder" in err
    assert sorted(p.name for p in site.rglob("*")) == before
    listed = lung_manifest(tmp_path / "listed", per_class=2)  # a manifest's films lie in its folder
    err = refused(["evaluate", listed, "--ood", listed.parent / "images" / "ood"], capsys, listed.parent / "images")
    assert "(its manifest's)" in err and not (listed.parent / "images" / "ood").exists()


def test_adapt_never_puts_its_model_and_roc_among_the_sites_films(tmp_path, capsys):
    site = class_folders(tmp_path / "site", per_class=2, size=64)
    out = site / "Normal" / "site.keras"
    err = refused(["adapt", site, "--out", out, "--quiet"], capsys, out)
    assert "inside the input folder" in err
    assert not out.exists()


def test_adapt_never_replaces_an_earlier_roc_picture_unasked(tmp_path, capsys):
    site = class_folders(tmp_path / "site", per_class=2, size=64)
    (tmp_path / "models").mkdir()
    roc = tmp_path / "models" / "site.roc.png"
    roc.write_bytes(b"last month's figure")
    err = refused(["adapt", site, "--out", tmp_path / "models" / "site.keras", "--quiet"], capsys, roc)
    assert "--overwrite" in err
    assert roc.read_bytes() == b"last month's figure"


def test_a_link_planted_under_a_heat_maps_name_is_replaced_not_written_through(tmp_path, tiny_bundle, capsys):
    from covidxray_desktop.model.cam import overlay_name

    films = tmp_path / "films"
    films.mkdir()
    save_png8(films / "a.png", chest_like(160, 8))
    heat = tmp_path / "heat"
    heat.mkdir()
    victim = tmp_path / "notes.txt"
    victim.write_text("the clinic's notes")
    os.symlink(victim, heat / overlay_name(films / "a.png"))  # the name is predictable
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--heatmaps", str(heat), "--threshold", "0.5", str(films)]) == 0
    assert victim.read_text() == "the clinic's notes"
    picture = heat / overlay_name(films / "a.png")
    assert not picture.is_symlink() and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_save_killed_half_way_leaves_the_previous_model_working(tiny_bundle, tmp_path, monkeypatch):
    """Overwriting a model: before the new bundle is whole the old one loads; after, the new one does."""
    from covidxray_desktop.model import bundle as bundles
    from covidxray_desktop.model import commit

    for f in tiny_bundle.files:
        shutil.copy(f, tmp_path / f.name)
    old = bundles.load(tmp_path / "tiny.keras")
    # A card of one threshold (no named points), so that threshold=0.25 below is all that changes.
    card = {k: v for k, v in old.card.items() if k not in ("runtime", "keras_sha256", "version", "name",
                                                            "operating_points", "default_operating_point")}
    moved = []

    def killed_after_one(source, target):  # the power goes while the files move into place
        if moved:
            raise KeyboardInterrupt
        moved.append(target)
        os.replace(source, target)

    def killed_while_staging(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(commit, "fsync", killed_while_staging)
    with pytest.raises(KeyboardInterrupt):
        bundles.save(tiny_bundle.keras(), dict(card, threshold=0.25), tmp_path, "tiny", overwrite=True)
    assert bundles.load(tmp_path / "tiny.keras").hash == old.hash  # nothing of the new one was kept
    monkeypatch.undo()
    monkeypatch.setattr(commit, "_move", killed_after_one)
    with pytest.raises(KeyboardInterrupt):
        bundles.save(tiny_bundle.keras(), dict(card, threshold=0.25), tmp_path, "tiny", overwrite=True)
    monkeypatch.undo()
    again = bundles.load(tmp_path / "tiny.keras")  # finishes the save that had reached its moment
    assert again.card["threshold"] == 0.25 and again.hash != old.hash
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_training_never_puts_its_report_pictures_among_the_films_it_learns_from(tmp_path, capsys):
    data = class_folders(tmp_path / "data", per_class=2, size=64)
    before = sorted(p.name for p in data.rglob("*"))
    err = refused(["train", data, "--out", data / "COVID", "--epochs", "1", "--quiet"], capsys, data / "COVID")
    assert "inside the input folder" in err
    assert sorted(p.name for p in data.rglob("*")) == before


def test_a_second_ctrl_c_while_a_training_run_finishes_saves_nothing(tmp_path, capsys, monkeypatch):
    from factory import after_two_ctrl_c

    from covidxray_desktop.training import finish

    data = class_folders(tmp_path / "data", per_class=12)
    monkeypatch.setattr(finish, "calibrate", after_two_ctrl_c(finish.calibrate))  # while the model is calibrated
    code = main(["train", str(data), "--out", str(tmp_path / "models"), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 130 and "stopping without saving" in err and "nothing was saved" in err, err
    assert not list((tmp_path / "models").glob("*.keras")) and not list((tmp_path / "models").glob("*.json"))


def test_no_output_lands_in_the_bundled_models_folder(tmp_path, capsys, films, default_bundle):
    # A mistyped path must not break every later start: the app cannot load a replaced card.
    from covidxray_desktop.paths import default_model

    shipped = default_model().parent
    card = shipped / "default.json"
    before = card.read_bytes()
    for args, named in ((["history", "--db", tmp_path / "r.db", "--csv", card], card),
                        (["classify", "--quiet", "--db", tmp_path / "r.db", "--summary", card, films], card),
                        (["train", films, "--out", shipped, "--quiet"], shipped),
                        (["export", shipped / "default.keras"], shipped / "default.keras"),
                        (["adapt", films, "--out", shipped / "site.keras", "--quiet"], shipped / "site.keras")):
        assert "bundled model's folder" in refused(args, capsys, named)
    assert card.read_bytes() == before


def test_a_rehearsal_store_is_never_written_into_the_bundled_models_folder(tmp_path, capsys, default_bundle):
    card = default_bundle.path.with_suffix(".json")
    before = card.read_bytes()
    err = refused(["rehearsal", tmp_path / "never-read.csv", "--model", default_bundle.path], capsys,
                  default_bundle.path)
    assert "bundled model is never rewritten" in err and card.read_bytes() == before


def test_a_window_screenshot_never_replaces_a_film_nor_lands_among_them(tmp_path, capsys, films):
    from covidxray_desktop.gui.app import main as window

    film = films / "a.png"
    before = film.read_bytes()
    for paths, shot in (([film], film), ([films], films / "shot.png")):
        assert window([*map(str, paths), "--db", str(tmp_path / "r.db"), "--screenshot", str(shot)]) == 2
        assert str(shot) in capsys.readouterr().err
    assert film.read_bytes() == before and sorted(p.name for p in films.iterdir()) == ["a.png"]


def test_a_report_given_standard_output_is_refused_rather_than_written_to_a_file_named_dash(tmp_path, capsys,
                                                                                             films, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in (["classify", "--quiet", "--db", "r.db", "--pdf", "-", films],
                 ["classify", "--quiet", "--db", "r.db", "--summary", "-", films],
                 ["history", "--db", "r.db", "--pdf", "-"]):
        assert main([*map(str, args)]) == 2
        assert "standard output carries the CSV list" in capsys.readouterr().err
    assert not (tmp_path / "-").exists() and not (tmp_path / "r.db").exists()


def test_adapting_a_model_onto_its_own_file_is_refused_before_anything_is_read(tmp_path, capsys, own_model):
    site = class_folders(tmp_path / "site", per_class=2, size=64)
    before = own_model.read_bytes()
    err = refused(["adapt", site, "--model", own_model, "--out", own_model, "--overwrite", "--quiet"], capsys,
                  own_model)
    assert "model in use" in err and own_model.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes as on Linux and macOS")
def test_a_named_pipe_given_as_an_output_is_checked_without_being_opened(tmp_path):
    """The check that an output is no database must not read it first: a pipe (or a terminal, as
    `--csv /dev/stdout` typed in one) would wait there for ever."""
    import threading

    from covidxray_desktop import outputs

    pipe = tmp_path / "rows"
    os.mkfifo(pipe)
    answer = []
    checker = threading.Thread(target=lambda: answer.append(outputs.overwrites(pipe)), daemon=True)
    checker.start()
    checker.join(60)  # a hang, not a speed: the old check was still in open() an hour later
    if checker.is_alive():  # free it, so the test ends
        with open(pipe, "wb"):
            pass
    assert answer == [None]


def test_a_csv_another_run_is_writing_is_refused_until_that_run_has_finished(tmp_path):
    # Two classify runs given one --csv both emptied one .partial file: the CSV ended with NUL bytes and
    # rows of both, and the losing run said the file was "left as it was".
    from covidxray_desktop import outputs
    from covidxray_desktop.errors import UsageError

    target = tmp_path / "ward.csv"
    first = outputs.open_stream(str(target), "--csv")
    first.write("path,status\n/ward/a.png,ok\n")
    with pytest.raises(UsageError, match="being written by another covidxray now"):
        outputs.open_stream(str(target), "--csv")
    first.finish()
    assert target.read_text() == "path,status\n/ward/a.png,ok\n"  # whole, the other run's rows never in it
    second = outputs.open_stream(str(target), "--csv")  # once it is done, the file is free again
    second.write("path,status\n")
    second.finish()
    assert target.read_text() == "path,status\n"


def test_a_read_only_summary_or_report_is_refused_before_the_batch_not_replaced_or_failed_after_it(tmp_path,
                                                                                                 monkeypatch):
    # classify --csv honoured a read-only file's mark, but --summary, --pdf and --json replaced it (the
    # folder allowed it), or, immutable, failed once every film was done and the PDF was never written.
    from covidxray_desktop.commands import writing
    from covidxray_desktop.errors import UsageError

    kept = tmp_path / "audit.json"
    kept.write_text("{}")
    kept.chmod(0o444)
    real = os.access
    monkeypatch.setattr(writing.os, "access", lambda path, mode: False if str(path) == str(kept) else real(path, mode))
    with pytest.raises(UsageError, match="audit.json is read-only; it is not replaced"):
        writing.writable(kept, "--summary")
    writing.writable(tmp_path / "new.json", "--summary")  # a new file in a writable folder is fine


@pytest.mark.skipif(os.name == "nt", reason="Windows renames no open file; there the rename fails instead")
def test_a_run_that_starts_while_another_renames_its_finished_csv_never_empties_it(tmp_path, monkeypatch):
    # The lock went with the close, before the rename: a run opening the .partial in between emptied
    # the finished rows, which then took the CSV's name.
    from covidxray_desktop import outputs
    from covidxray_desktop.errors import UsageError

    target = tmp_path / "ward.csv"
    first = outputs.open_stream(str(target), "--csv")
    first.write("path,status\n/ward/a.png,ok\n")
    real, tried = os.replace, []

    def replace(src, dst):  # a second run starts at this very moment
        with pytest.raises(UsageError, match="being written by another covidxray"):
            outputs.open_stream(str(target), "--csv")
        tried.append(True)
        real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", replace)
    first.finish()
    monkeypatch.undo()
    assert tried and target.read_text() == "path,status\n/ward/a.png,ok\n"


def test_rehearsal_takes_a_read_only_bundle_it_only_reads(tmp_path, monkeypatch):
    # It writes its store and card beside the .keras, never the .keras: a bundle copied off a CD (0444)
    # was refused as "read-only; it is not replaced".
    from covidxray_desktop.commands import rehearsal, writing

    model = tmp_path / "site.keras"
    model.write_bytes(b"a bundle")
    real = os.access
    monkeypatch.setattr(writing.os, "access", lambda path, mode: False if str(path) == str(model) else real(path, mode))
    rehearsal._check_writable(str(model))  # no refusal


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="/dev/stdout as on Linux and macOS")
def test_a_summary_or_list_sent_to_standard_output_lands_in_the_file_the_shell_sent_it_to(tmp_path, capfd, films,
                                                                                          monkeypatch):
    """`--summary /dev/stdout > s.json`: standard output is a file here (the capture's), which names
    /dev/stdout through a link; the summary is written into that stream, never refused as a link nor
    written by opening the file again from its start."""
    monkeypatch.chdir(tmp_path)
    assert main(["classify", "--quiet", "--db", "r.db", "--csv", "c.csv", "--summary", "/dev/stdout", str(films)]) == 0
    out = capfd.readouterr().out
    assert '"files": 1' in out and "path,status" not in out, out
    assert main(["classify", "--quiet", "--db", "r.db", "--csv", "/dev/stdout", str(films)]) == 0
    assert capfd.readouterr().out.startswith("path,status,label")
    for args in (["--summary", "/dev/stdout"], ["--csv", "-", "--pdf", "/dev/stdout"],
                 ["--csv", "/dev/stdout", "--summary", "/dev/stdout"]):
        assert main(["classify", "--quiet", "--db", "r.db", *args, str(films)]) == 2
        captured = capfd.readouterr()
        assert "standard output" in captured.err or "are both /dev/stdout" in captured.err, captured.err
        assert captured.out == ""


def test_a_report_never_replaces_another_models_network_or_card(tmp_path, capsys, own_model, films):
    """`evaluate --json` onto a copy of the bundle (not the model in use) wrote over its network, and
    over its card, which then would not load and advised updating the app."""
    from covidxray_desktop.errors import ModelError
    from covidxray_desktop.model.bundle import load

    card = own_model.with_suffix(".json")
    kept = {f: f.read_bytes() for f in (own_model, card)}
    for target in (own_model, card):
        err = refused(["evaluate", films, "--json", target, "--quiet"], capsys, target)
        assert "a model's" in err
    assert all(f.read_bytes() == data for f, data in kept.items())
    card.write_text('{"n": 27, "auc": 0.9}')  # had it happened: the load says what it is
    with pytest.raises(ModelError) as caught:
        load(own_model)
    assert "not a model card" in str(caught.value) and "update the app" not in str(caught.value)


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="/dev/stdout as on Linux and macOS")
def test_evaluate_and_bench_keep_standard_output_for_their_printed_report(tmp_path, capfd, films, monkeypatch):
    """`evaluate --json /dev/stdout > f` mixed the printed report with the JSON, and `bench --json -`
    measured for minutes, then wrote a file named "-"."""
    monkeypatch.chdir(tmp_path)
    for args, said in ((["evaluate", str(films), "--json", "/dev/stdout", "--quiet"], "the printed report"),
                       (["evaluate", str(films), "--json", "-", "--quiet"], "the printed report"),
                       (["bench", "--json", "-", "--n", "2", "--quiet"], "the printed measurements")):
        assert main(args) == 2
        captured = capfd.readouterr()
        assert f"standard output carries {said}" in captured.err and captured.out == "", captured.err
    assert not (tmp_path / "-").exists()


def test_a_rehearsal_store_is_made_only_of_the_data_the_model_learnt_from(tmp_path, capsys, own_model, films):
    """A clinic's 15 films replaced the 254 training films that adapting rehearses, without a word."""
    from factory import class_folders

    site = class_folders(tmp_path / "clinic", per_class=2, size=64)
    store = own_model.with_suffix(".rehearsal.npz")
    before = store.read_bytes()
    err = refused(["rehearsal", site, "--model", own_model], capsys, "clinic")
    assert "none of the sources" in err and store.read_bytes() == before
