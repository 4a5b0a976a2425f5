"""A clinic's own labelled folders, as `train`, `adapt` and `evaluate` read them: one patient's films
stay on one side of every split, and no folder or film drops out without a word."""
import pytest
from factory import chest_like, save_png8, write_dicom

from covidxray_desktop.cli import main
from covidxray_desktop.errors import DataError
from covidxray_desktop.training import adapt, dataset


def _site(root, patients=12, films=3, patient_id=lambda label, n: f"{label}-{n:04d}"):
    """COVID/2024/March and Normal/2024/March, each patient's films as DICOMs naming them."""
    for label in ("COVID", "Normal"):
        folder = root / label / "2024" / "March"
        folder.mkdir(parents=True)
        for n in range(patients):
            for k in range(films):
                write_dicom(folder / f"IM{n:03d}{k}.dcm", chest_like(96, seed=n * 10 + k),
                            tags={"PatientID": patient_id(label, n)})
    return root


def test_one_patients_films_stay_in_one_split_and_their_id_stays_off_the_split(tmp_path):
    """Each DICOM counted as its own patient put 11 of 20 patients' films in two splits: the test
    figures then measured films of patients the model had learnt."""
    samples, described = dataset.discover(_site(tmp_path / "site"))
    assert "72 films of 24 patients by their DICOM PatientID" in described
    for split in (dataset.patient_split(samples, seed=0), adapt.split(samples, seed=0)):
        sides = {}
        for s in split:
            sides.setdefault(s.patient_id, set()).add(s.split)
        assert len(sides) == 24 and all(len(v) == 1 for v in sides.values())
        assert not any("COVID-0" in s.patient_id or "Normal-0" in s.patient_id for s in split)  # hashed


def test_an_anonymised_id_and_copies_of_one_film(tmp_path):
    """An ID every film shares names no patient (else the whole site would be one); two copies of a
    film are one patient's, wherever they lie."""
    site = _site(tmp_path / "site", patients=6, films=2, patient_id=lambda label, n: "ANONYMOUS" if n % 3 == 0 else
                 "SAME FOR ALL")
    copy = site / "COVID" / "again"
    copy.mkdir()
    (copy / "copy.dcm").write_bytes((site / "COVID" / "2024" / "March" / "IM0000.dcm").read_bytes())
    samples, described = dataset.discover(site)
    assert "films whose PatientID is shared by too many to name a patient" in described
    assert "1 copies kept with the film they copy" in described
    ids = {s.file.name if s.file.parent.name != "again" else "copy": s.patient_id for s in samples}
    assert ids["copy"] == next(s.patient_id for s in samples if s.file.name == "IM0000.dcm"
                               and s.file.parent.parent.parent.name == "COVID")
    assert len({s.patient_id for s in samples}) == len(samples) - 1


def test_a_folder_whose_name_is_no_class_is_named_not_skipped_in_silence(tmp_path):
    site = tmp_path / "site"
    for k, folder in enumerate(("COVID", "Normal", "COVID-19 confirmed")):
        (site / folder).mkdir(parents=True)
        for n in range(2):
            save_png8(site / folder / f"{n}.png", chest_like(64, seed=10 * k + n))
    samples = dataset.discover(site)[0]
    assert len(samples) == 4
    assert [line[:30] for line in samples.unused] == ["COVID-19 confirmed/: not used,"] and samples.skipped == []
    for folder in ("COVID", "Normal"):
        (site / folder).rename(site / f"{folder}_cases")
    with pytest.raises(DataError) as caught:
        dataset.discover(site)
    assert "it has COVID-19 confirmed/, COVID_cases/, Normal_cases/" in str(caught.value)


def test_class_folders_named_in_chinese_are_read(tmp_path):
    site = tmp_path / "胸片"
    for k, folder in enumerate(("新冠", "正常")):
        (site / folder).mkdir(parents=True)
        save_png8(site / folder / "1.png", chest_like(64, seed=k))
    assert sorted(s.label for s in dataset.discover(site)[0]) == [0, 1]


def test_a_model_name_with_a_folder_in_it_is_refused_before_any_work(tmp_path, capsys):
    """It used to train, calibrate and fit the gate, then fail when saving."""
    site = tmp_path / "site"
    for folder in ("COVID", "Normal"):
        (site / folder).mkdir(parents=True)
    assert main(["train", str(site), "--out", str(tmp_path / "models"), "--name", "site2024/v1", "--quiet"]) == 2
    assert "a plain file name" in capsys.readouterr().err
    assert main(["adapt", str(site), "--out", str(tmp_path / "models" / ".hidden.keras"), "--quiet"]) == 2
    assert "a plain file name" in capsys.readouterr().err


def test_too_few_films_of_a_class_to_test_a_model_on_are_said_before_the_work(tmp_path, capsys):
    """4 COVID-19 films beside 40 normal ones trained a model whose test split held no COVID-19 film,
    and the run said nothing about it."""
    site = tmp_path / "site"
    for label, n in (("COVID", 4), ("Normal", 40)):
        (site / label).mkdir(parents=True)
        for k in range(n):
            save_png8(site / label / f"{k}.png", chest_like(64, seed=k + (100 if label == "COVID" else 0)))
    assert main(["train", str(site), "--out", str(tmp_path / "models"), "--epochs", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "split needs films of both classes" in err and "4 COVID-19 and 40 Normal films" in err, err
    assert "at least 20 of each" in err and not (tmp_path / "models").exists()
