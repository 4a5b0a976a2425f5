"""Augmentation that fights shortcuts: pose, exposure, and how a film was acquired and passed on.

Every source here holds one class, so whatever marks a source (sharpness, noise, compression,
resolution, burnt-in letters, the arrows and boxes of publication figures) would otherwise be
learnt as disease. Each of those is randomised here, for both classes alike.

Written in keras.ops on whole batches: inside the training step on a GPU (the step never waits
for the processor), or on a CPU once per cached copy, as a network of its own ahead of the
frozen blocks (fit.py). Random draws come from a keras SeedGenerator: the same seed gives the
same films.
"""
import numpy as np

BLUR_SIGMAS = (0.7, 1.4)  # a batch's blur is one of these (Gaussian sigma, pixels); sharpening subtracts it
COARSE = (0.4, 0.55, 0.75)  # a coarser detector: down to this share of the size and back up
STAMPS = 256  # drawn marks prepared per run, one of them (or its mirror image) per annotated film


def augment_batch(x, seed, acquisition: bool = True, marks=None):
    """(B, S, S, 1) float32 films in [0, 1] -> plausible variants of the same films.

    `seed`: a keras.random.SeedGenerator; `marks`: stamps() of this size (needed with
    acquisition). acquisition=False keeps the older, milder recipe (pose, exposure, noise,
    erased corners).
    """
    from keras import ops, random

    size = int(x.shape[1])
    b = ops.shape(x)[0]

    def uniform(lo, hi, *shape):
        return random.uniform((b,) + shape, lo, hi, seed=seed)

    def happens(p):  # (B, 1, 1, 1): 1.0 where this sample gets the transform
        return ops.reshape(ops.cast(uniform(0.0, 1.0) < p, "float32"), (-1, 1, 1, 1))

    out = _pose(x, uniform, size)
    coarse = happens(0.4 if acquisition else 0.25)
    out = out + coarse * (_coarser(out, seed, size) - out)
    out = ops.clip(out, 0.0, 1.0)
    out = ops.power(ops.maximum(out, 1e-6), ops.reshape(uniform(0.7, 1.4), (-1, 1, 1, 1)))  # exposure
    contrast, shift = ops.reshape(uniform(0.8, 1.2), (-1, 1, 1, 1)), ops.reshape(uniform(-0.07, 0.07), (-1, 1, 1, 1))
    out = (out - 0.5) * contrast + 0.5 + shift
    if acquisition:
        # One blur per batch (its width drawn per batch): blurring and sharpening both start from it.
        blurred = _per_batch(seed, [lambda x, sigma=sigma: _blur(x, sigma) for sigma in BLUR_SIGMAS], out)
        amount = ops.reshape(uniform(0.5, 1.5), (-1, 1, 1, 1))
        sharpened = out + amount * (out - blurred)
        out = out + happens(0.2) * (blurred - out)
        out = out + happens(0.2) * (sharpened - out)
    noise = random.normal(ops.shape(out), seed=seed) * ops.reshape(uniform(0.01, 0.04), (-1, 1, 1, 1))
    out = out + happens(0.3) * noise
    if acquisition:
        out = _annotate(out, happens(0.3), uniform, marks)
    out = _erase_corner(out, happens(0.35), uniform, size)
    out = ops.clip(out, 0.0, 1.0)
    if acquisition and size % 8 == 0:
        out = out + happens(0.3) * (_jpeg(out, uniform(20.0, 85.0)) - out)
    return ops.cast(out, "float32")


def augmenter(acquisition: bool, channels: int, seed: int):
    """A Keras layer that augments each batch it sees (it is only ever put in front of a network
    for training, never saved with it) and gives the network its channels."""
    import keras

    class Augment(keras.layers.Layer):
        def __init__(self):
            super().__init__(name="augment", dtype="float32")
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.marks = None

        def build(self, shape):
            if acquisition:  # a variable, not a constant: kept on the device, out of the compiled graph
                drawn = stamps(int(shape[1]), seed)
                self.marks = self.add_weight(shape=drawn.shape, dtype="float16", trainable=False, name="marks",
                                             initializer=lambda shape, dtype=None: keras.ops.convert_to_tensor(drawn, "float16"))

        def call(self, x):
            y = augment_batch(x, self.seed_generator, acquisition, self.marks)
            return keras.ops.repeat(y, channels, axis=-1) if channels == 3 else y

        def compute_output_shape(self, shape):
            return tuple(shape[:-1]) + (channels,)

    return Augment()


