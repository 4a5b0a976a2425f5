"""Predictor: files in, Prediction rows out (label, calibrated P(COVID), heat map, refusal, error).

Decoding runs in a small thread pool while the network works on the previous batch; the
network sees whole batches through `predict_on_batch`, never one call per file.
"""
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.imaging import DECODE_SIDE, load, preprocess
from covidxray_desktop.model import cam
from covidxray_desktop.model.architectures import FEATURES
from covidxray_desktop.model.calibration import sigmoid, to_logit
from covidxray_desktop.model.ood import OODGate, cheap_reason, thumbnail



@dataclass
class Prediction:
    path: Path
    status: str  # ok | rejected | error
    label: str = ""  # covid | normal | ""
    p_covid: float | None = None
    message: str = ""
    model: str = ""
    seconds: float = 0.0
    ood_score: float | None = None
    logit: float | None = None  # before temperature scaling
    meta: dict = field(default_factory=dict)
    heatmap: np.ndarray | None = None  # H x W in [0, 1], same grid as `pixels`
    pixels: np.ndarray | None = None  # kept only when heat maps were asked for
    thumbnail: np.ndarray | None = None  # small uint8 picture, when asked for (the window's table)


@dataclass
class _Item:
    path: Path
    xray: object = None
    error: str = ""
    reason: str | None = None
    input: np.ndarray | None = None
    thumb: np.ndarray | None = None
    picture: np.ndarray | None = None
    seconds: float = 0.0


class Predictor:
    def __init__(self, bundle, threshold: float | None = None, heatmaps: bool = False,
                 batch_size: int = 16, workers: int = 2, thumbnails: int = 0):
        import keras

        card = bundle.card
        self.bundle = bundle
        self.ident = bundle.ident
        self.size = card["input"]["size"]
        self.channels = card["input"]["channels"]
        self.method = card["preprocessing"]
        self.output = card["output"]
        self.temperature = float(card.get("calibration", {}).get("temperature", 1.0))
        self.threshold = float(card["threshold"] if threshold is None else threshold)
        self.gate = OODGate(card["ood"]) if card.get("ood") else None
        self.heatmaps = heatmaps
        self.batch_size = batch_size
        self.workers = workers
        self.thumbnails = thumbnails  # longest side in pixels; 0: none
        model = bundle.model
        self._net = keras.Model(model.inputs, [model.get_layer(FEATURES).output, model.outputs[0]])
        self._head = None
        if self.output == "logit":  # pooled head: exact class activation maps
            w, b = model.get_layer("logit").get_weights()
            self._head = (w.astype(np.float32), float(b[0]))

    def warm_up(self) -> None:
        """Trace every padded batch shape now, so no first batch later pays for it (a GUI stalls)."""
        size = 1
        while size <= self.batch_size:
            self._net.predict_on_batch(np.zeros((size, self.size, self.size, self.channels), np.float32))
            size *= 2

    def predict_file(self, path) -> Prediction:
        return next(iter(self.run([path])))

    def run(self, paths, cancelled=lambda: False):
        """Yield one Prediction per path, in order, as batches finish."""
        paths = [Path(p) for p in paths]
        with ThreadPoolExecutor(self.workers) as pool:
            pending = deque()
            it = iter(paths)
            for p in it:  # keep two batches of decoding in flight
                pending.append(pool.submit(self._prepare, p))
                if len(pending) >= 2 * self.batch_size:
                    break
            while pending:
                if cancelled():
                    for f in pending:
                        f.cancel()
                    return
                batch = []
                while pending and len(batch) < self.batch_size:
                    batch.append(pending.popleft().result())
                    nxt = next(it, None)
                    if nxt is not None:
                        pending.append(pool.submit(self._prepare, nxt))
                yield from self._infer(batch)

    def _prepare(self, path: Path) -> _Item:
        start = time.perf_counter()
        item = _Item(path)
        try:
            item.xray = load(path, max_side=DECODE_SIDE)
            if self.thumbnails:
                item.picture = small_picture(item.xray.pixels, self.thumbnails)
            item.reason = cheap_reason(item.xray)
            if item.reason is None:
                item.input = preprocess(item.xray.pixels, self.size, self.method)
                item.thumb = thumbnail(item.xray.pixels)
        except CovidXrayError as exc:
            item.error = str(exc)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a reader bug or a panicking native decoder costs one row
            item.error = f"{path.name}: unexpected error while reading ({type(exc).__name__}: {exc})."
        item.seconds = time.perf_counter() - start
        return item

    def _infer(self, batch: list[_Item]):
        ready = [i for i in batch if i.input is not None]
        per_item, results = 0.0, {}
        if ready:
            start = time.perf_counter()
            x = np.stack([i.input for i in ready])
            # Pad to a power of two: a handful of batch shapes, so the graph is traced a few times only.
            size = 1 << (len(ready) - 1).bit_length()
            x = np.concatenate([x, np.zeros((size - len(x),) + x.shape[1:], x.dtype)]) if size > len(x) else x
            feats, raw = self._net.predict_on_batch(x)
            feats = np.asarray(feats, np.float32)[: len(ready)]
            raw = np.asarray(raw, np.float32)[: len(ready)]
            logits = to_logit(raw, self.output)
            pooled = feats.mean(axis=(1, 2))
            scores, reasons = (self.gate.assess(np.stack([i.thumb for i in ready]), pooled)
                               if self.gate else (np.ones(len(ready)), [None] * len(ready)))
            per_item = (time.perf_counter() - start) / len(ready)
            results = {id(i): (feats[k], logits[k], float(scores[k]), reasons[k]) for k, i in enumerate(ready)}
        for item in batch:
            yield self._row(item, results.get(id(item)), per_item)

    def _row(self, item: _Item, result, per_item: float) -> Prediction:
        meta = item.xray.meta if item.xray is not None else {}
        row = Prediction(item.path, "error", model=self.ident, meta=meta, seconds=item.seconds,
                         thumbnail=item.picture)
        if item.error:
            row.message = item.error
            return row
        notes = " ".join(meta.get("notes", []))
        if item.reason is not None:
            row.status = "rejected"
            row.message = f"not a frontal chest X-ray ({item.reason}); no prediction."
            return row
        features, logit, score, reason = result
        row.seconds += per_item
        row.ood_score = round(score, 4)
        row.logit = float(logit)  # kept on rejected rows too, for evaluation; never shown
        if reason is not None:
            row.status = "rejected"
            row.message = f"not a frontal chest X-ray (score {score:.3f}); no prediction: {reason}."
            return row
        p = float(sigmoid(logit / self.temperature))
        row.status, row.p_covid = "ok", round(p, 4)
        row.label = "covid" if p >= self.threshold else "normal"
        row.message = notes
        if self.heatmaps and self._head is not None:
            small = cam.cam(features, *self._head, row.label)
            row.heatmap = cam.to_image_frame(small, item.xray.pixels)
            row.pixels = item.xray.pixels
        return row


def small_picture(pixels: np.ndarray, side: int) -> np.ndarray:
    """An 8-bit copy no larger than side x side, for a table's thumbnail column."""
    h, w = pixels.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    gray = (np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.asarray(Image.fromarray(gray, "L").resize(size, Image.BILINEAR))
