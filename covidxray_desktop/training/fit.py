"""The epochs themselves: batches prepared ahead, progress events, cancel, best-on-val.

A plain loop over `train_on_batch` rather than `fit`: cancel is checked between batches, and no
data adapter restarts at each epoch (which cost ~10 s per epoch). The films are decoded once per
run (cache.py) and augmented by Keras layers (augment.py) where the network runs.

A network whose early layers are frozen (the pretrained backbone) can be trained in two parts:
the frozen trunk runs once per augmented copy of each training film, before the epochs, and the
epochs train only the layers after it on those cached outputs. The frozen layers compute the same
thing in every epoch (batch norm included, in inference mode), so this is the same training with
a fixed set of COPIES augmentations per film. That is how a CPU trains it (see trunk_cached).
"""
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from covidxray_desktop import backend
from covidxray_desktop.model.architectures import build, compile_for_training
from covidxray_desktop.model.calibration import log_loss, sigmoid, to_logit
from covidxray_desktop.training.augment import augmenter
from covidxray_desktop.training.metrics import auc
from covidxray_desktop.training.session import Cancelled
from covidxray_desktop.training.trunk import Trunk


def source_weights(samples) -> np.ndarray:
    """Each class weighs half, each source within a class equally: no source or class dominates."""
    counts = Counter((s.label, s.source) for s in samples)
    per_class = Counter(s.label for s in samples)
    sources_in = {c: len({src for (lab, src) in counts if lab == c}) for c in per_class}
    w = np.array([1.0 / (len(per_class) * sources_in[s.label] * counts[(s.label, s.source)]) for s in samples])
    return (w * len(samples)).astype(np.float32)


def as_input(images: np.ndarray, channels: int) -> np.ndarray:
    x = images.astype(np.float32)
    x = x[..., None] if x.ndim == 3 else x
    return np.repeat(x, 3, axis=-1) if channels == 3 and x.shape[-1] == 1 else x


def predict_logits(model, images, channels: int, output: str) -> np.ndarray:
    """Logits of the model being trained, on cached classifier inputs (between epochs only: the
    finished model is scored through model.network like every other)."""
    batch = backend.scoring_batch()
    out = [np.asarray(model.predict_on_batch(as_input(images[i:i + batch], channels)))
           for i in range(0, len(images), batch)]
    return to_logit(np.concatenate(out), output) if out else np.zeros(0)


def averaged_weights(model, compiled=None) -> list:
    """The model's weights with the optimizer's moving averages in place of trainable ones.
    `compiled`: the model that holds the optimizer, when `model` trains inside another."""
    opt = (compiled or model).optimizer
    averages = getattr(opt, "_model_variables_moving_average", None) if getattr(opt, "use_ema", False) else None
    if not averages:
        return model.get_weights()
    by_var = {id(v): a for v, a in zip(opt._trainable_variables, averages)}
    return [np.asarray(by_var.get(id(v), v)) for v in model.weights]


COPIES = 6  # augmented copies per training film, when a frozen trunk is cached


def frozen_split(model):
    """(trunk, top) when the model's first weighted layers are frozen, else None. The top starts at
    the input of the first trainable layer that has weights; both share the model's layers."""
    import keras

    for layer in model.layers:
        if not layer.weights or not layer.trainable:
            continue
        boundary = layer.input
        if boundary is model.inputs[0] or isinstance(boundary, (list, tuple)):
            return None
        # Single tensors in and out, not lists of one: called with a bare batch, Keras on PyTorch
        # would warn about the mismatch at every call.
        return (keras.Model(model.inputs[0], boundary, name="frozen_trunk"),
                keras.Model(boundary, model.outputs[0], name="trained_top"))
    return None


def trunk_cached(spec) -> bool:
    """Whether to run a frozen trunk once per cached copy (True) or in every step (False).

    On a CPU the frozen trunk is most of a step's arithmetic: running it over COPIES copies once
    instead of over every batch of 16 epochs keeps the 2-core job under 10 minutes. On a GPU the
    whole network takes a few milliseconds a step, and the cached pass (its copies held in host
    memory and copied to the device every step) would cost more than it saves; there every
    epoch sees freshly augmented films instead of COPIES fixed ones.
    """
    return bool(spec.get("cache_frozen")) and not backend.on_gpu()


def with_augmentation(model, spec, seed: int):
    """The network behind the augmentation layer: what the steps train (its layers are the
    network's own; the augmentation is never saved with it). Inputs: (B, S, S, 1) films."""
    import keras

    films, x = _augmenting(spec, seed)
    listed = isinstance(model.input, (list, tuple))  # a bundle's classifier takes a list of one
    out = model([x] if listed else x)
    return keras.Model(films, out[0] if isinstance(out, (list, tuple)) else out, name="augmented_training")


