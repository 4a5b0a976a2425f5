"""Hostile films meet every route that decodes: classify, its PDF, evaluate, training's cache and the
folder walk. Each gets one readable sentence naming the file; none aborts, hangs or eats gigabytes."""
import os
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
import slow_reader
from factory import chest_like, save_png8, write_dicom
from PIL import Image

from covidxray_desktop.imaging import load
from covidxray_desktop.imaging.isolate import Isolated
from covidxray_desktop.prepare import Route, prepare
from covidxray_desktop.training import cache, dataset

ROOT = Path(__file__).resolve().parents[1]
ROUTE = Route(64, "cxr-gray-eq-v1")


def run_app(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "covidxray_desktop", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd or ROOT)


def sixty_four_bit_jpeg_dicom(path):
    """A JPEG DICOM whose header says 64 bits per sample: python-gdcm aborts the process on it."""
    import pydicom

    ds = pydicom.dcmread(write_dicom(path, chest_like(64), syntax="jpeg"))
    ds.BitsAllocated = 64
    ds.save_as(path)
    return path


def decode_isolated(path):
    iso = Isolated(prepare)
    try:
        return iso(path, ROUTE)
    finally:
        iso.close()


def test_a_64_bit_compressed_dicom_gets_a_sentence_not_an_abort(tmp_path):
    item = decode_isolated(sixty_four_bit_jpeg_dicom(tmp_path / "b64.dcm"))
    assert item.error.startswith("b64.dcm: 64-bit samples in JPEG Baseline"), item.error
    assert "not valid DICOM" in item.error


def test_evaluate_and_a_classify_pdf_survive_the_64_bit_dicom(tmp_path, default_bundle):
    for label in ("COVID", "Normal"):
        (tmp_path / "site" / label).mkdir(parents=True)
        for i in range(2):
            save_png8(tmp_path / "site" / label / f"{label}{i}.png", chest_like(160, i + (9 if label == "COVID" else 0)))
    bad = sixty_four_bit_jpeg_dicom(tmp_path / "site" / "COVID" / "b64.dcm")
    out = run_app("evaluate", "--quiet", "--model", default_bundle.path, "--json", tmp_path / "report.json",
                  tmp_path / "site")
    assert out.returncode == 3, out.stderr[-2000:]  # an answer: too few films for a verdict (SIGABRT was 134)
    assert "Traceback" not in out.stderr and "b64.dcm: 64-bit samples" in out.stderr
    assert "b64.dcm: 64-bit samples" in (tmp_path / "report.json").read_text(encoding="utf-8")
    out = run_app("classify", "--quiet", "--model", default_bundle.path, "--db", tmp_path / "r.db",
                  "--csv", tmp_path / "out.csv", "--pdf", tmp_path / "report.pdf", bad, tmp_path / "site" / "Normal")
    assert out.returncode == 0, out.stderr[-2000:]  # SIGABRT was 134
    assert "Traceback" not in out.stderr and (tmp_path / "report.pdf").stat().st_size > 1000
    assert "b64.dcm: 64-bit samples" in (tmp_path / "out.csv").read_text(encoding="utf-8")


def test_training_films_decode_in_workers_a_crash_costs_one_film(tmp_path):
    names = ["a.png", "crash1.png", "b.png"]
    for i, name in enumerate(names):
        save_png8(tmp_path / name, chest_like(128, i))
    samples = [dataset.Sample(tmp_path / n, 0, "here", n) for n in names]
    decoded, problems = cache.decode(samples, ROUTE, decoder=slow_reader.prepare, workers=1)
    assert [s.file.name for s in decoded.samples] == ["a.png", "b.png"]
    assert len(problems) == 1 and problems[0].startswith("crash1.png: the decoder crashed on this file"), problems


