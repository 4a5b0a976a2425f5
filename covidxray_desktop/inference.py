"""Predictor: files in, Results out (calibrated P(COVID), heat map, refusal, error), in order.

Decoding runs in a small thread pool while the network works on the previous batch; each
decoding thread hands its file to a worker process (imaging/isolate.py), so a decoder that hangs
or crashes costs that file's row only. The network sees whole batches.
"""
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import CovidXrayError
from covidxray_desktop.imaging.isolate import Isolated
from covidxray_desktop.imaging.preprocess import LUNG_VIEW
from covidxray_desktop.model import cam, operating
from covidxray_desktop.model.calibration import sigmoid
from covidxray_desktop.model.network import Network
from covidxray_desktop.model.ood import Gate
from covidxray_desktop.prepare import ROUTE_VERSION, Prepared, Route, prepare
from covidxray_desktop.results import Result, now


class Predictor:
    def __init__(self, bundle, overlays: bool = False, batch_size: int = 16, workers: int = 2,
                 thumbnails: int = 0, decode_limit_s: float | None = 30.0, runtime: str = "auto",
                 decoder=prepare, network: Network | None = None, operating_point: str | None = None,
                 threshold: float | None = None):
        """`overlays`: keep each film's pixels, to draw heat-map pictures; `decode_limit_s`: seconds
        a file may take to decode before it is abandoned (None: decode in-thread, no limit);
        `decoder`: a module-level function with `prepare`'s signature; `operating_point` (a card's
        point, default its default) or `threshold` (a custom one): what the results are made with."""
        card = bundle.card
        self.bundle = bundle
        self.ident = bundle.ident
        self.network = network or Network(bundle, runtime)
        # Stored answers are reused only where they were made this way (results.Result.made_with).
        self.made_with = f"route {ROUTE_VERSION}; {self.network.runs}"
        self.route = Route(_first_size(card), card["preprocessing"], thumbnails, overlays)
        self.temperature = float(card["calibration"]["temperature"])
        self.in_force = operating.resolve(card, operating_point, threshold)  # (point, threshold), set as one
        self.gate = Gate.from_card(card["ood"])
        head = card.get("head")
        self._head = (np.asarray(head["weights"], np.float32), float(head["bias"])) if head else None
        self.batch_size = batch_size
        self.workers = workers
        self._decode = Isolated(decoder, decode_limit_s) if decode_limit_s else decoder

    @property
    def threshold(self) -> float:
        return self.in_force[1]

    @property
    def point(self) -> str:
        return self.in_force[0]

    def use(self, point: str, threshold: float) -> None:
        """The operating point and its threshold for the results made from now on (the window's choice)."""
        self.in_force = (point, float(threshold))

    def start(self) -> None:
        """Start the decoding workers now (they start on first use otherwise): while a model loads,
        the worker processes import their libraries in parallel."""
        if isinstance(self._decode, Isolated):
            self._decode.warm(self.workers)

    def predict_file(self, path) -> Result:
        return next(iter(self.run([path])))

    def run(self, paths, cancelled=lambda: False, reuse=None):
        """Yield one Result per path, in order, as batches finish.

        reuse(sha256) -> a stored Result or None: a film already done by this model (same bytes)
        is taken from there instead of being run again."""
        paths = [str(p) for p in paths]  # results carry text paths (surrogates kept: see files.display_path)
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
                    yield from self._infer(batch, reuse)
            finally:  # cancelled or closed early: files not yet started are never decoded
                for f in pending:
                    f.cancel()

    def assess(self, first, thumbs):
        """The network stage on first-stage inputs: (Forward, gate scores, refusal reasons).
        `classify` and every evaluation (training's scoring, `evaluate`, the site check) use this."""
        out = self.network.forward(first)
        scores, reasons = self.gate.assess(thumbs, out, first)
        return out, scores, reasons

    def probability(self, logits):
        return sigmoid(np.asarray(logits, np.float64) / self.temperature)

    def picture(self, path, side: int, sha256: str | None = None):
        """A small 8-bit picture of one file, decoded the same guarded way; None if unreadable, or if
        its content is no longer `sha256` (a stored result's: not shown beside that answer)."""
        try:
            item = self._decode(path, Route(self.route.size, self.route.method, side, False))
        except CovidXrayError:
            return None
        return None if sha256 and item.sha256 != sha256 else item.picture

    def close(self) -> None:
        """Stop the decoding workers now (they also stop when the Predictor goes, or at exit)."""
        if isinstance(self._decode, Isolated):
            self._decode.close()

    def _prepare(self, path) -> Prepared:
        start = time.perf_counter()
        try:
            item = self._decode(path, self.route)
        except CovidXrayError as exc:  # abandoned: a stuck or crashed decoder; may pass another time
            item = Prepared(Path(path), error=str(exc), transient=True)
        item.path = path
        item.seconds = time.perf_counter() - start  # the wait as this thread saw it, transfer included
        return item

    def _infer(self, batch: list[Prepared], reuse):
        stored = {}
        if reuse is not None:
            for item in batch:
                if item.sha256 and not item.error:
                    found = reuse(item.sha256)
                    if found is not None:
                        stored[id(item)] = found
        ready = [i for i in batch if i.input is not None and id(i) not in stored]
        per_item, results = 0.0, {}
        if ready:
            start = time.perf_counter()
            out, scores, reasons = self.assess(np.stack([i.input for i in ready]), np.stack([i.thumb for i in ready]))
            per_item = (time.perf_counter() - start) / len(ready)
            for k, item in enumerate(ready):
                results[id(item)] = (out, k, float(scores[k]), reasons[k])
        for item in batch:
            if id(item) in stored:
                point, threshold = self.in_force  # the stored answer, labelled as this run labels
                found = stored[id(item)]
                yield found.with_changes(path=item.path, reused=True, thumbnail=item.picture, pixels=item.pixels,
                                         seconds=item.seconds, threshold=threshold, operating_point=point,
                                         outside_share=cam.share_at(found, threshold), created_at=now())
            else:
                yield self._result(item, results.get(id(item)), per_item)

    def _result(self, item: Prepared, computed, per_item: float) -> Result:
        meta = item.meta
        point, threshold = self.in_force
        row = Result(item.path, "error", model=self.ident, model_hash=self.bundle.hash, made_with=self.made_with,
                     seconds=item.seconds, threshold=threshold, operating_point=point, sha256=item.sha256,
                     transient=item.transient,
                     patient_id=meta.get("patient_id", ""), study_uid=meta.get("study_uid", ""),
                     study_date=meta.get("study_date", ""), thumbnail=item.picture, pixels=item.pixels)
        if item.error:
            row.message = item.error
            return row
        if item.reason is not None:
            row.status = "rejected"
            judged = item.reason.startswith("not judged")  # a chest film it will not judge, as the gate says
            row.message = f"{item.reason}; no prediction." if judged else \
                f"not a frontal chest X-ray ({item.reason}); no prediction."
            return row
        out, k, score, reason = computed
        row.seconds += per_item
        row.ood_score = round(score, 4)
        row.logit = float(out.logits[k])  # kept on rejected rows too, for evaluation; never shown
        row.features, row.look = out.pooled[k], item.thumb
        if reason is not None:
            row.status = "rejected"
            row.message = f"{reason}; no prediction."
            return row
        row.status = "ok"
        row.p_covid = float(self.probability(row.logit))
        row.message = " ".join(meta.get("notes", []))
        if self._head is not None:
            mask = None if out.masks is None else out.masks[k]
            crop = item.meta.get("crop") or (0.0, 1.0, 0.0, 1.0)
            row.heat = cam.make(out.features[k], *self._head, tuple(crop), mask, self.route.method == LUNG_VIEW)
            row.outside_share = cam.share_at(row, row.threshold)
        return row


def _first_size(card: dict) -> int:
    return int(card["input"]["size"])