def augmentation(spec, seed: int):
    """The augmentation layer alone, as a network: films in, augmented network inputs out."""
    import keras

    return keras.Model(*_augmenting(spec, seed), name="augmentation")


def _augmenting(spec, seed: int):
    import keras

    size = spec["size"]
    films = keras.Input((size, size, 1), name="films")
    return films, augmenter(spec.get("acquisition", False), spec["channels"], seed)(films)


def films(views) -> np.ndarray:
    """Cached views (N x S x S) -> the augmentation layer's input (N x S x S x 1, float32)."""
    x = views.astype(np.float32)
    return x[..., None] if x.ndim == 3 else x


def step_input(views, spec) -> np.ndarray:
    """Cached views -> what a training step (or the pass over the copies) is given: films for the
    augmentation layer when the recipe augments, the network's own input otherwise."""
    return films(views) if spec["augment"] else as_input(views, spec["channels"])


def prepared_ahead(pool, make, jobs, depth: int):
    """make(*job) for each job, in order, the next `depth` of them prepared in `pool` meanwhile."""
    pending = deque(pool.submit(make, *job) for job in jobs[:depth])
    for k in range(len(jobs)):
        result = pending.popleft().result()
        if k + depth < len(jobs):
            pending.append(pool.submit(make, *jobs[k + depth]))
        yield result


def in_float32(model, arch: str):
    """The same network and weights under the float32 policy: what bundles hold and CPUs run."""
    import keras

    keras.mixed_precision.set_global_policy("float32")
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model
    plain = build(arch)
    plain.set_weights(model.get_weights())
    return plain


def run(arch, spec, parts, arrays, epochs, seed, on_event, cancelled, policy: str = "float32", model=None):
    """Train; -> (history, float32 model holding the best epoch's averaged weights).

    A cancel before the first epoch ends raises Cancelled; a later one stops early, and the
    history is shorter than `epochs`.
    """
    import keras

    keras.mixed_precision.set_global_policy(policy)
    try:
        history, model = _epochs(arch, spec, parts, arrays, epochs, seed, on_event, cancelled, model)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return history, in_float32(model, arch)


