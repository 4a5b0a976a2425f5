"""The epochs themselves: batches with augmentation, progress events, cancel, best-on-val."""
import time

import numpy as np

from covidxray_desktop.model.architectures import build, compile_for_training
from covidxray_desktop.model.calibration import log_loss, sigmoid, to_logit
from covidxray_desktop.training.augment import augment
from covidxray_desktop.training.metrics import auc


def as_input(images: np.ndarray, channels: int) -> np.ndarray:
    x = images.astype(np.float32)[..., None]
    return np.repeat(x, 3, axis=-1) if channels == 3 else x


def predict_logits(model, images, channels: int, output: str, batch: int = 64) -> np.ndarray:
    out = [np.asarray(model.predict_on_batch(as_input(images[i:i + batch], channels)))
           for i in range(0, len(images), batch)]
    return to_logit(np.concatenate(out), output) if out else np.zeros(0)


def run(arch, spec, parts, arrays, epochs, seed, on_event, cancelled):
    import keras

    from covidxray_desktop.training.job import Cancelled, source_weights

    train_images = arrays["train"][0]
    y_train = np.array([s.label for s in parts["train"]], np.float32)
    y_val = np.array([s.label for s in parts["val"]])
    weights = source_weights(parts["train"]) if arch == "default" else None

    class Batches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.rng = np.random.default_rng(seed)
            self.order = self.rng.permutation(len(train_images))

        def __len__(self):
            return int(np.ceil(len(train_images) / spec["batch"]))

        def __getitem__(self, i):
            idx = self.order[i * spec["batch"]:(i + 1) * spec["batch"]]
            imgs = train_images[idx].astype(np.float32)
            if arch == "default":
                imgs = np.stack([augment(im, self.rng) for im in imgs])
            x = as_input(imgs, spec["channels"])
            y = y_train[idx]
            if spec["output"] == "softmax":
                y = np.stack([1 - y, y], axis=1)
            else:
                y = y[:, None]
            return (x, y, weights[idx]) if weights is not None else (x, y)

        def on_epoch_end(self):
            self.order = self.rng.permutation(len(train_images))

    batches = Batches()
    steps = len(batches)
    history, best = [], {"score": None, "weights": None}

    class Watch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.t0 = epoch, time.time()

        def on_train_batch_end(self, step, logs=None):
            if cancelled():
                self.model.stop_training = True
                raise Cancelled()
            elapsed = time.time() - self.t0
            seen = min((step + 1) * spec["batch"], len(train_images))
            rate = seen / max(elapsed, 1e-9)
            left = (steps - step - 1) * elapsed / (step + 1) + (epochs - self.epoch - 1) * steps * elapsed / (step + 1)
            on_event({"kind": "batch", "epoch": self.epoch + 1, "epochs": epochs, "step": step + 1,
                      "steps": steps, "loss": float(logs.get("loss", np.nan)),
                      "accuracy": float(logs.get("accuracy", np.nan)), "images_per_s": rate, "eta_s": left})

        def on_epoch_end(self, epoch, logs=None):
            logits = predict_logits(self.model, arrays["val"][0], spec["channels"], spec["output"])
            val_auc = auc(y_val, logits) or 0.0
            val_loss = log_loss(sigmoid(logits), y_val)
            entry = {"epoch": epoch + 1, "loss": float(logs.get("loss", np.nan)),
                     "accuracy": float(logs.get("accuracy", np.nan)), "val_auc": val_auc,
                     "val_loss": val_loss, "seconds": time.time() - self.t0}
            history.append(entry)
            score = (round(val_auc, 4), -val_loss)  # best AUC; the lower loss breaks ties
            if best["score"] is None or score > best["score"]:
                best.update(score=score, weights=self.model.get_weights(), epoch=epoch + 1)
            entry["best_epoch"] = best["epoch"]
            on_event({"kind": "epoch", "epochs": epochs, **entry,
                      "eta_s": (epochs - epoch - 1) * np.mean([h["seconds"] for h in history]),
                      "images_per_s": len(train_images) / entry["seconds"]})

    model = build(arch)
    compile_for_training(model, arch, epochs, steps)
    model.fit(batches, epochs=epochs, verbose=0, callbacks=[Watch()])
    if best["weights"] is not None:
        model.set_weights(best["weights"])
    return history, model
