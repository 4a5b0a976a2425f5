"""Lung fields: the small segmenter, and what the app makes of its mask.

The segmenter sees the equalised film at LUNG_SIZE px and says, per pixel of a coarser grid,
whether it is lung. From that mask come: the lung-view classifier's input (the lungs' box, a margin,
everything outside the dilated lungs dimmed), the heat map's footprint, and the shape checks
of the out-of-distribution gate ("two plausible lung fields").
"""
import numpy as np
from PIL import Image, ImageFilter

from covidxray_desktop.imaging.preprocess import equalise, resize

LUNG_SIZE = 128  # segmenter input (px); its mask comes out at half that
LUNG_LOGIT = "lung_logit"
MARGIN = 0.08  # of the box's side, added around the lungs' box on every side
OUTSIDE = 0.15  # what is left of the picture outside the (dilated) lungs: a dim context, no text


def build_segmenter():
    """A compact U-Net: 128 px in, 64 x 64 lung logits out; keras only.

    Two convolutions per level on the way down, one on the way up: the mask only has to be
    good enough for a box, a soft suppression and a shape check, and it runs on every film."""
    import keras
    from keras import layers

    def conv(x, filters, strides=1):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input((LUNG_SIZE, LUNG_SIZE, 1), name="film")
    x = conv(conv(inputs, 16, strides=2), 24)  # 64
    skips = [x]
    for filters in (48, 96):  # 32, 16
        x = layers.MaxPooling2D()(x)
        x = conv(conv(x, filters), filters)
        skips.append(x)
    x = layers.MaxPooling2D()(x)
    x = conv(conv(x, 128), 128)  # 8
    for filters, skip in zip((64, 32, 16), reversed(skips)):
        x = layers.UpSampling2D(interpolation="bilinear")(x)
        x = conv(layers.Concatenate()([x, skip]), filters)
    out = layers.Conv2D(1, 1, dtype="float32", name=LUNG_LOGIT)(x)
    return keras.Model(inputs, out, name="covidxray_lungs")


def segmenter_input(base: np.ndarray) -> np.ndarray:
    """The segmenter's view of a border-cropped film (any square size): equalised, LUNG_SIZE px."""
    return equalise(resize(base, LUNG_SIZE))


def predict(run, bases) -> np.ndarray:
    """First-stage films (N x BASE x BASE) -> boolean lung masks (N x 64 x 64), with `run` the
    segmenter (Keras or the light runtime: x -> [logits])."""
    x = np.stack([segmenter_input(np.asarray(b, np.float32)) for b in bases])[..., None]
    return np.stack([binary(z[..., 0]) for z in run(x)[0]])


def binary(logits: np.ndarray) -> np.ndarray:
    """Logits (h x w) -> a boolean lung mask."""
    return np.asarray(logits).reshape(logits.shape[0], logits.shape[1]) > 0


def box(mask: np.ndarray, margin: float = MARGIN) -> tuple[float, float, float, float]:
    """(top, bottom, left, right) of the lungs as fractions of the film, widened by `margin`.

    Without a usable mask the whole film is the box: the classifier then sees what it saw before
    lungs were segmented, and the gate, not the crop, deals with such films.
    """
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    if mask.sum() < 0.02 * h * w or len(rows) < 4 or len(cols) < 4:
        return 0.0, 1.0, 0.0, 1.0
    top, bottom, left, right = rows[0] / h, (rows[-1] + 1) / h, cols[0] / w, (cols[-1] + 1) / w
    mh, mw = (bottom - top) * margin, (right - left) * margin
    return max(0.0, top - mh), min(1.0, bottom + mh), max(0.0, left - mw), min(1.0, right + mw)


def soft_mask(mask: np.ndarray, size: int, frame=(0.0, 1.0, 0.0, 1.0), grow: float = 0.04) -> np.ndarray:
    """The lung mask within `frame`, at size x size, dilated by `grow` of the side and feathered."""
    h, w = mask.shape
    top, bottom, left, right = frame
    im = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    crop = im.crop((round(left * w), round(top * h), max(round(right * w), round(left * w) + 1),
                    max(round(bottom * h), round(top * h) + 1)))
    big = np.asarray(crop.resize((size, size), Image.BILINEAR))
    radius = max(1, round(grow * size))
    grown = Image.fromarray(dilate(big, 2 * (radius // 2) + 1), "L").filter(ImageFilter.GaussianBlur(radius / 2))
    return np.asarray(grown, np.float32) / 255.0


def dilate(a: np.ndarray, k: int) -> np.ndarray:
    """Grey dilation with a k x k square, edges repeated: Pillow's MaxFilter(k), exactly, in a
    hundredth of its time (two passes of running maxima instead of a rank filter)."""
    r = k // 2
    padded = np.pad(a, r, mode="edge")
    h, w = a.shape
    rows = padded[:, 0:w].copy()
    for d in range(1, k):
        np.maximum(rows, padded[:, d:d + w], out=rows)
    out = rows[0:h].copy()
    for d in range(1, k):
        np.maximum(out, rows[d:d + h], out=out)
    return out


def classifier_view(base: np.ndarray, mask: np.ndarray | None, size: int, suppress: bool = True) -> np.ndarray:
    """What the classifier sees: the lungs' box of the border-cropped film, equalised, at size px,
    with what lies outside the dilated lungs dimmed to OUTSIDE (markers, text, shoulders, borders).

    `mask` None: the whole square film, as a whole-film model sees it (with or without a segmenter).
    """
    if mask is None:
        return equalise(resize(base, size))
    frame = box(mask)
    h, w = base.shape
    top, bottom, left, right = frame
    crop = base[int(top * h):max(int(bottom * h), int(top * h) + 2), int(left * w):max(int(right * w), int(left * w) + 2)]
    view = equalise(resize(crop, size))
    if suppress:
        weight = soft_mask(mask, size, frame)
        view = view * (OUTSIDE + (1 - OUTSIDE) * weight)
    return view.astype(np.float32)


def shape(mask: np.ndarray) -> dict:
    """Shape facts of a lung mask, for the gate: is it two lung fields side by side?

    The film is split at the emptiest column of its middle third (the mediastinum); each half's
    lung area and height are measured as fractions of the film. `gap`: how much lung that
    emptiest column still holds, over the fullest column: ~0 between two lungs, high across
    the single lung field of a lateral view.
    """
    h, w = mask.shape
    m = mask.astype(bool)
    cols = m.sum(axis=0)
    third = slice(w // 3, w - w // 3)
    split = w // 3 + int(np.argmin(cols[third]))
    out = {"area": float(m.mean()), "gap": float(cols[split] / max(cols.max(), 1))}
    for side, part in (("left", m[:, :split]), ("right", m[:, split:])):
        rows = np.flatnonzero(part.any(axis=1))
        out[f"{side}_area"] = float(part.sum() / (h * w))
        out[f"{side}_height"] = float((rows[-1] + 1 - rows[0]) / h) if len(rows) else 0.0
    left_area, right_area = out["left_area"], out["right_area"]
    out["balance"] = float(min(left_area, right_area) / max(left_area, right_area, 1e-9))
    out["split"] = split / w
    return out


def dice(pred: np.ndarray, truth: np.ndarray) -> float:
    pred, truth = pred.astype(bool), truth.astype(bool)
    total = pred.sum() + truth.sum()
    return 1.0 if total == 0 else float(2 * (pred & truth).sum() / total)
