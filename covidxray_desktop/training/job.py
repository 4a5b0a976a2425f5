"""The training job: data -> split -> cached arrays -> 16 epochs -> calibrated, gated bundle.

Progress goes through `on_event(dict)` so the CLI and the GUI show the same events;
`cancelled()` is polled between batches (cooperative cancel): before the first epoch has
finished it raises Cancelled; after that the job stops and finishes with the best epoch so far.
"""
import datetime as dt
import math
import time
from collections import Counter

import numpy as np

from covidxray_desktop import backend
from covidxray_desktop.errors import DataError
from covidxray_desktop.model.architectures import ABLATIONS, SPECS, VARIANTS
from covidxray_desktop.training import dataset
from covidxray_desktop.training.cache import decode_all

DATA_PROVENANCE = (
    "Trained on the project's shared chest X-ray collection (COVID-19 and Normal, frontal views): "
    "COVID-19 image data collection (Cohen et al. 2020; per-image CC BY / CC BY-NC-SA / CC BY-NC-ND / "
    "Apache-2.0), Hannover Medical School COVID-19 repository (CC BY 3.0), NIH ChestX-ray14 'No Finding' "
    "(unrestricted use with citation), RSNA Pneumonia Detection Challenge normals via the COVID-19 "
    "Radiography Database (non-commercial research), Kermany et al. 2018 paediatric normals (CC BY 4.0). "
    "Several licences are non-commercial: research use only."
)


class Cancelled(Exception):
    pass


def source_weights(samples) -> np.ndarray:
    """Each class weighs half, each source within a class equally: no source or class dominates."""
    counts = Counter((s.label, s.source) for s in samples)
    per_class = Counter(s.label for s in samples)
    sources_in = {c: len({src for (lab, src) in counts if lab == c}) for c in per_class}
    w = np.array([1.0 / (len(per_class) * sources_in[s.label] * counts[(s.label, s.source)]) for s in samples])
    return (w * len(samples)).astype(np.float32)


def train(data, arch: str = "default", epochs: int = 16, out_dir="models", name: str | None = None,
          seed: int = 0, on_event=lambda e: None, cancelled=lambda: False, exclude_sources=(),
          limit: int | None = None, ablate=(), variants=(), precision: str = "auto"):
    """Run the whole job and return (bundle, report dict). Raises DataError or Cancelled
    (Cancelled only when no epoch has finished; see the module's note)."""
    import keras

    from covidxray_desktop.training import fit, finish

    started = time.time()
    spec = dict(SPECS[arch])
    for part in ablate:
        spec.update(ABLATIONS[part])
    for variant in variants:
        spec.update(VARIANTS[variant])
    samples, described = dataset.discover(data)
    samples = dataset.patient_split(samples, seed)
    held_out = [s for s in samples if s.source in exclude_sources]
    samples = [s for s in samples if s.source not in exclude_sources]
    if limit:
        samples = _limit(samples, limit, seed)
    parts = {k: [s for s in samples if s.split == k] for k in dataset.SPLITS}
    _check_both_classes(parts)
    device = backend.device()
    policy = backend.precision(precision)
    on_event({"kind": "stage", "message": f"{len(samples)} images from {described}; training on {device} ({policy})"})
    arrays, problems = {}, []
    for k in dataset.SPLITS:
        if parts[k]:
            def progress(n, total, k=k):
                on_event({"kind": "stage", "message": f"decoding {k} images {n}/{total}"})
            imgs, thumbs, kept, bad = decode_all(parts[k], spec["size"], spec["preprocessing"], progress)
            arrays[k], parts[k] = (imgs, thumbs), kept
            problems += bad
        if cancelled():
            raise Cancelled()
    _check_both_classes(parts, after_decoding=True)
    backend.make_deterministic(seed)
    history, model = fit.run(arch, spec, parts, arrays, epochs, seed, on_event, cancelled, policy)
    stopped_after = len(history) if len(history) < epochs else None  # cancelled: the card says so
    bundle, report = finish.finalise(
        model, arch, spec, parts, arrays, history, out_dir, name or arch,
        training={
            "data": described, "data_fingerprint": dataset.fingerprint(samples), "epochs": epochs,
            "epochs_run": len(history), "cancelled_after_epoch": stopped_after,
            "seed": seed, "backend": backend.name(), "device": device, "precision": policy,
            "keras": keras.__version__, "wall_time_s": round(time.time() - started, 1),
            "trained_on": dt.datetime.now().isoformat(timespec="seconds"),
            "counts": {k: dict(Counter(dataset.CLASSES[s.label] for s in v)) for k, v in parts.items()},
            "sources": sorted({s.source for s in samples}), "excluded_sources": list(exclude_sources),
            "ablations": list(ablate), "variants": list(variants), "augmentation": spec["augment"], "source_weights": spec["source_weights"],
            "balanced_sampling": bool(spec["source_weights"] and spec.get("balanced_sampling")),
            "unreadable_files": problems[:50], "provenance": DATA_PROVENANCE,
        },
        held_out=held_out, on_event=on_event)
    return bundle, report


def _check_both_classes(parts, after_decoding=False):
    for k in ("train", "val"):
        if len({s.label for s in parts[k]}) < 2:
            readable = " readable" if after_decoding else ""
            raise DataError(f"the {k} split needs{readable} images of both classes; it has {len(parts[k])}.")


def _limit(samples, limit: int, seed: int):
    """A small, class-balanced subset per split (for quick runs and tests)."""
    rng = np.random.default_rng(seed)
    out = []
    for split in dataset.SPLITS:
        for label in (0, 1):
            pool = [s for s in samples if s.split == split and s.label == label]
            share = max(2, math.ceil(limit * {"train": 0.6, "val": 0.2, "test": 0.2}[split] / 2))
            out += [pool[i] for i in sorted(rng.permutation(len(pool))[:share])]
    return out