def test_a_pipe_named_as_a_lung_mask_is_passed_over_not_waited_on(tmp_path):
    save_png8(tmp_path / "film.png", chest_like(128))
    Image.fromarray(np.full((128, 128), 255, np.uint8)).save(tmp_path / "good_mask.png")
    os.mkfifo(tmp_path / "pipe_mask.png")  # opening it for reading would wait for a writer forever
    samples = [dataset.Sample(tmp_path / "film.png", 0, "here", "a", mask=tmp_path / "pipe_mask.png"),
               dataset.Sample(tmp_path / "film.png", 0, "here", "b", mask=tmp_path / "good_mask.png")]
    answer = []
    worker = threading.Thread(target=lambda: answer.append(cache.decode(samples, ROUTE)), daemon=True)
    worker.start()
    worker.join(300)  # only so that a regression fails instead of hanging the whole run
    assert answer, "decoding waited on the pipe"
    decoded, problems = answer[0]
    assert problems == [] and list(decoded.has_mask) == [False, True]
    assert decoded.masks[1].mean() > 0.9


def _j2k_dicom_claiming(path, side):
    """A JPEG 2000 DICOM of 64 x 64 whose codestream header claims side x side."""
    from pydicom.uid import JPEG2000Lossless

    data = bytearray(write_dicom(path, np.full((64, 64), 0.5, np.float32), syntax=JPEG2000Lossless).read_bytes())
    at = data.find(b"\xff\x4f\xff\x51")
    struct.pack_into(">II", data, at + 8, side, side)  # Xsiz, Ysiz
    path.write_bytes(bytes(data))
    return path


def test_a_tiny_dicom_whose_jpeg2000_stream_claims_60000_squared_is_refused_before_decoding(tmp_path):
    bomb = _j2k_dicom_claiming(tmp_path / "bomb.dcm", 60000)
    assert bomb.stat().st_size < 2000
    item = decode_isolated(bomb)
    assert item.error == ("bomb.dcm: its JPEG 2000 Image Compression (Lossless Only) stream claims 60000 x 60000 "
                          "pixels (3600 Mpx), over the 30 Mpx limit; reduce it before classifying."), item.error
    assert not decode_isolated(_j2k_dicom_claiming(tmp_path / "honest.dcm", 64)).error


def test_a_jpeg_dicom_whose_frame_header_claims_65000_squared_is_refused(tmp_path):
    path = write_dicom(tmp_path / "sof.dcm", chest_like(64), syntax="jpeg")
    data = bytearray(path.read_bytes())
    at = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, 65000, 65000)
    path.write_bytes(bytes(data))
    with pytest.raises(Exception, match="sof.dcm: its JPEG Baseline .* stream claims 65000 x 65000 pixels"):
        load(path)


def _png_header_only(width, height, colour_type=6):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def test_a_68_byte_png_claiming_64_mpx_is_refused_from_its_header(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(8000, 8000))
    assert bomb.stat().st_size < 70
    assert Image.MAX_IMAGE_PIXELS == 30_000_000  # Pillow's guard at the X-ray limit, never off
    with pytest.raises(Exception, match=r"bomb.png: .*30 Mpx limit"):
        load(bomb)
    small = tmp_path / "under.png"
    small.write_bytes(_png_header_only(5000, 5000))  # under the limit: decoded, found truncated
    with pytest.raises(Exception, match="under.png: the image is damaged or truncated"):
        load(small)


def test_a_big_film_is_reduced_before_its_float_copies_and_decodes_as_before(tmp_path):
    film = chest_like(3000, 5)
    save_png8(tmp_path / "big.png", film)
    got = load(tmp_path / "big.png", max_side=1024).pixels
    expected = np.asarray(Image.fromarray(film).resize((1024, 1024), Image.BILINEAR, reducing_gap=2.0))
    assert got.shape == (1024, 1024) and np.abs(got - expected).mean() < 0.01


