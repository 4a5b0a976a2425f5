"""Decode and preprocess every training image once; epochs then read arrays from memory."""
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from covidxray_desktop.errors import ImagingError
from covidxray_desktop.imaging import DECODE_SIDE, load, preprocess
from covidxray_desktop.model.ood import thumbnail


def decode_all(samples, size: int, method: str, on_progress=None, workers: int | None = None):
    """-> (images float16 N x S x S, thumbnails float32 N x 1024, kept samples, problems).

    Unreadable files are left out and listed in `problems` (file name and reason), never silently.
    """
    def one(sample):
        try:
            xray = load(sample.file, max_side=DECODE_SIDE)  # as inference decodes: no drift
            return preprocess(xray.pixels, size, method)[..., 0], thumbnail(xray.pixels), None
        except ImagingError as exc:
            return None, None, str(exc)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a reader bug or a panicking native decoder costs one image
            return None, None, f"{sample.file.name}: unexpected error while reading ({type(exc).__name__}: {exc})."

    images, thumbs, kept, problems = [], [], [], []
    # The decoders release the GIL: one thread per core, at least 4 to hide file reads.
    with ThreadPoolExecutor(workers or max(4, min(16, os.cpu_count() or 1))) as pool:
        for n, (sample, (img, thumb, err)) in enumerate(zip(samples, pool.map(one, samples)), 1):
            if err:
                problems.append(err)
            else:
                images.append(img.astype(np.float16))
                thumbs.append(thumb)
                kept.append(sample)
            if on_progress and (n % 64 == 0 or n == len(samples)):
                on_progress(n, len(samples))
    shape = (0, size, size)
    return (np.stack(images) if images else np.zeros(shape, np.float16),
            np.stack(thumbs) if thumbs else np.zeros((0, 1024), np.float32), kept, problems)
