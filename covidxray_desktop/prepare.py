"""The one per-file route: file -> bytes (hashed) -> X-ray -> checks -> first-stage input.

`classify`, the window and training all start every film here, so a model is calibrated and
gated on exactly what it later sees. It runs in a decoding worker process (imaging/isolate.py)
wherever films are decoded: classify, the window, training, evaluation, adaptation and the PDF
report; importing it stays cheap (numpy, Pillow, pydicom): never Keras or Qt.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from covidxray_desktop.errors import CovidXrayError, brief
from covidxray_desktop.files import display_name, sha256_bytes
from covidxray_desktop.imaging import DECODE_SIDE, load
from covidxray_desktop.imaging.preprocess import crop_box, crop_fractions, first_stage
from covidxray_desktop.imaging.raster import shrink
from covidxray_desktop.imaging.reader import Transient, read
from covidxray_desktop.model.cam import OVERLAY_SIDE
from covidxray_desktop.model.lungs import LUNG_SIZE
from covidxray_desktop.model.ood import cheap_reason, thumbnail

# What a file becomes before the networks see it. Raise it with any change to decoding or to this
# route that changes that: a stored answer is reused only when it was made by the same route.
ROUTE_VERSION = 4  # 2: films of more than 8 bits read by their own range; body parts, blanks, old DICOM tags
# 3: films whose greys span too few levels are not judged; 4: pictures under 64 px a side are not judged


@dataclass
class Prepared:
    """What crosses back from the worker: small arrays, plus full pixels only when asked for."""

    path: Path
    error: str = ""
    transient: bool = False  # the error may pass (gone, locked, timed out): never stored as a result
    sha256: str | None = None  # of exactly the bytes decoded
    meta: dict = field(default_factory=dict)
    reason: str | None = None  # why it is plainly not a frontal chest X-ray
    input: np.ndarray | None = None  # the network stage's input (see imaging.preprocess.first_stage)
    thumb: np.ndarray | None = None  # the gate's thumbnail
    picture: np.ndarray | None = None  # a small 8-bit copy for a table
    pixels: np.ndarray | None = None  # the decoded image, kept only for heat-map overlays
    mask: np.ndarray | None = None  # the film's lung mask as a training target, when one was given
    seconds: float = 0.0


@dataclass(frozen=True)
class Route:
    """How a model wants its films: the first stage's size and method (from its card)."""
    size: int
    method: str
    thumbnails: int = 0  # longest side of the table picture; 0: none
    keep_pixels: bool = False


def prepare(path, route: Route, mask=None) -> Prepared:
    """Read, check and preprocess one file; errors come back in `error`, never raised.
    `mask`: the film's lung-mask file (training data), decoded the same guarded way."""
    start = time.perf_counter()
    item = Prepared(Path(path))
    try:
        data = read(path)
        item.sha256 = sha256_bytes(data)
        xray = load(path, max_side=DECODE_SIDE, data=data)
        item.meta = xray.meta
        if route.keep_pixels:  # for a heat-map picture, which is drawn at most OVERLAY_SIDE wide
            item.pixels = overlay_copy(xray.pixels)
        if route.thumbnails:
            item.picture = small_picture(xray.pixels, route.thumbnails)
        box = crop_box(xray.pixels)  # once: the grey check and the network's inputs both start from it
        item.reason = cheap_reason(xray, box)
        if item.reason is None:
            item.input, item.thumb, item.meta["crop"] = network_inputs(xray.pixels, route, box)
            if mask is not None:
                item.mask = mask_target(mask, item.meta["crop"])
    except Transient as exc:
        item.error, item.transient = str(exc), True
    except CovidXrayError as exc:
        item.error = str(exc)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a reader bug or a panicking native decoder costs one row
        item.error = f"{display_name(path)}: unexpected error while reading ({type(exc).__name__}: {brief(exc)})."
    item.seconds = time.perf_counter() - start
    return item


def network_inputs(pixels: np.ndarray, route: Route, box=None) -> tuple[np.ndarray, np.ndarray, tuple]:
    """(first-stage input as float16, the gate's thumbnail, the border crop as fractions) of a
    decoded film. The border crop (`box`, where the caller has it) is found once: all three start from it."""
    box = box or crop_box(pixels)
    return (first_stage(pixels, route.size, route.method, box).astype(np.float16), thumbnail(pixels, box),
            crop_fractions(pixels, box))


def mask_target(path, crop) -> np.ndarray | None:
    """A lung mask cut like its film (same border crop), at the segmenter's output size; None when
    the mask cannot be read (the film still trains the classifier)."""
    try:
        mask = load(path, max_side=DECODE_SIDE).pixels
    except CovidXrayError:
        return None
    h, w = mask.shape
    top, bottom, left, right = crop
    mask = mask[round(top * h):max(round(bottom * h), round(top * h) + 1),
                round(left * w):max(round(right * w), round(left * w) + 1)]
    side = LUNG_SIZE // 2
    mask = Image.fromarray((mask * 255 + 0.5).astype(np.uint8), "L")  # 8-bit, as the masks are drawn
    return np.asarray(mask.resize((side, side), Image.BILINEAR)) > 127


def view(path, side: int, sha256: str | None = None) -> tuple[np.ndarray, list | None, float]:
    """The decoded film at most `side` px (float32 in [0, 1]) for the viewer, with [offset, scale]
    that turn its grey levels back into the DICOM's own values (None for other files), and how many of
    the file's own pixels a pixel shown stands for (1 where none was lost); raises the reader's error. Run it isolated, like `prepare`. `sha256`: the content a result was made from;
    a file saved again since is not shown beside that result."""
    data = read(path)
    if sha256 and sha256_bytes(data) != sha256:
        raise CovidXrayError(f"{display_name(path)}: this file has changed since this answer was made; classify it "
                             f"again to see its answer.")
    xray = load(path, max_side=DECODE_SIDE, data=data)
    pixels = shrink(xray.pixels, side) if max(xray.pixels.shape) > side else xray.pixels
    (h, w), meta = pixels.shape, xray.meta
    per_pixel = max((meta.get("width") or w) / w, (meta.get("height") or h) / h, 1.0)
    return pixels, meta.get("display_units"), per_pixel


def film(path, side: int, sha256: str | None = None) -> np.ndarray:
    """The decoded film alone, for a report page (`view` without the units)."""
    return view(path, side, sha256)[0]


def overlay_copy(pixels: np.ndarray) -> np.ndarray:
    """The film at most OVERLAY_SIDE px, float16: a quarter of what would cross the pipe."""
    h, w = pixels.shape
    scale = min(1.0, OVERLAY_SIDE / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        pixels = np.asarray(Image.fromarray(np.ascontiguousarray(pixels, np.float32)).resize(size, Image.BILINEAR))
    return pixels.astype(np.float16)


def small_picture(pixels: np.ndarray, side: int) -> np.ndarray:
    """An 8-bit copy no larger than side x side, for a table's thumbnail column."""
    h, w = pixels.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    gray = (np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.asarray(Image.fromarray(gray, "L").resize(size, Image.BILINEAR))
