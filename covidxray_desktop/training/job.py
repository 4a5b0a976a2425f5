"""The training job: data -> split -> decoded films -> lung segmenter -> lung views -> 16 epochs ->
calibrated, gated bundle.

Progress goes through `on_event(dict)` so the CLI and the GUI show the same events (see
session.Session); `cancelled()` is polled between batches (cooperative cancel): before the first
epoch has finished it raises Cancelled; after that the job stops and finishes with the best
epoch so far.
"""
import datetime as dt
import math
import time
from collections import Counter

import numpy as np

from covidxray_desktop import backend
from covidxray_desktop.errors import DataError, ModelError, UsageError
from covidxray_desktop.imaging.preprocess import LUNG_STAGE, LUNG_VIEW
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model.architectures import ABLATIONS, SPECS, VARIANTS
from covidxray_desktop.prepare import Route
from covidxray_desktop.training import cache, dataset, finish, fit, lungs
from covidxray_desktop.training.session import Cancelled

MIN_MASKS = 20  # fewer training masks than this: reuse a trained segmenter instead
DATA_PROVENANCE = (
    "Trained on the project's shared chest X-ray collection (COVID-19 and Normal, frontal views): "
    "COVID-19 image data collection (Cohen et al. 2020; per-image CC BY / CC BY-NC-SA / CC BY-NC-ND / "
    "Apache-2.0), COVID-CXNet collection (Haghanifar et al.; CC BY 4.0 images, publishers' terms for figures), "
    "Hannover Medical School COVID-19 repository (CC BY 3.0), NIH ChestX-ray14 'No Finding' "
    "(unrestricted use with citation), RSNA Pneumonia Detection Challenge normals via the COVID-19 "
    "Radiography Database (non-commercial research), Kermany et al. 2018 paediatric normals (CC BY 4.0), "
    "OpenIST teaching films (no licence stated; research and testing only), JSRT database (research use "
    "with citation; SCR lung masks, van Ginneken et al. 2006), v7labs lung masks (CC BY 4.0). "
    "Several licences are non-commercial: research use only."
)

__all__ = ["Cancelled", "train", "recipe"]


def recipe(arch: str, ablate=(), variants=()) -> dict:
    if "lungs" in ablate and any("preprocessing" in VARIANTS[v] for v in variants):
        raise UsageError("--ablate lungs removes the lung segmenter; it cannot be combined with "
                         f"--variant {', '.join(v for v in variants if 'preprocessing' in VARIANTS[v])}.")
    spec = dict(SPECS[arch])
    for part in ablate:
        spec.update(ABLATIONS[part])
    for variant in variants:
        spec.update(VARIANTS[variant])
    return spec


