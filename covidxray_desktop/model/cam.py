"""Class activation maps through the pooled head: exact, gradient-free, any backend."""
import functools
import hashlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from covidxray_desktop.imaging.preprocess import crop_box

# Viridis anchors (colour-blind safe, perceptually uniform), interpolated to 256 entries.
_ANCHORS = np.array([(68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
                     (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37)], np.float32)
VIRIDIS = np.stack([np.interp(np.linspace(0, 1, 256), np.linspace(0, 1, len(_ANCHORS)), _ANCHORS[:, c])
                    for c in range(3)], axis=1).astype(np.uint8)


def cam(features: np.ndarray, weights: np.ndarray, bias: float, label: str) -> np.ndarray:
    """Evidence map (h x w, [0, 1]) for the predicted label from one image's last conv block."""
    raw = features @ weights.reshape(-1) + bias  # per-location logit; its mean is the logit
    evidence = raw if label == "covid" else -raw
    evidence = np.maximum(evidence, 0)
    top = evidence.max()
    return (evidence / top if top > 0 else evidence).astype(np.float32)


def to_image_frame(small: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Upsample a map to the image's own resolution, inside the area the model saw."""
    h, w = pixels.shape
    top, bottom, left, right = crop_box(pixels)
    heat = np.zeros((h, w), np.float32)
    size = (max(1, right - left), max(1, bottom - top))
    # 8-bit resize: ample for a map shown in 8 colour steps, and cheaper than float.
    levels = (np.clip(small, 0, 1) * 255 + 0.5).astype(np.uint8)
    im = Image.fromarray(levels, "L").resize(size, Image.BILINEAR)
    heat[top:bottom, left:right] = np.asarray(im, np.float32) * np.float32(1 / 255)
    return heat


GRAY_LEVELS, HEAT_LEVELS = 32, 8  # 256 palette entries: a 1-byte image that encodes fast


@functools.lru_cache(maxsize=8)
def _palette(opacity: float) -> list:
    """Entry g * HEAT_LEVELS + h: gray level g blended with viridis level h at opacity * h."""
    entries = []
    for g in range(GRAY_LEVELS):
        gray = np.full(3, g * 255 / (GRAY_LEVELS - 1))
        for h in range(HEAT_LEVELS):
            alpha = opacity * h / (HEAT_LEVELS - 1)
            colour = VIRIDIS[round(h * 255 / (HEAT_LEVELS - 1))].astype(float)
            entries += [int(round(v)) for v in gray * (1 - alpha) + colour * alpha]
    return entries


def overlay(pixels: np.ndarray, heat: np.ndarray, caption: str, opacity: float = 0.45) -> Image.Image:
    """X-ray in gray with the heat map blended where it is strong, caption in a corner.

    A palette image (32 gray x 8 heat levels): ten times faster to write as PNG than RGB,
    which keeps heat maps cheap beside classification.
    """
    g = (np.clip(pixels, 0, 1) * (GRAY_LEVELS - 1) + 0.5).astype(np.uint8)
    h = (np.clip(heat, 0, 1) * (HEAT_LEVELS - 1) + 0.5).astype(np.uint8)  # clip: heat may come from a caller
    image = Image.fromarray(g * HEAT_LEVELS + h, "P")
    image.putpalette(_palette(round(opacity, 2)))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, image.height // 28))
    x0, y0, x1, y1 = draw.textbbox((8, 8), caption, font=font)
    black, white = 0, (GRAY_LEVELS - 1) * HEAT_LEVELS  # palette entries of pure black and white
    draw.rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), fill=black)
    draw.text((8, 8), caption, fill=white, font=font)
    return image


def heatmap_name(path: Path) -> str:
    """Stem plus a hash of the full path: a.png and a.dcm, or IM0001 in ten folders, never collide."""
    digest = hashlib.sha1(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{Path(path).stem}-{digest}.png"


def write_overlay(prediction, folder: Path) -> Path:
    """The PNG overlay of an ok Prediction (with heat map), named so that it cannot collide."""
    target = Path(folder) / heatmap_name(prediction.path)
    caption = f"{prediction.label.upper()}  P(COVID) {prediction.p_covid:.2f}"
    overlay(prediction.pixels, prediction.heatmap, caption).save(target, compress_level=1)
    return target


def with_overlays(predictions, folder: Path, workers: int = 2, window: int = 32):
    """Yield (prediction, PNG path or None) in order; PNGs are encoded in threads (zlib lets go
    of the GIL) while the network works on later films. A write error is raised at its row."""
    pending = deque()

    def ready():
        return pending and (len(pending) > window or pending[0][1] is None or pending[0][1].done())

    with ThreadPoolExecutor(workers) as pool:
        for row in predictions:
            job = pool.submit(write_overlay, row, folder) if row.heatmap is not None else None
            pending.append((row, job))
            while ready():
                row, job = pending.popleft()
                yield row, job.result() if job else None
        while pending:
            row, job = pending.popleft()
            yield row, job.result() if job else None
