"""A batch of files through the results store and the Predictor, for the CLI and the window alike.

A file this model already classified (same bytes, any name) is taken from the store instead of
being run again; every new result is committed to the store as it is produced, so a batch cut
short by a crash or a reboot resumes where it stopped. At the end, the batch's summary (counts
and the shift test) is kept with it.
"""
from collections import Counter
from pathlib import Path

import numpy as np

from covidxray_desktop.model import shift


def name(paths) -> str:
    """What a batch is called in the store and the window: the one thing dropped, or a count."""
    return Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} items"


def run(files, predictor, store, force: bool = False, cancelled=lambda: False, batch_id: int | None = None):
    """Yield one Result per file, in order: stored ones where this bundle has done the bytes before."""
    store.remember_model(predictor.bundle)
    model_hash = predictor.bundle.hash
    reuse = None if force else (lambda sha: store.lookup(sha, model_hash, predictor.made_with))
    for result in predictor.run(files, cancelled, reuse):
        result.batch = batch_id
        store.record(result)  # a reused answer too: under a new name it is a row of its own
        yield result


class Summary:
    """Counts of a batch as it goes, and at the end whether its films differ from the model's own."""

    def __init__(self, bundle, threshold: float | None = None, point: str | None = None):
        """`threshold` and `point`: those the batch is labelled with (default: the card's default point)."""
        from covidxray_desktop.model import operating

        self.block = bundle.card.get("shift")
        if point is None or threshold is None:
            self.point, self.threshold = operating.resolve(bundle.card, point, threshold)
        else:
            self.point, self.threshold = point, float(threshold)
        self.model_threshold = float(bundle.card["threshold"])
        self.counts = Counter()
        self.reused = 0
        self._features, self._predicted, self._looks = [], [], []
        self._patients, self._look_patients = [], []  # a DICOM's PatientID, '' where unknown
        self._look_size = len(((self.block or {}).get("look") or {}).get("mean", []))  # 0: this card has no look part

    def add(self, result) -> None:
        self.counts["files"] += 1
        self.counts[{"ok": "ok", "rejected": "rejected"}.get(result.status, "errors")] += 1
        self.reused += bool(result.reused)
        if result.status == "ok":
            self.counts[result.label(self.threshold)] += 1
            if result.features is not None:
                self._features.append(np.asarray(result.features, np.float32))
                # The test's reference is split by the model's own decision, whatever the user's threshold.
                self._predicted.append(result.label(self.model_threshold) == "covid")
                self._patients.append(result.patient_id or "")
            look = None if result.look is None else np.asarray(result.look, np.float32)
            if look is not None and look.size == self._look_size and np.isfinite(look).all():
                self._looks.append(look)  # one of another size or damaged is left out
                self._look_patients.append(result.patient_id or "")

    def finish(self) -> dict:
        pooled = np.stack(self._features) if self._features else np.zeros((0, 1))
        return {"files": self.counts["files"], "ok": self.counts["ok"], "rejected": self.counts["rejected"],
                "errors": self.counts["errors"], "covid": self.counts["covid"], "normal": self.counts["normal"],
                "operating_point": self.point, "threshold": round(self.threshold, 4),
                "shift": shift.test(self.block, pooled, np.array(self._predicted, bool),
                                    np.stack(self._looks) if self._looks else None,
                                    self._patients, self._look_patients)}

    def line(self, summary: dict) -> str:
        s = summary["shift"]
        test = (f"shift test: {'DIFFERENT' if s['detected'] else 'no shift'} (p = {s['p_value']:.3g})"
                if s["tested"] else f"shift test: {s['message']}")
        files, errors = summary["files"], summary["errors"]
        return (f"{files} file{'' if files == 1 else 's'}: {summary['ok']} ok ({summary['covid']} COVID-19, "
                f"{summary['normal']} Normal at the {summary['operating_point']} operating point, threshold "
                f"{summary['threshold']:.3f}), {summary['rejected']} refused, "
                f"{errors} error{'' if errors == 1 else 's'}; {test}")
