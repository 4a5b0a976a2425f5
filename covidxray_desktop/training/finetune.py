"""Fine-tuning the top of the backbone on a site's films without forgetting the training sources.

What trains is what the shipped recipe trains: blocks 14-15, the head's convolution and the
logit (batch norm statistics stay as they are: a few dozen films cannot estimate them). The
frozen blocks run once per augmented copy of each site film (as fit.py caches them); each batch
is half site films, half films of the rehearsal store (training sources, as the frozen blocks saw
them), so the sources keep being seen; and an L2 pull towards the starting weights (L2-SP) keeps
the network near what learnt those sources from thousands of films.
"""
import time

import numpy as np

from covidxray_desktop.training import rehearsal
from covidxray_desktop.training.session import Cancelled

LEARNING_RATE = 3e-4
L2SP = 1e-2  # the pull towards the starting weights, per squared unit of change
HALF_BATCH = 16  # site films per batch; as many rehearsal films beside them


def trained_layers(model) -> list:
    """The layers adaptation trains: blocks from rehearsal.TRAINABLE_FROM on, the head, the logit;
    never batch norm."""
    from covidxray_desktop.model.efficientnet import _block_of

    picked = []
    for layer in model.layers:
        block = _block_of(layer.name)
        trained = layer.name == "logit" or (block is not None and block >= rehearsal.TRAINABLE_FROM)
        if trained and layer.weights and "BatchNormalization" not in type(layer).__name__:
            picked.append(layer)
    return picked


class PullTowards:
    """L2-SP: strength * sum((w - w0)^2), w0 the weights before adaptation."""

    def __init__(self, start, strength: float):
        self.start, self.strength = start, strength

    def __call__(self, w):
        from keras import ops

        return self.strength * ops.sum(ops.square(w - self.start))


def class_weights(y) -> np.ndarray:
    """Each class weighs half of a batch's loss, whatever the site's mix."""
    y = np.asarray(y, int)
    counts = np.bincount(y, minlength=2).astype(np.float64)
    return (len(y) / (2 * np.maximum(counts[y], 1))).astype(np.float32)


def tune(classifier, copies, y, store, epochs: int, seed: int, on_event=lambda e: None, cancelled=lambda: False):
    """-> (history, a copy of `classifier` with its top fine-tuned). `copies`: (C, n, ...) trunk
    outputs of the site films' augmented copies; `y`: their labels; `store`: the rehearsal arrays."""
    import keras

    from covidxray_desktop import backend
    from covidxray_desktop.model.architectures import compile_for_training
    from covidxray_desktop.training.fit import averaged_weights, time_left

    backend.make_deterministic(seed)
    model = keras.models.clone_model(classifier)
    model.set_weights(classifier.get_weights())
    trained = {id(layer) for layer in trained_layers(model)}
    for layer in model.layers:
        layer.trainable = id(layer) in trained
    top = keras.Model(rehearsal.boundary(model), model.outputs[0], name="adapted_top")
    for v in top.trainable_weights:
        v.regularizer = PullTowards(keras.ops.convert_to_tensor(np.asarray(v)), L2SP)
    rng = np.random.default_rng(seed)
    n, y = copies.shape[1], np.asarray(y, np.float32)
    w_site = class_weights(y)
    stored_y = store["labels"].astype(np.float32)
    w_store = class_weights(stored_y)
    steps = int(np.ceil(n / HALF_BATCH))
    compile_for_training(top, "efficientnet", epochs, steps, LEARNING_RATE)
    offset, history = rng.permutation(n), []
    for epoch in range(epochs):
        t0, loss_sum, right, seen = time.time(), 0.0, 0.0, 0
        order = rng.permutation(n)
        for step in range(steps):
            idx = order[step * HALF_BATCH:(step + 1) * HALF_BATCH]
            old = rng.choice(len(stored_y), len(idx), replace=len(stored_y) < len(idx))
            x = np.concatenate([copies[(offset[idx] + epoch) % len(copies), idx], store["trunk"][old]])
            logs = top.train_on_batch(x.astype(np.float32), np.concatenate([y[idx], stored_y[old]])[:, None],
                                      sample_weight=np.concatenate([w_site[idx], w_store[old]]), return_dict=True)
            if cancelled():
                raise Cancelled()
            loss_sum += float(logs["loss"]) * len(x)
            right += float(logs.get("accuracy", np.nan)) * len(x)
            seen += len(x)
        seconds = time.time() - t0
        history.append({"epoch": epoch + 1, "loss": loss_sum / seen, "accuracy": right / seen,
                        "seconds": round(seconds, 2)})
        # The same event as training's epochs, so the dialog draws its curves; no validation
        # split here (the check part is scored once, at the end), hence no val_auc.
        on_event({"kind": "epoch", "epochs": epochs, **history[-1], "val_auc": None, "best_epoch": epoch + 1,
                  "images_per_s": seen / max(seconds, 1e-9),
                  "eta_s": time_left(history, epochs)})
    top.set_weights(averaged_weights(top))  # the top shares the model's layers: the model has them too
    for v in top.trainable_weights:
        v.regularizer = None
    for layer, base in zip(model.layers, classifier.layers):
        layer.trainable = base.trainable
    return history, model


def scores(model, outputs, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(logits, pooled features) of trunk outputs through `model`'s top."""
    net = rehearsal.top(model)
    logits, pooled = [], []
    for i in range(0, len(outputs), batch):
        features, logit = net.predict_on_batch(np.asarray(outputs[i:i + batch], np.float32))
        pooled.append(np.asarray(features, np.float32).mean(axis=(1, 2)))
        logits.append(np.asarray(logit, np.float32).reshape(-1))
    if not logits:
        return np.zeros(0, np.float32), np.zeros((0, 0), np.float32)
    return np.concatenate(logits), np.concatenate(pooled)
