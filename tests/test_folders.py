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
    found = walk([media])
    assert len(found.files) == 2 and all(f.exists() and f.name != "DICOMDIR" for f in found.files)
    assert found.skipped == []
    assert len(walk([media / "DICOMDIR"]).files) == 2


def disc_of_two_films(tmp_path):
    """A patient CD as a DICOM tool writes it: DICOMDIR and two films under PT000000/ST000000/..."""
    import pydicom
    from pydicom.fileset import FileSet

    src, disc = tmp_path / "src", tmp_path / "cd"
    src.mkdir()
    fs = FileSet()
    for i in range(2):
        ds = pydicom.dcmread(write_dicom(src / f"{i}.dcm", chest_like(64, i)))
        ds.PatientName, ds.SeriesNumber, ds.InstanceNumber, ds.StudyID, ds.StudyTime = "A^B", 1, i + 1, "1", "120000"
        fs.add(ds)
    fs.write(disc)
    return disc


def test_a_disc_mounted_with_its_names_in_small_letters_lists_each_film_once(tmp_path):
    """A CD's index names its files in capitals; Linux mounts many such discs with the names in small
    letters (some with a ';1' version mark). Each film was listed twice: once under the index's
    name, 'file not found', and once as found in the folder."""
    disc = disc_of_two_films(tmp_path)
    for folder, subfolders, names in os.walk(disc, topdown=False):
        for name in names + subfolders:
            lower = name.lower() + (";1" if name.startswith("IM0") and name.endswith("1") else "")
            os.rename(os.path.join(folder, name), os.path.join(folder, lower))
    films = sorted(str(f) for f in walk([disc]).files)
    assert len(films) == 2 and all(os.path.isfile(f) for f in films), films
    assert films == sorted(str(f) for f in walk([disc / "dicomdir"]).files)


def test_a_disc_whose_index_too_shows_a_version_mark_is_followed_to_its_films(tmp_path):
    """Some mounts show every name with ISO 9660's ';1', the index's too: 'DICOMDIR;1' was taken for
    a film ("holds no image"), an error row beside the films, or the only row when named."""
    disc = disc_of_two_films(tmp_path)
    for folder, _, names in os.walk(disc):
        for name in names:
            os.rename(os.path.join(folder, name), os.path.join(folder, name + ";1"))
    films = sorted(str(f) for f in walk([disc]).files)
    assert len(films) == 2 and all(f.endswith(";1") and "DICOMDIR" not in f for f in films), films
    assert films == sorted(str(f) for f in walk([disc / "DICOMDIR;1"]).files)


def test_a_dicomdir_pointing_outside_its_folder_is_not_followed_there(tmp_path):
    """A DICOMDIR naming ../other-patient/IM1 or an absolute path must not read those files."""
    import pydicom
    from pydicom.fileset import FileSet

    src, media, other = tmp_path / "src", tmp_path / "cd", tmp_path / "other-patient"
    src.mkdir()
    other.mkdir()
    secret = write_dicom(other / "IM1", chest_like(64, 9))
    fs = FileSet()
    ds = pydicom.dcmread(write_dicom(src / "0.dcm", chest_like(64, 1)))
    ds.PatientName, ds.SeriesNumber, ds.InstanceNumber, ds.StudyID, ds.StudyTime = "A^B", 1, 1, "1", "120000"
    fs.add(ds)
    fs.write(media)
    dicomdir = pydicom.dcmread(media / "DICOMDIR")
    record = dicomdir.DirectoryRecordSequence[-1]
    for ref in (["..", "other-patient", "IM1"], [str(secret)]):
        record.ReferencedFileID = ref
        dicomdir.save_as(media / "DICOMDIR", enforce_file_format=True)
        files = walk([media]).files
        assert all(os.path.commonpath([str(media), str(f)]) == str(media) for f in files), files
        assert secret not in files


def test_symlinks_inside_folders_are_not_followed(tmp_path):
    (tmp_path / "in").mkdir()
    save_png8(tmp_path / "in" / "a.png", chest_like(64))
    os.symlink(tmp_path / "in", tmp_path / "in" / "loop")  # a loop
    os.symlink(tmp_path / "nowhere.png", tmp_path / "in" / "dangling.png")
    save_png8(tmp_path / "elsewhere.png", chest_like(64))
    os.symlink(tmp_path / "elsewhere.png", tmp_path / "in" / "link.png")  # a valid link to a file
    found = walk([tmp_path / "in"])
    assert [f.name for f in found.files] == ["a.png"]
    assert sorted(os.path.basename(p) for p, _ in found.skipped) == ["dangling.png", "link.png", "loop"]
    assert all("symbolic link" in reason for _, reason in found.skipped)


def test_a_folder_a_thousand_levels_deep_is_walked_without_a_recursion_error(tmp_path):
    deep = tmp_path
    for _ in range(1100):  # made a level at a time: os.makedirs itself recurses
        deep = deep / "d"
        deep.mkdir()
    save_png8(deep / "x.png", chest_like(32))
    try:
        assert [f.name for f in walk([tmp_path]).files] == ["x.png"]
    finally:  # pytest's own clean-up recurses: take the tower down a level at a time
        (deep / "x.png").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads locked folders")
def test_a_locked_folder_is_named_and_a_file_inside_one_gets_a_row(tmp_path):
    (tmp_path / "locked").mkdir()
    save_png8(tmp_path / "locked" / "x.png", chest_like(32))
    os.chmod(tmp_path / "locked", 0)
    try:
        found = walk([tmp_path, tmp_path / "locked" / "x.png"])
        assert any("locked" in p and "cannot be opened" in r for p, r in found.skipped)
        assert [f.name for f in found.files] == ["x.png"]  # named on its own: it gets its (error) row
    finally:
        os.chmod(tmp_path / "locked", 0o755)


def test_a_file_named_twice_gets_one_row(tmp_path):
    save_png8(tmp_path / "a.png", chest_like(64))
    assert len(walk([tmp_path / "a.png", tmp_path, tmp_path / "a.png"]).files) == 1


def test_training_can_be_cancelled_between_batches(tiny_bundle, tmp_path):
    from covidxray_desktop.training.job import Cancelled, train

    events = []
    with pytest.raises(Cancelled):
        train(tiny_bundle.data, epochs=2, out_dir=tmp_path, name="never", lungs_from=tiny_bundle.path,
              on_event=events.append, cancelled=lambda: any(e["kind"] == "batch" for e in events))
    assert not (tmp_path / "never.keras").exists()