def _pose(x, uniform, size: int):
    """Rotate (±8°), scale (0.92-1.1) and shift (±5 %) about the centre, black outside."""
    import keras
    from keras import ops

    angle = uniform(-8.0, 8.0) * (np.pi / 180)
    scale = uniform(0.92, 1.1)
    tx, ty = uniform(-0.05, 0.05) * size, uniform(-0.05, 0.05) * size
    c, s = ops.cos(angle) / scale, ops.sin(angle) / scale
    centre = size / 2
    # Output -> input coordinates, as the affine transform reads them.
    a2, b2 = centre - c * centre - s * centre - tx, centre + s * centre - c * centre - ty
    if keras.backend.backend() != "torch":
        zero = ops.zeros_like(c)
        transform = ops.stack([c, s, a2, -s, c, b2, zero, zero], axis=1)
        return ops.image.affine_transform(x, transform, interpolation="bilinear", fill_mode="constant",
                                          fill_value=0.0, data_format="channels_last")
    return _bilinear(x, size, c, s, a2, b2)


def _bilinear(x, size: int, c, s, a2, b2):
    """The same transform written out as gathers: Keras's affine_transform under PyTorch loops in
    Python and takes ~40 s a batch on a CPU."""
    from keras import ops

    column = lambda v: ops.reshape(v, (-1, 1))  # noqa: E731
    steps = ops.convert_to_tensor(np.arange(size, dtype=np.float32))
    gx = ops.reshape(ops.tile(steps[None, :], (size, 1)), (1, -1))  # (1, S*S), row by row
    gy = ops.reshape(ops.tile(steps[:, None], (1, size)), (1, -1))
    src_x = column(c) * gx + column(s) * gy + column(a2)
    src_y = column(-s) * gx + column(c) * gy + column(b2)
    flat = ops.reshape(x, (-1,))  # one plain gather from all the films
    first = ops.reshape(ops.arange(ops.shape(x)[0], dtype="int32") * (size * size), (-1, 1))
    x0, y0 = ops.floor(src_x), ops.floor(src_y)
    fx, fy = src_x - x0, src_y - y0
    out = ops.zeros_like(src_x)
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        px, py = x0 + dx, y0 + dy
        inside = ops.cast(ops.logical_and(ops.logical_and(px >= 0, px <= size - 1),
                                          ops.logical_and(py >= 0, py <= size - 1)), "float32")
        index = ops.cast(ops.clip(py, 0, size - 1) * size + ops.clip(px, 0, size - 1), "int32") + first
        out = out + w * inside * ops.take(flat, index)
    return ops.reshape(out, (-1, size, size, 1))


def _per_batch(seed, branches, x):
    """One of `branches` applied to the whole batch, drawn per batch: a third of the arithmetic of
    computing each for every film and picking per film (what a CPU's cached copies pay for)."""
    from keras import ops, random

    k = ops.cast(ops.floor(random.uniform((), 0.0, len(branches) - 1e-3, seed=seed)), "int32")
    return ops.switch(k, branches, x)


def _coarser(x, seed, size: int):
    """A coarser detector or a shrunk copy: down to a share of the size (drawn per batch) and back."""
    from keras import ops

    def through(y, share):
        small = max(8, int(size * share))
        down = ops.image.resize(y, (small, small), interpolation="bilinear", antialias=True)
        return ops.image.resize(down, (size, size), interpolation="bilinear")

    return _per_batch(seed, [lambda y, share=share: through(y, share) for share in COARSE], x)


def _gaussian(sigma: float) -> np.ndarray:
    r = max(1, int(np.ceil(3 * sigma)))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def _blur(x, sigma: float):
    """Separable Gaussian blur, edges repeated."""
    from keras import ops

    k = _gaussian(sigma)
    r = len(k) // 2
    padded = _edge_pad(x, r)
    out = ops.conv(padded, ops.convert_to_tensor(k.reshape(-1, 1, 1, 1)), padding="valid")
    return ops.conv(out, ops.convert_to_tensor(k.reshape(1, -1, 1, 1)), padding="valid")


def _edge_pad(x, r: int):
    from keras import ops

    rows = ops.concatenate([ops.repeat(x[:, :1], r, axis=1), x, ops.repeat(x[:, -1:], r, axis=1)], axis=1)
    return ops.concatenate([ops.repeat(rows[:, :, :1], r, axis=2), rows, ops.repeat(rows[:, :, -1:], r, axis=2)],
                           axis=2)


