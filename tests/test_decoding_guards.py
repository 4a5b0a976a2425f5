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
