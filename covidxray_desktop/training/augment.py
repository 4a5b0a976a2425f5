"""Augmentation that fights shortcuts: pose, exposure, sharpness, and burnt-in text corners."""
import numpy as np
from PIL import Image


def augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One S x S float image in [0, 1] -> a plausible variant of the same film."""
    size = img.shape[0]
    im = Image.fromarray(np.ascontiguousarray(img, np.float32))
    angle = np.deg2rad(rng.uniform(-8, 8))
    scale = rng.uniform(0.92, 1.1)
    tx, ty = rng.uniform(-0.05, 0.05, size=2) * size
    c, s = np.cos(angle) / scale, np.sin(angle) / scale
    cx = cy = size / 2
    # Inverse affine around the centre (Pillow maps output -> input coordinates).
    matrix = (c, s, cx - c * cx - s * cy - tx, -s, c, cy + s * cx - c * cy - ty)
    im = im.transform((size, size), Image.AFFINE, matrix, resample=Image.BILINEAR, fillcolor=0.0)
    if rng.random() < 0.25:  # softer detector: down- and up-sample (Pillow cannot blur float images)
        small = max(8, int(size * rng.uniform(0.45, 0.8)))
        im = im.resize((small, small), Image.BILINEAR).resize((size, size), Image.BILINEAR)
    out = np.clip(np.asarray(im, np.float32), 0, 1)
    out = out ** rng.uniform(0.75, 1.35)  # exposure
    out = (out - 0.5) * rng.uniform(0.85, 1.15) + 0.5 + rng.uniform(-0.06, 0.06)  # contrast, brightness
    if rng.random() < 0.3:
        out = out + rng.normal(0, rng.uniform(0.01, 0.04), out.shape).astype(np.float32)
    if rng.random() < 0.35:
        _erase_corner(out, rng)
    return np.clip(out, 0, 1)


def _erase_corner(out: np.ndarray, rng: np.random.Generator) -> None:
    """Blank a box in a random corner, where side markers and text usually sit."""
    size = out.shape[0]
    h, w = (rng.uniform(0.08, 0.25, size=2) * size).astype(int)
    top = 0 if rng.random() < 0.5 else size - h
    left = 0 if rng.random() < 0.5 else size - w
    out[top:top + h, left:left + w] = rng.uniform(0, 1)
