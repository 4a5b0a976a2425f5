"""IT drops whole folders: DICOMDIR media, symlinks and junk are handled the way people expect."""
import os

import pytest
from factory import chest_like, save_png8, write_dicom

from covidxray_desktop.imaging import walk


def test_dicomdir_is_followed_to_its_images(tmp_path):
    import pydicom
    from pydicom.fileset import FileSet

    src = tmp_path / "src"
    src.mkdir()
    fs = FileSet()
    for i in range(2):
        ds = pydicom.dcmread(write_dicom(src / f"{i}.dcm", chest_like(64, i)))
        ds.PatientName = "Test^Patient"
        ds.SeriesNumber, ds.InstanceNumber, ds.StudyID = 1, i + 1, "1"
        ds.StudyTime = "120000"
        fs.add(ds)
    media = tmp_path / "cd"
    fs.write(media)
    files, skipped = walk([media])
    assert len(files) == 2 and all(f.exists() and f.name != "DICOMDIR" for f in files)
    assert skipped == 0
    files, _ = walk([media / "DICOMDIR"])
    assert len(files) == 2


def test_symlinks_inside_folders_are_not_followed(tmp_path):
    (tmp_path / "in").mkdir()
    save_png8(tmp_path / "in" / "a.png", chest_like(64))
    os.symlink(tmp_path / "in", tmp_path / "in" / "loop")  # a loop
    os.symlink(tmp_path / "nowhere.png", tmp_path / "in" / "dangling.png")
    files, skipped = walk([tmp_path / "in"])
    assert [f.name for f in files] == ["a.png"]
    assert skipped == 1


def test_a_file_named_twice_gets_one_row(tmp_path):
    save_png8(tmp_path / "a.png", chest_like(64))
    files, _ = walk([tmp_path / "a.png", tmp_path, tmp_path / "a.png"])
    assert len(files) == 1


def test_training_can_be_cancelled_between_batches(tiny_bundle, tmp_path):
    from covidxray_desktop.training.job import Cancelled, train

    events = []
    with pytest.raises(Cancelled):
        train(tiny_bundle.data, epochs=2, out_dir=tmp_path, name="never",
              on_event=events.append, cancelled=lambda: any(e["kind"] == "batch" for e in events))
    assert not (tmp_path / "never.keras").exists()
