"""Augmentation that fights shortcuts: pose, exposure, and how a film was acquired and passed on.

Every source here holds one class, so whatever marks a source (sharpness, noise, compression,
resolution, burnt-in letters, the arrows and boxes of publication figures) would otherwise be
learnt as disease. Each of those is randomised here, for both classes alike.
"""
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont


def augment(img: np.ndarray, rng: np.random.Generator, acquisition: bool = True) -> np.ndarray:
    """One S x S float image in [0, 1] -> a plausible variant of the same film.

    acquisition=False keeps the older, milder recipe (pose, exposure, noise, erased corners).
    """
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
    if rng.random() < (0.4 if acquisition else 0.25):  # a coarser detector or a shrunk copy
        small = max(8, int(size * rng.uniform(0.35, 0.8)))
        im = im.resize((small, small), Image.BILINEAR).resize((size, size), Image.BILINEAR)
    out = np.clip(np.asarray(im, np.float32), 0, 1)
    out = out ** rng.uniform(0.7, 1.4)  # exposure
    out = (out - 0.5) * rng.uniform(0.8, 1.2) + 0.5 + rng.uniform(-0.07, 0.07)  # contrast, brightness
    if acquisition and rng.random() < 0.2:
        out = _blur(out, rng.uniform(0.5, 1.5))
    if acquisition and rng.random() < 0.2:
        out = _sharpen(out, rng.uniform(0.5, 1.5))
    if rng.random() < 0.3:
        out = out + rng.normal(0, rng.uniform(0.01, 0.04), out.shape).astype(np.float32)
    if acquisition and rng.random() < 0.3:
        _annotate(out, rng)
    if rng.random() < 0.35:
        _erase_corner(out, rng)
    out = np.clip(out, 0, 1)
    if acquisition and rng.random() < 0.3:
        out = _jpeg(out, int(rng.integers(20, 85)))
    return out.astype(np.float32)


def _blur(out: np.ndarray, radius: float) -> np.ndarray:
    im = Image.fromarray((np.clip(out, 0, 1) * 255).astype(np.uint8), "L")
    return np.asarray(im.filter(ImageFilter.GaussianBlur(radius)), np.float32) / 255.0


def _sharpen(out: np.ndarray, amount: float) -> np.ndarray:
    blurred = _blur(out, 1.5)
    return out + amount * (out - blurred)


def _jpeg(out: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray((np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8), "L").save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(buf), np.float32) / 255.0


def _annotate(out: np.ndarray, rng: np.random.Generator) -> None:
    """Draw what publications and viewers burn in: letters, an arrow, a box or a circle."""
    size = out.shape[0]
    im = Image.fromarray((np.clip(out, 0, 1) * 255).astype(np.uint8), "L")
    d = ImageDraw.Draw(im)
    shade = 255 if rng.random() < 0.7 else 0
    width = int(rng.integers(1, 4))
    for _ in range(int(rng.integers(1, 4))):
        x, y = rng.uniform(0.05, 0.95, size=2) * size
        kind = rng.integers(0, 4)
        if kind == 0:
            font = ImageFont.load_default(size=int(rng.integers(8, 22)))
            text = "".join(rng.choice(list("ABCDLRPA0123456789"), size=int(rng.integers(1, 4))))
            d.text((x, y), text, fill=shade, font=font)
        elif kind == 1:  # an arrow pointing somewhere
            dx, dy = rng.uniform(-0.15, 0.15, size=2) * size
            d.line((x, y, x + dx, y + dy), fill=shade, width=width)
            d.polygon([(x, y), (x + dx * 0.3 - dy * 0.15, y + dy * 0.3 + dx * 0.15),
                       (x + dx * 0.3 + dy * 0.15, y + dy * 0.3 - dx * 0.15)], fill=shade)
        elif kind == 2:
            w, h = rng.uniform(0.05, 0.3, size=2) * size
            d.rectangle((x, y, x + w, y + h), outline=shade, width=width)
        else:
            r = rng.uniform(0.03, 0.12) * size
            d.ellipse((x - r, y - r, x + r, y + r), outline=shade, width=width)
    out[...] = np.asarray(im, np.float32) / 255.0


def _erase_corner(out: np.ndarray, rng: np.random.Generator) -> None:
    """Blank a box in a random corner, where side markers and text usually sit."""
    size = out.shape[0]
    h, w = (rng.uniform(0.08, 0.25, size=2) * size).astype(int)
    top = 0 if rng.random() < 0.5 else size - h
    left = 0 if rng.random() < 0.5 else size - w
    out[top:top + h, left:left + w] = rng.uniform(0, 1)
