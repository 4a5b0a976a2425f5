"""Training the lung-field segmenter on the masks that come with the data (`masks/manifest.csv`).

Masks come from three annotators with different conventions (one includes the lung behind the
heart); the segmenter learns their common ground, which is all the classifier's crop and the
gate's shape check need. Its Dice is measured per source on masks of the val and test splits.
"""
import time

import numpy as np
from PIL import Image

from covidxray_desktop.model.lungs import build_segmenter, dice, predict, segmenter_input

EPOCHS = 30
BATCH = 16
# Passes are counted in optimizer steps as well as epochs: with a site's few dozen masks, 30
# epochs are under 100 steps and the segmenter stops at a Dice near 0.6 (0.89 after 270 steps).
MIN_STEPS = 300


def _affine(rng, size):
    angle = np.deg2rad(rng.uniform(-10, 10))
    scale = rng.uniform(0.85, 1.15)
    tx, ty = rng.uniform(-0.08, 0.08, size=2)
    return angle, scale, tx, ty


def _warp(im: Image.Image, params, size: int, resample, fill) -> Image.Image:
    angle, scale, tx, ty = params
    c, s = np.cos(angle) / scale, np.sin(angle) / scale
    cx = cy = size / 2
    matrix = (c, s, cx - c * cx - s * cy - tx * size, -s, c, cy + s * cx - c * cy - ty * size)
    return im.transform((size, size), Image.AFFINE, matrix, resample=resample, fillcolor=fill)


def augment_pair(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator):
    """The same pose change for film and mask; exposure, blur and noise for the film only."""
    params = _affine(rng, img.shape[0])
    out = np.asarray(_warp(Image.fromarray(img.astype(np.float32)), params, img.shape[0], Image.BILINEAR, 0.0))
    m = np.asarray(_warp(Image.fromarray(mask.astype(np.uint8) * 255, "L"), params, mask.shape[0],
                         Image.NEAREST, 0)) > 127
    if rng.random() < 0.5:
        out, m = out[:, ::-1], m[:, ::-1]
    out = np.clip(out, 0, 1) ** rng.uniform(0.7, 1.4)
    if rng.random() < 0.3:
        small = max(16, int(out.shape[0] * rng.uniform(0.4, 0.8)))
        im = Image.fromarray(out.astype(np.float32)).resize((small, small), Image.BILINEAR)
        out = np.asarray(im.resize(img.shape[::-1], Image.BILINEAR))
    if rng.random() < 0.3:
        out = out + rng.normal(0, rng.uniform(0.01, 0.05), out.shape)
    return np.clip(out, 0, 1).astype(np.float32), m


def _loss():
    import keras
    from keras import ops

    bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def loss(y_true, y_pred):
        p = ops.sigmoid(y_pred)
        inter = ops.sum(p * y_true, axis=(1, 2, 3))
        total = ops.sum(p, axis=(1, 2, 3)) + ops.sum(y_true, axis=(1, 2, 3))
        soft_dice = 1 - (2 * inter + 1) / (total + 1)
        return bce(y_true, y_pred) + ops.mean(soft_dice)

    return loss


def train(bases, masks, val_bases, val_masks, seed: int = 0, epochs: int = EPOCHS,
          on_event=lambda e: None, cancelled=lambda: False):
    """-> (segmenter, history). bases: first-stage films (N x BASE x BASE); masks: N x 64 x 64 bool."""
    import keras

    from covidxray_desktop.model.runtime import KerasPart

    images = np.stack([segmenter_input(np.asarray(b, np.float32)) for b in bases])
    rng = np.random.default_rng(seed)
    n = len(images)
    steps = int(np.ceil(n / BATCH))
    epochs = max(epochs, int(np.ceil(MIN_STEPS / steps)))
    model = build_segmenter()
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=max(1, epochs * steps), alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=_loss())
    history = []
    for epoch in range(epochs):
        t0, losses = time.time(), []
        order = rng.permutation(n)
        for step in range(steps):
            idx = order[step * BATCH:(step + 1) * BATCH]
            pairs = [augment_pair(images[i], masks[i], rng) for i in idx]
            x = np.stack([p[0] for p in pairs])[..., None]
            y = np.stack([p[1] for p in pairs])[..., None].astype(np.float32)
            losses.append(float(model.train_on_batch(x, y)))
            if cancelled():
                return model, history
        val_dice = mean_dice(predict(KerasPart(model).run, val_bases), val_masks) if len(val_masks) else None
        history.append({"epoch": epoch + 1, "loss": round(float(np.mean(losses)), 5),
                        "val_dice": None if val_dice is None else round(val_dice, 4),
                        "seconds": round(time.time() - t0, 2)})
        shown = "-" if val_dice is None else f"{val_dice:.3f}"
        on_event({"kind": "stage", "message": f"lung segmenter: epoch {epoch + 1}/{epochs}, val Dice {shown}"})
    return model, history


def mean_dice(pred, truth) -> float:
    return float(np.mean([dice(p, t) for p, t in zip(pred, truth)]))


def dice_by_source(model, decoded: dict) -> dict:
    """Dice on held-out masks (val and test splits), per split and source."""
    from covidxray_desktop.model.runtime import KerasPart

    out = {}
    for split, d in decoded.items():
        if d.has_mask is None or not d.has_mask.any():
            continue
        pred = predict(KerasPart(model).run, d.first[d.has_mask])
        truth = d.masks[d.has_mask]
        sources = [s.source for s, m in zip(d.samples, d.has_mask) if m]
        for source in sorted(set(sources)):
            k = [i for i, s in enumerate(sources) if s == source]
            out.setdefault(split, {})[source] = {"n": len(k), "dice": round(mean_dice(pred[k], truth[k]), 4)}
    return out
