"""Fuzzing the readers: whatever the bytes, `load` returns an XRay or raises ImagingError.

CI runs a short pass; for a long one (rounds of FUZZ_EXAMPLES until FUZZ_SECONDS have passed):
FUZZ_EXAMPLES=2000 FUZZ_SECONDS=600 pytest -s tests/test_fuzz.py
"""
import io
import os
import time

import numpy as np
import pytest
from factory import chest_like, write_dicom
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from covidxray_desktop.errors import ImagingError
from covidxray_desktop.imaging import load

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "0"))


def _seeds(tmp) -> list[bytes]:
    img = chest_like(48, 2)
    out = []
    for fmt in ("PNG", "JPEG", "TIFF", "BMP"):
        buf = io.BytesIO()
        Image.fromarray((img * 255).astype(np.uint8)).save(buf, fmt)
        out.append(buf.getvalue())
    for syntax in (None, "rle"):
        from pydicom.uid import RLELossless

        path = write_dicom(tmp / f"s{syntax}.dcm", img, syntax=RLELossless if syntax else None)
        out.append(path.read_bytes())
    return out


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return _seeds(tmp_path_factory.mktemp("seeds"))


@st.composite
def mutated(draw, seeds):
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at: at + draw(st.integers(1, 256))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data)


def test_readers_never_fail_with_anything_but_a_readable_error(seeds, tmp_path):
    started, tried = time.time(), [0]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def check(data):
        blob = data.draw(st.one_of(mutated(seeds), st.binary(max_size=2048)))
        ext = data.draw(st.sampled_from([".png", ".jpg", ".tif", ".bmp", ".dcm", ""]))
        tried[0] += 1
        path = tmp_path / f"fuzz{ext}"
        path.write_bytes(blob)
        try:
            xray = load(path, max_side=256)
        except ImagingError as exc:
            assert str(exc).startswith(path.name)
            return
        assert xray.pixels.ndim == 2 and np.isfinite(xray.pixels).all()
        assert 0 <= xray.pixels.min() and xray.pixels.max() <= 1

    check()
    while SECONDS and time.time() - started < SECONDS:  # a long run: fresh rounds until time is up
        check()
    print(f"fuzzed {tried[0]} inputs in {time.time() - started:.0f} s")
