"""Anyone can reproduce the speed numbers: `bench` measures ours and the article's network alike."""
import json

from covidxray_desktop import bench
from covidxray_desktop.commands.bench import KEYS, table


def test_measure_gives_every_figure_for_a_model(tiny_bundle, shared_data, tmp_path):
    files, labels = bench.sample_folder(shared_data, tmp_path / "sample", n=16, dicom_share=0.25)
    assert sum(f.suffix == ".dcm" for f in files) == 4 and len(set(labels)) <= 2
    result = bench.measure(tiny_bundle, files, labels, tmp_path / "sample")
    assert set(KEYS) <= set(result)
    assert list(result["cold_path"])[-1].startswith("the same file again")  # where a cold start's seconds go
    assert all(result[k] > 0 for k in KEYS)
    report = {"machine": bench.machine(), "n_images": 16, "model": tiny_bundle.ident, **result, "article": result}
    text = table(report)
    assert "| classify_images_per_s |" in text and "1.00 |" in text
    json.dumps(report)


def test_the_built_app_says_in_one_line_that_bench_runs_from_a_python_install(monkeypatch, capsys):
    """Its timers each start a fresh Python; the built app's executable is not one (it took `-c` for
    an unknown option and printed the timer's source code)."""
    import sys

    from covidxray_desktop.cli import main

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert main(["bench", "--n", "10"]) == 2
    err = capsys.readouterr().err
    assert "runs from a Python install of the app" in err and err.count("\n") == 1 and "import" not in err


def test_a_clinic_benches_on_its_own_class_folders_as_it_trains_on_them(tmp_path):
    from factory import class_folders

    files, labels = bench.sample_folder(class_folders(tmp_path / "ours"), tmp_path / "sample", n=10)
    assert len(files) == 10 and set(labels) == {0, 1} and all(f.exists() for f in files)
