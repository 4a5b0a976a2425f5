"""IT drops a folder of odd and hostile files: every one gets exactly one row with a reason; nothing crashes."""
import csv
import io
import os
import struct

import numpy as np
from factory import chest_like, save_png8, write_dicom
from PIL import Image

from covidxray_desktop.cli import main


def corpus(folder):
    """name -> expected status ('ok' means any decodable status: ok or rejected)."""
    folder.mkdir()
    (folder / "zero.png").write_bytes(b"")
    Image.new("L", (1, 1), 128).save(folder / "one_pixel.png")
    Image.new("L", (100_000, 10), 100).save(folder / "strip.png")
    Image.fromarray(np.zeros((64, 64), np.uint16)).save(folder / "zeros16.png")
    nan = chest_like(64)
    nan[::7, ::5] = np.nan
    nan[3, 3] = np.inf
    Image.fromarray(nan, "F").save(folder / "nan.tif")
    write_dicom(folder / "wrong_dims.dcm", chest_like(64), rows=300, columns=300)
    good = write_dicom(folder / "whole.dcm", chest_like(64))
    data = good.read_bytes()
    (folder / "truncated.dcm").write_bytes(data[: len(data) // 2])
    (folder / "garbage.dcm").write_bytes(os.urandom(3000))
    (folder / "text.jpg").write_text("hello")
    (folder / "bmp_header_only.bmp").write_bytes(b"BM" + struct.pack("<IHHI", 10**9, 0, 0, 54) + b"\0" * 40)
    save_png8(folder / "ünïcödé name ✓.png", chest_like(128, 3))
    os.symlink(folder, folder / "loop")
    os.symlink("/dev/zero", folder / "zero-link.png")  # a link to a device: skipped while walking
    os.mkfifo(folder / "pipe.png")  # a FIFO with an image's name, and one without
    os.mkfifo(folder / "PIPE")
    save_png8(folder / os.fsdecode(b"M\xfcller_patient.png"), chest_like(96, 4))  # a name that is not UTF-8
    return folder


def test_every_odd_file_gets_one_row_with_a_reason(tmp_path, tiny_bundle, capsys):
    folder = corpus(tmp_path / "odd")
    vanished = folder / "vanished.png"
    save_png8(vanished, chest_like(64))
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 str(folder), str(vanished) + ".gone"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    names = [os.path.basename(r["path"]) for r in rows]
    assert len(names) == len(set(names))
    by = {os.path.basename(r["path"]): r for r in rows}
    for name in ("zero.png", "wrong_dims.dcm", "truncated.dcm", "garbage.dcm", "text.jpg", "bmp_header_only.bmp",
                 "vanished.png.gone"):
        assert by[name]["status"] == "error" and by[name]["message"].startswith(name), (name, by[name])
    for name in ("one_pixel.png", "strip.png", "zeros16.png"):
        assert by[name]["status"] == "rejected" and by[name]["message"], (name, by[name])
    for name in ("nan.tif", "ünïcödé name ✓.png", "whole.dcm", "vanished.png"):
        assert by[name]["status"] in ("ok", "rejected"), (name, by[name])
    assert "loop" not in " ".join(names)
    assert "pipe.png" not in names and "PIPE" not in names and "zero-link.png" not in names
    assert by["M\\xfcller_patient.png"]["status"] in ("ok", "rejected")  # one row, its name escaped


def test_named_devices_pipes_and_links_get_a_row_saying_why_and_never_hang(tmp_path, tiny_bundle, capsys):
    os.mkfifo(tmp_path / "fifo.png")
    os.symlink("/dev/zero", tmp_path / "x.png")
    code = main(["classify", "--quiet", "--decode-limit", "5", "--model", str(tiny_bundle.path), "--db",
                 str(tmp_path / "r.db"), str(tmp_path / "fifo.png"), str(tmp_path / "x.png")])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == 3 and len(rows) == 2
    assert all(r["status"] == "error" and "not a regular file" in r["message"] for r in rows), rows
    assert main(["classify", "--model", str(tmp_path / "x.png"), str(tmp_path / "fifo.png")]) == 2  # --model too


def test_ten_thousand_tiny_files(tmp_path, tiny_bundle, capsys):
    folder = tmp_path / "many"
    folder.mkdir()
    tiny = io.BytesIO()
    for i in range(10_000):
        Image.new("L", (4, 4), i % 256).save(tiny := io.BytesIO(), "PNG")
        (folder / f"{i:05d}.png").write_bytes(tiny.getvalue())
    assert main(["classify", "--quiet", "--model", str(tiny_bundle.path), "--db", str(tmp_path / "r.db"),
                 "--csv", str(tmp_path / "out.csv"), str(folder)]) == 0
    rows = list(csv.DictReader(open(tmp_path / "out.csv", encoding="utf-8")))
    assert len(rows) == 10_000 and all(r["status"] == "rejected" for r in rows)


def test_a_file_deleted_or_locked_after_queueing_gets_its_own_error_row(tmp_path, tiny_bundle):
    from covidxray_desktop.imaging import walk
    from covidxray_desktop.inference import Predictor

    folder = tmp_path / "queued"
    folder.mkdir()
    for i in range(3):
        save_png8(folder / f"film{i}.png", chest_like(96, i))
    files = walk([folder]).files  # queued...
    (folder / "film1.png").unlink()  # ...then deleted before it is read
    locked = folder / "film2.png"
    locked.chmod(0)  # and one made unreadable (root reads it anyway, which is fine too)
    predictor = Predictor(tiny_bundle)
    try:
        rows = {r.name: r for r in predictor.run(files)}
    finally:
        predictor.close()
        locked.chmod(0o644)
    assert len(rows) == 3
    assert rows["film1.png"].status == "error" and rows["film1.png"].message.startswith("film1.png")
    assert rows["film0.png"].status in ("ok", "rejected")
    if os.geteuid() != 0:
        assert rows["film2.png"].status == "error" and "film2.png" in rows["film2.png"].message