def _media_with_records(folder, n_records):
    """A DICOMDIR whose last IMAGE record is repeated until the index lists n_records."""
    import pydicom
    from pydicom.fileset import FileSet

    src = folder.parent / "src"
    src.mkdir()
    fs = FileSet()
    ds = pydicom.dcmread(write_dicom(src / "0.dcm", chest_like(64)))
    ds.PatientName, ds.SeriesNumber, ds.InstanceNumber, ds.StudyID, ds.StudyTime = "T^P", 1, 1, "1", "120000"
    fs.add(ds)
    fs.write(folder)
    raw = (folder / "DICOMDIR").read_bytes()
    seq = raw.find(b"\x04\x00\x20\x12SQ\x00\x00")  # (0004,1220) Directory Record Sequence, last element
    last = raw.rfind(b"\xfe\xff\x00\xe0")
    items = raw[seq + 12:last] + raw[last:] * (n_records - 3)  # patient, study, series, then images
    (folder / "DICOMDIR").write_bytes(raw[:seq + 8] + struct.pack("<I", len(items)) + items)
    return folder / "DICOMDIR"


def test_a_dicomdir_of_100000_records_is_not_parsed_and_its_row_says_why(tmp_path, monkeypatch):
    import pydicom

    from covidxray_desktop.imaging import walk

    dicomdir = _media_with_records(tmp_path / "dvd", 100_000)
    parsed = []
    real = pydicom.dcmread
    monkeypatch.setattr(pydicom, "dcmread", lambda *a, **k: parsed.append(a) or real(*a, **k))
    found = walk([tmp_path / "dvd"]).files
    assert dicomdir in found and len(found) == 2  # the index itself, for its row, and the one film on disc
    assert walk([dicomdir]).files == [dicomdir]
    assert parsed == []
    item = prepare(dicomdir, ROUTE)
    assert item.error.startswith("DICOMDIR: an index of 23 MB, more than the 8 MB"), item.error
    assert "its films were not queued" in item.error


def test_a_dicomdir_listing_more_films_than_followed_says_so(tmp_path):
    from covidxray_desktop.imaging import walk

    dicomdir = _media_with_records(tmp_path / "cd", 20_010)
    assert walk([dicomdir]).files == [dicomdir]
    assert prepare(dicomdir, ROUTE).error.startswith("DICOMDIR: lists more than 20,000 films")


def test_closing_while_workers_start_leaves_none_running(tmp_path):
    import multiprocessing

    before = set(multiprocessing.active_children())
    iso = Isolated(prepare)
    iso.warm(2)
    iso.close()  # at once: the background start is still under way
    for thread in threading.enumerate():  # whatever it would still start, it has started by now
        if thread.name == "covidxray-decoder-start":
            thread.join()
    started = set(multiprocessing.active_children()) - before
    assert not any(p.is_alive() for p in started)


def test_several_quick_classify_runs_leave_no_traceback_behind(tmp_path, default_bundle):
    (tmp_path / "empty").mkdir()
    save_png8(tmp_path / "film.png", chest_like(128))
    for i, target in enumerate([tmp_path / "empty", tmp_path / "film.png", tmp_path / "gone.png"] * 2):
        out = run_app("classify", "--quiet", "--model", default_bundle.path, "--db", tmp_path / f"r{i}.db", target)
        # 2: nothing there to classify (an empty folder, a file that is gone), said before any output
        assert out.returncode in (0, 2, 3) and "Traceback" not in out.stderr and "Error" not in out.stderr, out.stderr


def _rich_black(grey):
    """CMYK as a prepress tool makes it: half the darkness in K, the rest in equal C, M and Y."""
    k = 0.5 * (1.0 - grey)
    c = 1.0 - grey / (1.0 - k)
    return (np.stack([c, c, c, k], -1) * 255 + 0.5).astype(np.uint8)


