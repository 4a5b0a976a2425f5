"""The one preprocessing function, shared by training and inference so they never drift."""
import numpy as np
from PIL import Image

# Preprocessing ids a model card may name.
GRAY_EQ = "cxr-gray-eq-v1"  # ours: crop uniform borders, resize, histogram-equalise, 1 channel
GRAY_STRETCH = "cxr-gray-pct-v1"  # as GRAY_EQ but a 1-99 percentile stretch instead of equalisation
ARTICLE = "article-rgb-v1"  # the 2020 article: resize, scale to [0, 1], 3 identical channels
LUNG_VIEW = "cxr-lungs-v1"  # crop uniform borders, square BASE px; the network stage then crops to the lungs
# The same first stage and lung segmenter, but the classifier sees the whole square film, equalised:
# the lungs serve the gate and the heat maps' outline only.
FILM_LUNGS = "cxr-film-lungs-v1"
KNOWN = (GRAY_EQ, GRAY_STRETCH, ARTICLE, LUNG_VIEW, FILM_LUNGS)
LUNG_STAGE = (LUNG_VIEW, FILM_LUNGS)  # methods whose first stage is the square film the segmenter reads
BASE = 256  # side of the square film the lung stage starts from (the lungs' box is ~180 px of it)


def first_stage(pixels: np.ndarray, size: int, method: str, box=None) -> np.ndarray:
    """What a decoding worker hands to the network stage: the model input itself for whole-film
    methods, or the border-cropped square film (BASE px) that the lung stage crops further.
    `box`: the film's crop_box, when the caller has it already."""
    return square(pixels, BASE, box) if method in LUNG_STAGE else preprocess(pixels, size, method, box)


def square(pixels: np.ndarray, side: int, box=None) -> np.ndarray:
    """Uniform borders cropped, resized to side x side (float32, [0, 1])."""
    return resize(crop_borders(pixels, box), side)


def preprocess(pixels: np.ndarray, size: int, method: str = GRAY_EQ, box=None) -> np.ndarray:
    """Grayscale [0, 1] pixels (H x W) -> model input (size x size x channels, float32)."""
    if method == ARTICLE:
        small = resize(pixels, size)
        return np.repeat(small[..., None], 3, axis=-1)
    if method not in (GRAY_EQ, GRAY_STRETCH):
        raise ValueError(f"preprocessing {method!r} is not a whole-film method")
    small = resize(crop_borders(pixels, box), size)
    return (equalise(small) if method == GRAY_EQ else stretch(small))[..., None]


def resize(pixels: np.ndarray, size: int) -> np.ndarray:
    """Square resize with area averaging: every source ends the same size, so size is no cue."""
    im = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.float32))
    method = Image.BOX if min(pixels.shape) >= size else Image.BILINEAR
    return np.asarray(im.resize((size, size), method), dtype=np.float32)


def crop_fractions(pixels: np.ndarray, box=None) -> tuple[float, float, float, float]:
    """The border crop as fractions of the film (top, bottom, left, right): where the first
    stage, and so every heat map, sits in the decoded picture."""
    h, w = pixels.shape
    top, bottom, left, right = box or crop_box(pixels)
    return top / h, bottom / h, left / w, right / w


def crop_borders(pixels: np.ndarray, box=None) -> np.ndarray:
    top, bottom, left, right = box or crop_box(pixels)
    return pixels[top:bottom, left:right]


def crop_box(pixels: np.ndarray, tol: float = 0.02, max_frac: float = 0.25) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) without uniform bands (frames, padding), at most 25 % a side."""
    h, w = pixels.shape
    if h < 16 or w < 16:
        return 0, h, 0, w
    step = max(1, max(h, w) // 256)  # decide on a coarse copy: cheap on big images
    small = pixels[::step, ::step]
    row_flat = small.std(axis=1) < tol
    col_flat = small.std(axis=0) < tol

    def run(flags):
        n = 0
        while n < len(flags) and flags[n]:
            n += 1
        return n

    limit_r, limit_c = int(len(row_flat) * max_frac), int(len(col_flat) * max_frac)
    top, bottom = min(run(row_flat), limit_r), min(run(row_flat[::-1]), limit_r)
    left, right = min(run(col_flat), limit_c), min(run(col_flat[::-1]), limit_c)
    box = (top * step, h - bottom * step, left * step, w - right * step)
    return box if box[1] > box[0] and box[3] > box[2] else (0, h, 0, w)


def stretch(small: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(small, [1, 99])
    return np.clip((small - lo) / max(hi - lo, 1e-6), 0, 1).astype(np.float32)


def equalise(small: np.ndarray, bins: int = 256) -> np.ndarray:
    """Histogram equalisation: exposure, bit depth and scanner contrast stop being cues.

    The CDF at the bins' centres, linearly interpolated (what np.interp gives), computed from each
    pixel's bin position directly: the bins are uniform, so no search is needed (4x faster, and
    this runs twice per film on every route); in place where it can be, a fifth faster again,
    the same float32 operations in the same order, so the same values to the bit."""
    small = np.asarray(small, np.float32)
    lo, hi = float(small.min()), float(small.max())
    if hi - lo < 1e-6:
        return np.zeros_like(small, dtype=np.float32)
    pos = small - np.float32(lo)
    pos *= np.float32(bins / (hi - lo))  # 0 .. bins
    bin_of = pos.astype(np.int32)
    np.minimum(bin_of, bins - 1, out=bin_of)
    cdf = np.cumsum(np.bincount(bin_of.ravel(), minlength=bins)).astype(np.float64)
    cdf = ((cdf - cdf[0]) / max(cdf[-1] - cdf[0], 1.0)).astype(np.float32)
    step = cdf[1:] - cdf[:-1]  # per bin: the same float32 difference as per pixel, computed once
    pos -= np.float32(0.5)  # position among the bins' centres
    i = pos.astype(np.int32)  # truncation is floor here: pos < 0 clips to 0 anyway
    np.clip(i, 0, bins - 2, out=i)
    pos -= i.astype(np.float32)  # now the fraction of the way to the next centre
    np.clip(pos, 0, 1, out=pos)
    out = step[i]
    out *= pos
    out += cdf[i]
    return out