def train(data, arch: str = "default", epochs: int = 16, out_dir="models", name: str | None = None,
          seed: int = 0, on_event=lambda e: None, cancelled=lambda: False, exclude_sources=(),
          limit: int | None = None, ablate=(), variants=(), precision: str = "auto", overwrite: bool = False,
          lungs_from=None):
    """Run the whole job and return (bundle, report dict). Raises DataError or Cancelled
    (Cancelled only when no epoch has finished; see the module's note).

    `lungs_from`: a bundle whose segmenter to reuse when the data has too few lung masks
    (default: the bundled model's)."""
    backend.pick_for_training()  # before keras is imported: its backend is fixed from then on
    keras = backend.load_keras()
    if epochs < 1:
        raise UsageError("--epochs must be at least 1")
    if limit is not None and limit < 4:
        raise UsageError("--limit must be at least 4 (two films of each class)")
    # Unnamed, the small network is not called "default": that is the bundled model's name.
    name = name or ("small" if arch == "default" else arch)
    bundles.check_name(name)
    started = time.time()
    spec = recipe(arch, ablate, variants)
    samples, described = dataset.discover(data)
    skipped = list(getattr(samples, "skipped", []))  # files (and folders within the classes') not opened
    unused = dataset.unused(samples, on_event)  # folders beside the classes' whose name is no class's
    samples = dataset.patient_split(samples, seed)
    held_out = [s for s in samples if s.source in exclude_sources]
    unknown = set(exclude_sources) - {s.source for s in samples}
    if unknown:
        raise DataError(f"--exclude-source {', '.join(sorted(unknown))}: no such source in {described}.")
    samples = [s for s in samples if s.source not in exclude_sources]
    if limit:
        samples = _limit(samples, limit, seed)
    parts = {k: [s for s in samples if s.split == k] for k in dataset.SPLITS}
    _check_both_classes(parts)
    _check_target(out_dir, name, overwrite)
    device = backend.device()
    policy = backend.precision(precision)
    on_event(device_event(device, policy))
    on_event({"kind": "stage", "message": f"{len(samples)} images from {described}"})
    route = Route(spec["size"], spec["preprocessing"])
    decoded, problems = {}, []
    for k in dataset.SPLITS + ("held_out",):
        chosen = held_out if k == "held_out" else parts[k]
        if chosen:
            def progress(n, total, k=k):
                on_event({"kind": "stage", "message": f"decoding {k.replace('_', '-')} images {n}/{total}",
                          "done": n, "total": total})
            decoded[k], bad = cache.decode(chosen, route, progress)
            problems += bad
            if k in parts:
                parts[k] = decoded[k].samples
        if cancelled():
            raise Cancelled()
    problems = skipped + problems
    if problems:  # every film the data held and the model does not learn from is named
        on_event({"kind": "stage", "message": f"{len(problems)} files were left out:\n  " + "\n  ".join(problems)})
    _check_both_classes(parts, after_decoding=True, on_event=on_event)
    backend.make_deterministic(seed)
    segmenter, lung_card = None, None
    if spec["preprocessing"] in LUNG_STAGE:
        segmenter, lung_card = _segmenter(decoded, seed, on_event, cancelled, lungs_from, exclude_sources)
    # Only these two parts are trained on; the test and held-out films are scored by the Predictor.
    views = _views(spec, {k: decoded[k] for k in ("train", "val")}, segmenter, on_event)
    arrays = {k: (v, None) for k, v in views.items()}
    history, model = fit.run(arch, spec, parts, arrays, epochs, seed, on_event, cancelled, policy)
    stopped_after = len(history) if len(history) < epochs else None  # cancelled: the card says so
    training = {
        "data": described, "data_fingerprint": dataset.fingerprint(samples), "epochs": epochs,
        "epochs_run": len(history), "cancelled_after_epoch": stopped_after,
        "seed": seed, "backend": backend.name(), "backend_chosen_by": backend.chosen_because(), "device": device,
        "precision": policy,
        "keras": keras.__version__, "wall_time_s": round(time.time() - started, 1),
        "trained_on": dt.datetime.now().isoformat(timespec="seconds"),
        "counts": {k: dict(Counter(dataset.CLASSES[s.label] for s in v)) for k, v in parts.items()},
        "sources": sorted({s.source for s in samples}), "excluded_sources": list(exclude_sources),
        "ablations": list(ablate), "variants": list(variants), "augmentation": spec["augment"],
        "acquisition_augmentation": bool(spec["augment"] and spec.get("acquisition")),
        "source_weights": spec["source_weights"],
        "balanced_sampling": bool(spec["source_weights"] and spec.get("balanced_sampling")),
        "unreadable_files": problems[:50], "provenance": DATA_PROVENANCE,
    }
    if arch == "efficientnet":  # the backbone's own licence travels with every model made from it
        from covidxray_desktop.model.efficientnet import PROVENANCE

        training["pretrained"] = PROVENANCE
    bundle, report = finish.finalise(model, segmenter, arch, spec, decoded, history, out_dir, name, training,
                                     lung_card, on_event, overwrite, data, cancelled=cancelled)
    return bundle, dict(report, left_out=problems, unused=unused)


def device_event(device: str, policy: str) -> dict:
    """What trains, said once at the start (the CLI prints it, the dialog shows it)."""
    why = backend.chosen_because()
    return {"kind": "device", "device": device, "backend": backend.name(), "described": backend.described(),
            "precision": policy, "why": why,
            "message": f"training on {device} with {backend.described()} ({policy}"
                       + (f"; backend: {why})" if why else ")")}