def stamps(size: int, seed: int, count: int = STAMPS) -> np.ndarray:
    """`count` films' worth of what publications and viewers burn in, drawn once per run:
    (count, S, S) float16, 0 where nothing is drawn, 1 white, -1 black. Each holds one to three
    marks: letters, an arrow, a box or a circle, one to three pixels wide."""
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    out = np.zeros((count, size, size), np.float16)
    for k in range(count):
        im = Image.new("L", (size, size), 0)
        d = ImageDraw.Draw(im)
        shade = 255 if rng.random() < 0.7 else 128
        width = int(rng.integers(1, 4))
        for _ in range(int(rng.integers(1, 4))):
            x, y = rng.uniform(0.05, 0.95, size=2) * size
            kind = rng.integers(0, 4)
            if kind == 0:
                font = ImageFont.load_default(size=int(rng.integers(8, 22)))
                text = "".join(rng.choice(list("ABCDLRPA0123456789"), size=int(rng.integers(1, 4))))
                d.text((x, y), text, fill=shade, font=font)
            elif kind == 1:  # an arrow pointing somewhere
                dx, dy = rng.uniform(-0.15, 0.15, size=2) * size
                d.line((x, y, x + dx, y + dy), fill=shade, width=width)
                d.polygon([(x, y), (x + dx * 0.3 - dy * 0.15, y + dy * 0.3 + dx * 0.15),
                           (x + dx * 0.3 + dy * 0.15, y + dy * 0.3 - dx * 0.15)], fill=shade)
            elif kind == 2:
                w, h = rng.uniform(0.05, 0.3, size=2) * size
                d.rectangle((x, y, x + w, y + h), outline=shade, width=width)
            else:
                r = rng.uniform(0.03, 0.12) * size
                d.ellipse((x - r, y - r, x + r, y + r), outline=shade, width=width)
        a = np.asarray(im)
        out[k] = np.where(a > 191, 1, np.where(a > 64, -1, 0))
    return out


def _annotate(out, on, uniform, marks):
    """Burn one film's worth of drawn marks (a random one of `marks`, perhaps mirrored) in."""
    from keras import ops

    pick = ops.cast(ops.floor(uniform(0.0, int(marks.shape[0]) - 1e-3)), "int32")
    mark = ops.cast(ops.take(marks, pick, axis=0), "float32")[..., None]  # (B, S, S, 1)
    mirrored = ops.reshape(uniform(0.0, 1.0) < 0.5, (-1, 1, 1, 1))
    mark = ops.where(mirrored, ops.flip(mark, axis=2), mark)
    drawn = ops.abs(mark)
    white = ops.cast(mark > 0, "float32")
    return out + on * drawn * (white - out)


def _erase_corner(out, on, uniform, size: int):
    """Blank a box in a random corner, where side markers and text usually sit."""
    from keras import ops

    centres = np.arange(size, dtype=np.float32) + 0.5
    xs = ops.convert_to_tensor(centres.reshape(1, 1, -1, 1))
    ys = ops.convert_to_tensor(centres.reshape(1, -1, 1, 1))

    def one(lo, hi):
        return ops.reshape(uniform(lo, hi), (-1, 1, 1, 1))

    h, w = one(0.08, 0.25) * size, one(0.08, 0.25) * size
    top, left = one(0.0, 1.0) < 0.5, one(0.0, 1.0) < 0.5
    rows = ops.where(top, ys < h, ys >= size - h)
    cols = ops.where(left, xs < w, xs >= size - w)
    box = ops.cast(ops.logical_and(rows, cols), "float32")
    return out + on * box * (one(0.0, 1.0) - out)


# The JPEG standard's luminance quantisation table (ITU T.81, Annex K).
_LUMA = np.array([16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
                  14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
                  49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], np.float32).reshape(8, 8)


def _dct_matrix() -> np.ndarray:
    k, n = np.mgrid[0:8, 0:8]
    d = np.cos((2 * n + 1) * k * np.pi / 16) * np.sqrt(2 / 8)
    d[0] /= np.sqrt(2)
    return d.astype(np.float32)


def _jpeg(x, quality):
    """What a JPEG copy at this quality (per film, 20-85) does to a grey film: 8 x 8 blocks,
    their cosine coefficients rounded to the standard table scaled as libjpeg scales it."""
    from keras import ops

    size = int(x.shape[1])
    n = size // 8
    scale = ops.where(quality < 50, 5000.0 / quality, 200.0 - 2.0 * quality)
    luma = ops.convert_to_tensor(_LUMA)[None]
    table = ops.clip(ops.floor((luma * ops.reshape(scale, (-1, 1, 1)) + 50.0) / 100.0), 1.0, 255.0)
    table = ops.reshape(table, (-1, 1, 1, 8, 8))
    blocks = ops.transpose(ops.reshape(ops.round(x * 255.0) - 128.0, (-1, n, 8, n, 8)), (0, 1, 3, 2, 4))
    d = ops.convert_to_tensor(_dct_matrix())
    coef = ops.einsum("ij,bmnjk,lk->bmnil", d, blocks, d)
    coef = ops.round(coef / table) * table
    back = ops.einsum("ji,bmnjk,kl->bmnil", d, coef, d)
    back = ops.reshape(ops.transpose(back, (0, 1, 3, 2, 4)), (-1, size, size, 1))
    return ops.clip((back + 128.0) / 255.0, 0.0, 1.0)
