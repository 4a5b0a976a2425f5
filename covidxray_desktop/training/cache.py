"""Decode every training film once, through the same route as `classify` (prepare.prepare);
epochs and scoring then read arrays from memory."""
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from covidxray_desktop.files import display_name
from covidxray_desktop.model.lungs import LUNG_SIZE
from covidxray_desktop.prepare import Route, prepare


@dataclass
class Decoded:
    """One split's films as the network stage receives them."""
    samples: list = field(default_factory=list)
    first: np.ndarray | None = None  # first-stage inputs (float16)
    thumbs: np.ndarray | None = None  # the gate's thumbnails
    masks: np.ndarray | None = None  # lung-mask targets (N x 64 x 64), where the data has masks
    has_mask: np.ndarray | None = None  # which films have one

    def take(self, keep) -> "Decoded":
        keep = np.asarray(keep, bool)
        pick = np.flatnonzero(keep)
        return Decoded([self.samples[i] for i in pick], self.first[pick], self.thumbs[pick],
                       None if self.masks is None else self.masks[pick],
                       None if self.has_mask is None else self.has_mask[pick])


def join(a: Decoded, b: Decoded) -> Decoded:
    return Decoded(a.samples + b.samples, np.concatenate([a.first, b.first]), np.concatenate([a.thumbs, b.thumbs]),
                   np.concatenate([a.masks, b.masks]), np.concatenate([a.has_mask, b.has_mask]))


def decode(samples, route: Route, on_progress=None, workers: int | None = None) -> tuple[Decoded, list]:
    """-> (Decoded, problems). Unreadable and refused films are left out and listed in `problems`
    (file name and reason), never silently."""
    out, problems = Decoded(), []
    firsts, thumbs, masks, has = [], [], [], []
    # The decoders release the GIL: one thread per core, at least 4 to hide file reads.
    with ThreadPoolExecutor(workers or max(4, min(16, os.cpu_count() or 1))) as pool:
        for n, (sample, item) in enumerate(zip(samples, pool.map(lambda s: prepare(s.file, route), samples)), 1):
            if item.error or item.input is None:
                problems.append(item.error or f"{display_name(sample.file)}: refused ({item.reason}).")
            else:
                out.samples.append(sample)
                firsts.append(item.input)
                thumbs.append(item.thumb)
                target = mask_target(sample.mask, item.meta["crop"]) if sample.mask else None
                has.append(target is not None)
                masks.append(target if target is not None else np.zeros((LUNG_SIZE // 2,) * 2, bool))
            if on_progress and (n % 64 == 0 or n == len(samples)):
                on_progress(n, len(samples))
    if firsts:
        out.first, out.thumbs = np.stack(firsts), np.stack(thumbs)
        out.masks, out.has_mask = np.stack(masks), np.array(has)
    else:
        out.first, out.thumbs = np.zeros((0, 1, 1), np.float16), np.zeros((0, 1024), np.float32)
        out.masks, out.has_mask = np.zeros((0, LUNG_SIZE // 2, LUNG_SIZE // 2), bool), np.zeros(0, bool)
    return out, problems


def mask_target(path, crop) -> np.ndarray | None:
    """A lung mask cut like its film (same border crop), at the segmenter's output size."""
    try:
        with Image.open(path) as im:
            mask = im.convert("L")
            w, h = mask.size
            top, bottom, left, right = crop
            box = (round(left * w), round(top * h), max(round(right * w), round(left * w) + 1),
                   max(round(bottom * h), round(top * h) + 1))
            side = LUNG_SIZE // 2
            return np.asarray(mask.crop(box).resize((side, side), Image.BILINEAR)) > 127
    except (OSError, ValueError):
        return None  # a missing or broken mask: the film still trains the classifier