def _segmenter(decoded, seed, on_event, cancelled, lungs_from, exclude_sources):
    """Train the lung segmenter on the data's masks, or reuse a trained one (with its card block):
    the one named by `lungs_from`, else the bundled model's when the data has too few masks."""
    train_set, val_set = decoded["train"], decoded["val"]
    if lungs_from is None and train_set.has_mask.sum() >= MIN_MASKS:
        from covidxray_desktop.model.lungs import segmenter_input

        def inputs(d):
            return np.stack([segmenter_input(x.astype(np.float32)) for x in d.first[d.has_mask]])

        on_event({"kind": "stage", "message": f"training the lung segmenter on {int(train_set.has_mask.sum())} masks"})
        model, history = lungs.train(inputs(train_set), train_set.masks[train_set.has_mask],
                                     inputs(val_set), val_set.masks[val_set.has_mask], seed=seed,
                                     on_event=on_event, cancelled=cancelled)
        if cancelled():
            raise Cancelled()
        dice = lungs.dice_by_source(model, {k: d for k, d in decoded.items() if k in ("val", "test")})
        return model, {"trained_on_masks": int(train_set.has_mask.sum()), "history": history, "dice": dice,
                       "excluded_sources": list(exclude_sources), "suppress": True}
    try:
        donor = bundles.load(lungs_from, keras=True)
    except ModelError as exc:
        raise DataError(f"the data has no lung masks to train a segmenter, and none can be reused ({exc}); "
                        f"train on data with masks, or use --ablate lungs.")
    if not donor.has_lungs:
        raise DataError(f"the data has no lung masks, and {donor.ident} has no segmenter to reuse; "
                        f"use --ablate lungs for a whole-film model.")
    on_event({"kind": "stage", "message": f"reusing the lung segmenter of {donor.ident}"})
    import keras

    segmenter = keras.models.clone_model(donor.keras_part("lungs"))
    segmenter.set_weights(donor.keras_part("lungs").get_weights())
    block = dict(donor.card["lungs"], reused_from=donor.ident)
    return segmenter, block


def _views(spec, decoded, segmenter, on_event) -> dict:
    """What the classifier is trained on: lung views (or whole films without a segmenter), made
    by the same Network code that `classify` runs."""
    from covidxray_desktop.model.network import Network

    if segmenter is None:
        return {k: d.first for k, d in decoded.items()}
    network = Network.from_keras({"input": {"size": spec["size"], "channels": spec["channels"]},
                                  "preprocessing": spec["preprocessing"], "output": spec["output"]},
                                 segmenter=segmenter)
    out = {}
    for k, d in decoded.items():
        doing = "finding the lungs in" if spec["preprocessing"] == LUNG_VIEW else "equalising"
        on_event({"kind": "stage", "message": f"{doing} the {k.replace('_', '-')} images for the classifier"})
        views = [network.views(d.first[i:i + 64])[..., 0].astype(np.float16) for i in range(0, len(d.first), 64)]
        out[k] = np.concatenate(views) if views else np.zeros((0, spec["size"], spec["size"]), np.float16)
    return out


def _check_target(out_dir, name: str, overwrite: bool) -> None:
    """Before hours of work: an earlier bundle of this name is never replaced unasked."""
    if not overwrite and bundles.taken(out_dir, name):
        raise UsageError(f"{bundles.taken(out_dir, name)} exists already; choose another --name or --out, "
                         f"or add --overwrite.")


FEW_PER_CLASS = 20  # fewer films of a class than this: the job runs, and says its figures will be rough


def _check_both_classes(parts, after_decoding=False, on_event=None):
    """Each split needs both classes: without COVID-19 films the test split scored nothing and said
    nothing (4 COVID-19 films among 44). Few films of a class are said before the work."""
    readable = " readable" if after_decoding else ""
    total = Counter(s.label for split in parts.values() for s in split)
    for k in ("train", "val", "test"):
        labels = [s.label for s in parts[k]]
        if len(set(labels)) < 2:
            raise DataError(f"the {k} split needs{readable} films of both classes; it has {sum(labels)} COVID-19 and "
                            f"{len(labels) - sum(labels)} Normal. The data hold {total[1]} COVID-19 and {total[0]} "
                            f"Normal films: at least {FEW_PER_CLASS} of each are needed for a model and its figures.")
    few = [f"{total[c]} {name}" for c, name in ((1, "COVID-19"), (0, "Normal")) if total[c] < FEW_PER_CLASS]
    if few and on_event is not None:
        on_event({"kind": "stage", "message": f"only {' and '.join(few)} films: the model and its figures will be "
                                              f"rough (fewer than {FEW_PER_CLASS} of a class)"})


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
