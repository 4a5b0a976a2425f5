"""Predictor: files in, Prediction rows out (label, calibrated P(COVID), heat map, refusal, error).

Decoding runs in a small thread pool while the network works on the previous batch; the
network sees whole batches through `predict_on_batch`, never one call per file. Each decoding
thread hands its file to a worker process (imaging/isolate.py), so a decoder that hangs or
crashes costs that file's row only.
"""
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.imaging.isolate import Isolated
from covidxray_desktop.model import cam
from covidxray_desktop.model.architectures import FEATURES
from covidxray_desktop.model.calibration import sigmoid, to_logit
from covidxray_desktop.model.ood import OODGate
from covidxray_desktop.prepare import Prepared, prepare


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


class Predictor:
    def __init__(self, bundle, threshold: float | None = None, heatmaps: bool = False,
                 batch_size: int = 16, workers: int = 2, thumbnails: int = 0,
                 decode_limit_s: float | None = 30.0, decoder=prepare):
        """`decode_limit_s`: seconds a file may take to decode before it is abandoned (None: decode
        in-thread, no limit). `decoder`: a module-level function with `prepare`'s signature."""
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
        self._decode = Isolated(decoder, decode_limit_s) if decode_limit_s else decoder
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
            try:
                while pending and not cancelled():
                    batch = []
                    while pending and len(batch) < self.batch_size:
                        batch.append(pending.popleft().result())
                        nxt = next(it, None)
                        if nxt is not None:
                            pending.append(pool.submit(self._prepare, nxt))
                    yield from self._infer(batch)
            finally:  # cancelled or closed early: files not yet started are never decoded
                for f in pending:
                    f.cancel()

    def picture(self, path, side: int):
        """A small 8-bit picture of one file, decoded the same guarded way; None if unreadable."""
        try:
            return self._decode(Path(path), self.size, self.method, side, False).picture
        except CovidXrayError:
            return None

    def close(self) -> None:
        """Stop the decoding workers now (they also stop when the Predictor goes, or at exit)."""
        if isinstance(self._decode, Isolated):
            self._decode.close()

    def _prepare(self, path: Path) -> Prepared:
        start = time.perf_counter()
        # Full-resolution pixels cross back from the worker only when an overlay needs them.
        keep = self.heatmaps and self._head is not None
        try:
            item = self._decode(path, self.size, self.method, self.thumbnails, keep)
        except CovidXrayError as exc:  # abandoned: stuck or crashed decoder
            item = Prepared(path, error=str(exc))
        item.path = path
        item.seconds = time.perf_counter() - start  # the wait as this thread saw it, transfer included
        return item

    def _infer(self, batch: list[Prepared]):
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

    def _row(self, item: Prepared, result, per_item: float) -> Prediction:
        meta = item.meta
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
            row.heatmap = cam.to_image_frame(small, item.pixels)
            row.pixels = item.pixels
        return row

