"""Decode every training film once, through the same route as `classify` (prepare.prepare, in
decoding worker processes: a film that crashes or hangs its decoder costs its own row only);
epochs and scoring then read arrays from memory."""
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.files import display_name
from covidxray_desktop.imaging.isolate import Isolated
from covidxray_desktop.model.lungs import LUNG_SIZE
from covidxray_desktop.prepare import Prepared, Route, prepare

DECODE_LIMIT_S = 30.0  # as classify's default: a film that takes longer is abandoned and listed


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


def decode(samples, route: Route, on_progress=None, workers: int | None = None,
           decoder=prepare) -> tuple[Decoded, list]:
    """-> (Decoded, problems). Unreadable and refused films are left out and listed in `problems`
    (file name and reason), never silently. `decoder`: a module-level function with `prepare`'s
    signature, run in the worker processes."""
    out, problems = Decoded(), []
    firsts, thumbs, masks, has = [], [], [], []
    isolated = Isolated(decoder, DECODE_LIMIT_S)

    def one(sample) -> Prepared:
        try:
            return isolated(sample.file, route, sample.mask)
        except CovidXrayError as exc:  # its decoder hung or crashed: that film's row says so
            return Prepared(sample.file, error=str(exc))

    # One worker process per core (at least 2, so a slow file read overlaps another's decoding).
    with ThreadPoolExecutor(workers or max(2, min(8, os.cpu_count() or 1))) as pool:
        try:
            for n, (sample, item) in enumerate(zip(samples, pool.map(one, samples)), 1):
                if item.error or item.input is None:
                    problems.append(item.error or f"{display_name(sample.file)}: refused ({item.reason}).")
                else:
                    out.samples.append(sample)
                    firsts.append(item.input)
                    thumbs.append(item.thumb)
                    has.append(item.mask is not None)
                    masks.append(item.mask if item.mask is not None else np.zeros((LUNG_SIZE // 2,) * 2, bool))
                if on_progress and (n % 64 == 0 or n == len(samples)):
                    on_progress(n, len(samples))
        finally:
            isolated.close()
    if firsts:
        out.first, out.thumbs = np.stack(firsts), np.stack(thumbs)
        out.masks, out.has_mask = np.stack(masks), np.array(has)
    else:
        out.first, out.thumbs = np.zeros((0, 1, 1), np.float16), np.zeros((0, 1024), np.float32)
        out.masks, out.has_mask = np.zeros((0, LUNG_SIZE // 2, LUNG_SIZE // 2), bool), np.zeros(0, bool)
    return out, problems