def test_cmyk_jpeg_copies_of_a_film_decode_to_the_grey_original(tmp_path):
    grey = chest_like(256, 2)
    cmyk = _rich_black(grey)
    Image.fromarray(cmyk, "CMYK").save(tmp_path / "adobe.jpg", quality=95)  # Adobe's inverted CMYK, with its marker
    Image.fromarray(255 - cmyk, "CMYK").save(tmp_path / "tmp.jpg", quality=95)
    data = (tmp_path / "tmp.jpg").read_bytes()
    at = data.find(b"\xff\xee")  # without Adobe's marker, the same samples mean plain CMYK
    (tmp_path / "plain.jpg").write_bytes(data[:at] + data[at + 2 + struct.unpack(">H", data[at + 2:at + 4])[0]:])
    save_png8(tmp_path / "original.png", grey)
    original = load(tmp_path / "original.png").pixels
    for name in ("adobe.jpg", "plain.jpg"):
        xray = load(tmp_path / name)
        assert xray.meta["mode"] == "CMYK"
        assert np.abs(xray.pixels - original).mean() < 0.01, name
        assert xray.meta["colourfulness"] < 0.02, name


def test_the_out_of_distribution_set_decodes_its_real_films_in_a_worker(tmp_path, monkeypatch):
    from covidxray_desktop.training import ood_set

    save_png8(tmp_path / "film.png", chest_like(128))

    def here(*args, **kwargs):
        raise AssertionError("decoded in the app's own process, where a crashing decoder takes the app down")

    monkeypatch.setattr("covidxray_desktop.imaging.reader.read_raster", here)  # a worker keeps the real one
    kinds = {kind for _, kind in ood_set.build(tmp_path / "ood", [tmp_path / "film.png"])}
    assert {"rotated", "flipped", "negative", "crop", "ct_tagged", "lateral_tagged"} <= kinds


def test_a_small_deflated_dicom_that_inflates_past_any_film_is_refused_before_parsing(tmp_path):
    import pydicom
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    ds = pydicom.dcmread(write_dicom(tmp_path / "plain.dcm", chest_like(64)))
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.save_as(tmp_path / "deflated.dcm", enforce_file_format=True)
    assert load(tmp_path / "deflated.dcm").pixels.shape == (64, 64)  # an honest one still reads
    raw = (tmp_path / "deflated.dcm").read_bytes()
    meta_end = 144 + struct.unpack_from("<I", raw, 140)[0]
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = b"".join(squeeze.compress(bytes(1 << 24)) for _ in range(20)) + squeeze.flush()  # 320 MB of zeros
    (tmp_path / "bomb.dcm").write_bytes(raw[:meta_end] + body)
    (tmp_path / "bare bomb.dcm").write_bytes(raw[132:meta_end] + body)  # the same without preamble and "DICM"
    for name in ("bomb.dcm", "bare bomb.dcm"):
        assert (tmp_path / name).stat().st_size < 1_000_000
        item = decode_isolated(tmp_path / name)
        assert item.error == (f"{name}: its deflated data set inflates to more than 256 MB, more than any film "
                              f"needs; it was not read."), item.error


def test_a_tiff_with_a_damaged_tag_is_read_and_nothing_but_the_table_reaches_the_terminal(tmp_path, default_bundle):
    film = tmp_path / "ward.tif"
    Image.fromarray((chest_like(128) * 255).astype(np.uint8)).save(film, tiffinfo={305: "scanner software " * 4})
    raw = bytearray(film.read_bytes())
    ifd = struct.unpack_from("<I", raw, 4)[0]
    for i in range(struct.unpack_from("<H", raw, ifd)[0]):  # the Software tag's value now lies past the file's end
        entry = ifd + 2 + 12 * i
        if struct.unpack_from("<H", raw, entry)[0] == 305:
            struct.pack_into("<I", raw, entry + 8, len(raw) + 1000)
    film.write_bytes(bytes(raw))
    assert load(film).pixels.shape == (128, 128)  # the pixels are intact: the film is still read

    out = run_app("classify", "--quiet", "--model", default_bundle.path, "--db", tmp_path / "r.db", film)
    assert out.returncode == 0, out.stderr
    assert "ward.tif" in out.stdout
    assert "Warning" not in out.stderr and "PIL" not in out.stderr, out.stderr  # no library chatter for staff
