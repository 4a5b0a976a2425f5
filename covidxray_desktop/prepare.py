"""One file -> what the network and the gate need; runs in a decoding worker process.

Importing this module must stay cheap (numpy, Pillow, pydicom): never Keras, TensorFlow or Qt.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.imaging import DECODE_SIDE, load, preprocess
from covidxray_desktop.model.ood import cheap_reason, thumbnail


@dataclass
class Prepared:
    """What crosses back from the worker: small arrays, plus full pixels only when asked for."""

    path: Path
    error: str = ""
    meta: dict = field(default_factory=dict)
    reason: str | None = None  # why it is plainly not a frontal chest X-ray
    input: np.ndarray | None = None  # the network's input
    thumb: np.ndarray | None = None  # the OOD gate's thumbnail
    picture: np.ndarray | None = None  # a small 8-bit copy for a table
    pixels: np.ndarray | None = None  # the decoded image, kept only for heat-map overlays
    seconds: float = 0.0


def prepare(path, size: int, method: str, thumbnails: int = 0, keep_pixels: bool = False) -> Prepared:
    """Decode, check and preprocess one file; errors come back in `error`, never raised."""
    start = time.perf_counter()
    item = Prepared(Path(path))
    try:
        xray = load(path, max_side=DECODE_SIDE)
        item.meta = xray.meta
        if keep_pixels:
            item.pixels = xray.pixels
        if thumbnails:
            item.picture = small_picture(xray.pixels, thumbnails)
        item.reason = cheap_reason(xray)
        if item.reason is None:
            item.input = preprocess(xray.pixels, size, method)
            item.thumb = thumbnail(xray.pixels)
    except CovidXrayError as exc:
        item.error = str(exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a reader bug or a panicking native decoder costs one row
        item.error = f"{item.path.name}: unexpected error while reading ({type(exc).__name__}: {exc})."
    item.seconds = time.perf_counter() - start
    return item


def small_picture(pixels: np.ndarray, side: int) -> np.ndarray:
    """An 8-bit copy no larger than side x side, for a table's thumbnail column."""
    h, w = pixels.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    gray = (np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.asarray(Image.fromarray(gray, "L").resize(size, Image.BILINEAR))