def _epochs(arch, spec, parts, arrays, epochs, seed, on_event, cancelled, model=None):
    """`model`: a network to go on training (adaptation); None: a new one of `arch`."""
    images = arrays["train"][0]
    y_train = np.array([s.label for s in parts["train"]], np.float32)
    y_val = np.array([s.label for s in parts["val"]])
    weights = source_weights(parts["train"]) if spec["source_weights"] else None
    # Balanced sampling draws each epoch's images with those weights as probabilities: the few
    # COVID films come back several times per epoch, each time augmented differently.
    draw = weights / weights.sum() if weights is not None and spec.get("balanced_sampling") else None
    if draw is not None:
        weights = None
    size, n = spec["batch"], len(images)
    steps = int(np.ceil(n / size))
    rng = np.random.default_rng(seed)
    model = model or build(arch, spec)
    split = frozen_split(model) if trunk_cached(spec) else None
    trained, val_x, copies = model, as_input(arrays["val"][0], spec["channels"]), None
    if split is not None:
        trunk, trained = split
        trunk = Trunk(trunk)
        copies = cached_copies(trunk, images, spec, int(rng.integers(2**31)), on_event, cancelled)
        val_x = run_trunk(trunk, val_x)
        del trunk  # its runtime's working memory is not needed in the epochs
    # What the steps train: the cached top, or the whole network behind the augmentation layer
    # (one seed for the run: the layer's random draws follow the order of the steps).
    stepper = trained if copies is not None or not spec["augment"] else \
        with_augmentation(model, spec, int(rng.integers(2**31)))
    pick = np.zeros(n, np.intp)  # which cached copy of each film this epoch trains on
    offset = rng.permutation(n)  # each film goes through its copies in turn, from its own start

    def make_batch(idx):
        y = y_train[idx]
        y = np.stack([1 - y, y], axis=1) if spec["output"] == "softmax" else y[:, None]
        w = None if weights is None else weights[idx]
        if copies is not None:
            return copies[pick[idx], idx].astype(np.float32), y, w
        return step_input(images[idx], spec), y, w

    compile_for_training(stepper, arch, epochs, steps, spec.get("learning_rate"))
    history, best = [], {"score": None, "weights": None, "epoch": 0}
    stopped = False
    with ThreadPoolExecutor(1) as pool:  # the next batches are gathered while this one trains
        for epoch in range(epochs):
            order = rng.permutation(n) if draw is None else rng.choice(n, size=n, p=draw)
            if copies is not None:  # each copy once before any comes back
                pick[:] = (offset + epoch) % len(copies)
            batches = [(order[i * size:(i + 1) * size],) for i in range(steps)]
            t0, seen, loss_sum, correct_sum = time.time(), 0, 0.0, 0.0
            for step, (x, y, w) in enumerate(prepared_ahead(pool, make_batch, batches, 2)):
                logs = stepper.train_on_batch(x, y, sample_weight=w, return_dict=True)  # this batch's values
                if cancelled():
                    if not history:
                        raise Cancelled()
                    stopped = True  # keep the best finished epoch; this partial one is dropped
                    break
                seen += len(x)
                loss_sum += float(logs["loss"]) * len(x)
                correct_sum += float(logs.get("accuracy", np.nan)) * len(x)
                elapsed = time.time() - t0
                per_step = elapsed / (step + 1)
                on_event({"kind": "batch", "epoch": epoch + 1, "epochs": epochs, "step": step + 1, "steps": steps,
                          "loss": loss_sum / seen, "accuracy": correct_sum / seen,
                          "images_per_s": seen / max(elapsed, 1e-9),
                          "eta_s": per_step * ((steps - step - 1) + (epochs - epoch - 1) * steps)})
            if stopped:
                on_event({"kind": "stage", "message": f"cancelled in epoch {epoch + 1}: "
                                                      f"keeping epoch {best['epoch']}, the best so far"})
                break
            seconds = time.time() - t0
            raw_weights = trained.get_weights()
            candidate = averaged_weights(trained, stepper)
            trained.set_weights(candidate)
            logits = predict_logits(trained, val_x, spec["channels"], spec["output"])
            val_auc = auc(y_val, logits) or 0.0
            val_loss = log_loss(sigmoid(logits), y_val)
            entry = {"epoch": epoch + 1, "loss": loss_sum / seen, "accuracy": correct_sum / seen,
                     "val_auc": val_auc, "val_loss": val_loss, "seconds": seconds}
            history.append(entry)
            score = (round(val_auc, 4), -val_loss)  # best AUC; the lower loss breaks ties
            if best["score"] is None or score > best["score"]:
                best.update(score=score, weights=candidate, epoch=epoch + 1)
            trained.set_weights(raw_weights)  # training goes on from the raw weights
            entry["best_epoch"] = best["epoch"]
            on_event({"kind": "epoch", "epochs": epochs, **entry, "images_per_s": n / seconds,
                      "eta_s": time_left(history, epochs)})
    if best["weights"] is not None:
        trained.set_weights(best["weights"])  # the top shares the model's layers: the model has them too
    return history, model


def time_left(history: list, epochs: int) -> float:
    """Seconds until the last epoch ends, at the finished epochs' mean pace."""
    return (epochs - len(history)) * float(np.mean([h["seconds"] for h in history]))


def run_trunk(trunk: Trunk, x) -> np.ndarray:
    batch = backend.scoring_batch()
    return np.concatenate([trunk(x[i:i + batch]) for i in range(0, len(x), batch)])


def cached_copies(trunk: Trunk, images, spec, seed: int, on_event, cancelled) -> np.ndarray:
    """COPIES augmented versions of every training film, through the frozen trunk:
    (COPIES, n, ...) float16. The augmentation layer runs chunk after chunk in order, so the
    copies follow from `seed` alone; the trunk runs where it is fastest (training/trunk.py)."""
    n, chunk = len(images), 64
    copies = COPIES if spec["augment"] else 1
    augmented = augmentation(spec, seed) if spec["augment"] else None
    jobs = [(c, lo) for c in range(copies) for lo in range(0, n, chunk)]
    out, t0 = None, time.time()
    for k, (c, lo) in enumerate(jobs):
        x = step_input(images[lo:lo + chunk], spec)
        y = trunk(x if augmented is None else augmented.predict_on_batch(x))
        if out is None:
            out = np.zeros((copies, n) + y.shape[1:], np.float16)
        out[c, lo:lo + len(y)] = y
        if cancelled():
            raise Cancelled()
        done = k + 1
        on_event({"kind": "stage", "message": f"running the frozen layers on {copies} augmented copies of the "
                                              f"training films: {done}/{len(jobs)}",
                  "done": done, "total": len(jobs),
                  "eta_s": (time.time() - t0) / done * (len(jobs) - done)})
    return out
