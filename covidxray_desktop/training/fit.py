"""The epochs themselves: augmented batches prepared ahead, progress events, cancel, best-on-val.

A plain loop over `train_on_batch` rather than `fit`: the next batches are augmented in threads
while the current one trains (on a GPU the step is faster than one core can augment), cancel is
checked between batches, and no data adapter restarts at each epoch (which cost ~10 s per epoch).

A network whose early layers are frozen (the pretrained backbone) is trained in two parts: the
frozen trunk runs once per augmented copy of each training film, before the epochs, and the
epochs train only the layers after it on those cached outputs. The frozen layers compute the same
thing in every epoch (batch norm included, in inference mode), so this is the same training with
a fixed set of COPIES augmentations per film, several times faster.
"""
import os
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numpy as np

from covidxray_desktop.model.architectures import build, compile_for_training
from covidxray_desktop.model.calibration import log_loss, sigmoid, to_logit
from covidxray_desktop.training.augment import augment
from covidxray_desktop.training.metrics import auc
from covidxray_desktop.training.session import Cancelled


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


def predict_logits(model, images, channels: int, output: str, batch: int = 64) -> np.ndarray:
    """Logits of the model being trained, on cached classifier inputs (between epochs only: the
    finished model is scored through model.network like every other)."""
    out = [np.asarray(model.predict_on_batch(as_input(images[i:i + batch], channels)))
           for i in range(0, len(images), batch)]
    return to_logit(np.concatenate(out), output) if out else np.zeros(0)


def averaged_weights(model) -> list:
    """The model's weights with the optimizer's moving averages in place of trainable ones."""
    opt = model.optimizer
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
        return keras.Model(model.inputs, boundary, name="frozen_trunk"), keras.Model(boundary, model.outputs,
                                                                                     name="trained_top")
    return None


def training_input(views, spec, rngs) -> np.ndarray:
    """Cached views -> the network's input, augmented as the recipe says (view i with rngs[i])."""
    imgs = views.astype(np.float32)
    imgs = imgs[..., 0] if imgs.ndim == 4 else imgs
    if spec["augment"]:
        imgs = np.stack([augment(im, r, spec.get("acquisition", False)) for im, r in zip(imgs, rngs)])
    return as_input(imgs, spec["channels"])


def prepared_ahead(pool, make, jobs, depth: int):
    """make(*job) for each job, in order, the next `depth` of them prepared in `pool` meanwhile."""
    pending = deque(pool.submit(make, *job) for job in jobs[:depth])
    for k in range(len(jobs)):
        result = pending.popleft().result()
        if k + depth < len(jobs):
            pending.append(pool.submit(make, *jobs[k + depth]))
        yield result


def prep_workers() -> int:
    """Threads that augment ahead: half the cores (the other half feed the backend), 1 to 8."""
    return max(1, min(8, (os.cpu_count() or 2) // 2))


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
    split = frozen_split(model) if spec.get("cache_frozen") else None
    trained, val_x, copies = model, as_input(arrays["val"][0], spec["channels"]), None
    if split is not None:
        trunk, trained = split
        copies = cached_copies(trunk, images, spec, rng, on_event, cancelled)
        val_x = run_trunk(trunk, val_x)
    pick = np.zeros(n, np.intp)  # which cached copy of each film this epoch trains on
    offset = rng.permutation(n)  # each film goes through its copies in turn, from its own start

    def make_batch(idx, batch_rng):
        y = y_train[idx]
        y = np.stack([1 - y, y], axis=1) if spec["output"] == "softmax" else y[:, None]
        w = None if weights is None else weights[idx]
        if copies is not None:
            return copies[pick[idx], idx].astype(np.float32), y, w
        return training_input(images[idx], spec, repeat(batch_rng)), y, w

    compile_for_training(trained, arch, epochs, steps, spec.get("learning_rate"))
    history, best = [], {"score": None, "weights": None, "epoch": 0}
    workers = prep_workers()
    stopped = False
    with ThreadPoolExecutor(workers) as pool:
        for epoch in range(epochs):
            order = rng.permutation(n) if draw is None else rng.choice(n, size=n, p=draw)
            if copies is not None:  # each copy once before any comes back
                pick[:] = (offset + epoch) % len(copies)
            seeds = rng.integers(0, 2**31, steps)
            batches = [order[i * size:(i + 1) * size] for i in range(steps)]
            t0, seen, loss_sum, correct_sum = time.time(), 0, 0.0, 0.0
            # Each batch has its own seed, so the result does not depend on the number of threads.
            jobs = [(batches[i], np.random.default_rng(seeds[i])) for i in range(steps)]
            for step, (x, y, w) in enumerate(prepared_ahead(pool, make_batch, jobs, workers + 1)):
                logs = trained.train_on_batch(x, y, sample_weight=w, return_dict=True)  # this batch's values
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
            candidate = averaged_weights(trained)
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
                      "eta_s": (epochs - epoch - 1) * float(np.mean([h["seconds"] for h in history]))})
    if best["weights"] is not None:
        trained.set_weights(best["weights"])  # the top shares the model's layers: the model has them too
    return history, model


def run_trunk(trunk, x, batch: int = 64) -> np.ndarray:
    out = [np.asarray(trunk.predict_on_batch(x[i:i + batch])).astype(np.float16) for i in range(0, len(x), batch)]
    return np.concatenate(out)


def cached_copies(trunk, images, spec, rng, on_event, cancelled) -> np.ndarray:
    """COPIES augmented versions of every training film, through the frozen trunk:
    (COPIES, n, ...) float16. Augmented in threads while the trunk runs; one seed per film and
    copy, so the copies do not depend on the number of threads."""
    n, chunk = len(images), 64
    copies = COPIES if spec["augment"] else 1
    seeds = rng.integers(0, 2**31, (copies, n))

    def augmented(c, lo):
        return training_input(images[lo:lo + chunk], spec, [np.random.default_rng(s) for s in seeds[c, lo:lo + chunk]])

    jobs = [(c, lo) for c in range(copies) for lo in range(0, n, chunk)]
    out, t0 = None, time.time()
    with ThreadPoolExecutor(prep_workers()) as pool:
        for k, x in enumerate(prepared_ahead(pool, augmented, jobs, prep_workers() + 1)):
            c, lo = jobs[k]
            y = np.asarray(trunk.predict_on_batch(x)).astype(np.float16)
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
