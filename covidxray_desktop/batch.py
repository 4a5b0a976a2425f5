"""A batch of files through the results store and the Predictor, for the CLI and the window alike.

A file this model already classified (same content, any name) is taken from the store instead of
being run again; every new result is committed to the store as it is produced, so a batch cut
short by a crash or a reboot resumes where it stopped.
"""
from dataclasses import dataclass
from pathlib import Path

from covidxray_desktop.store import file_sha256


@dataclass
class Outcome:
    path: Path
    result: object  # a Prediction, or the stored result (a dict)
    reused: bool


CHUNK = 128  # files hashed and looked up at a time: a huge folder starts at once and cancels quickly


def run(files, predictor, store, force: bool = False, cancelled=lambda: False):
    """Yield one Outcome per file, a chunk at a time: its stored results, then its fresh ones."""
    model_hash = predictor.bundle.card["keras_sha256"]
    default_threshold = float(predictor.bundle.card["threshold"])
    # Heat maps and another threshold need the network; a stored row has neither.
    reuse_ok = not force and not predictor.heatmaps and predictor.threshold == default_threshold
    files = [Path(f) for f in files]
    for start in range(0, len(files), CHUNK):
        shas, fresh = {}, []
        for f in files[start:start + CHUNK]:
            if cancelled():
                return
            shas[f] = file_sha256(f)
            stored = store.lookup(shas[f], model_hash) if reuse_ok else None
            if stored is not None:
                yield Outcome(f, stored, True)
            else:
                fresh.append(f)
        for row in predictor.run(fresh, cancelled):
            store.record(row, model_hash, shas.get(row.path), predictor.threshold)
            yield Outcome(row.path, row, False)


def as_dict(outcome: Outcome) -> dict:
    """The result as a flat dict with the store's keys, whichever way it was obtained."""
    r = outcome.result
    if isinstance(r, dict):
        return {**r, "path": str(outcome.path), "reused": True}
    meta = r.meta or {}
    return {"path": str(r.path), "status": r.status, "label": r.label, "p_covid": r.p_covid,
            "message": r.message, "model": r.model, "seconds": r.seconds, "ood_score": r.ood_score,
            "patient_id": meta.get("patient_id"), "study_uid": meta.get("study_uid"),
            "study_date": meta.get("study_date"), "reused": False}
