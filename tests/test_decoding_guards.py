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
