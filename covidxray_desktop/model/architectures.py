"""The networks: ours ('default'), an ImageNet-pretrained EfficientNet-Lite0 ('efficientnet'), and
the 2020 article's ('article'), reproduced exactly."""
from covidxray_desktop.imaging.preprocess import ARTICLE, FILM_LUNGS, GRAY_EQ, LUNG_VIEW

# name -> input size, channels, preprocessing id, output kind, batch size, training recipe
SPECS = {
    "default": {"size": 160, "channels": 1, "preprocessing": LUNG_VIEW, "output": "logit", "batch": 32,
                "augment": True, "acquisition": True, "source_weights": True, "balanced_sampling": False},
    # The pretrained backbone on the whole film at its ImageNet size (224 px: 160 px lost 0.02 of
    # validation AUC), the lung segmenter kept for the gate and the heat maps: left out of training,
    # every source was ranked better than through the lungs' view (README, "Ideas compared"). The
    # blocks before the last two stay frozen (model/efficientnet.py), so their outputs are cached
    # once per augmented copy of each film (cache_frozen) and a lower learning rate fine-tunes the
    # last two blocks and the head.
    "efficientnet": {"size": 224, "channels": 1, "preprocessing": FILM_LUNGS, "output": "logit", "batch": 32,
                     "augment": True, "acquisition": True, "source_weights": True, "balanced_sampling": False,
                     "learning_rate": 3e-4, "cache_frozen": True, "trainable_from": 14},
    "article": {"size": 224, "channels": 3, "preprocessing": ARTICLE, "output": "softmax", "batch": 128,
                "augment": False, "source_weights": False},  # as the article ran it
}
# Parts of our recipe that `train --ablate` can switch off, to measure what each one buys.
# lungs: no segmenter, so the gate loses its lung-field checks and the heat map its outline; the
# classifier sees the whole film (border-cropped, equalised), which the efficientnet recipe does anyway.
ABLATIONS = {"lungs": {"preprocessing": GRAY_EQ}, "augment": {"augment": False},
             "acquisition": {"acquisition": False}, "source-weights": {"source_weights": False}}
# Variants that `train --variant` can switch on, for experiments beside the shipped recipe.
VARIANTS = {"balanced-sampling": {"balanced_sampling": True},
            # the classifier sees the whole film; the segmenter still serves the gate and heat maps
            "whole-film": {"preprocessing": FILM_LUNGS},
            # the classifier sees the lungs' box only (the previous shipped recipe)
            "lung-view": {"preprocessing": LUNG_VIEW},
            # the pretrained backbone's last five blocks fine-tuned, not only its last one
            "tune-5-blocks": {"trainable_from": 11}}
FEATURES = "features"  # the last conv block: class activation maps are taken here
CLASSIFIER, LUNGS = "covidxray_classifier", "covidxray_lungs"  # sub-model names inside a bundle's .keras file


def build(arch: str, spec: dict | None = None):
    """`spec`: the recipe (SPECS[arch] with variants); it says how much of a pretrained backbone trains."""
    if arch == "default":
        return _default()
    if arch == "efficientnet":
        return _efficientnet(spec or SPECS[arch])
    if arch == "article":
        return _article()
    raise ValueError(f"unknown architecture {arch!r}; choose default, efficientnet or article")


def compile_for_training(model, arch: str, epochs: int, steps_per_epoch: int, peak: float | None = None):
    """`peak`: the highest learning rate (default 1e-3; adaptation fine-tunes far lower)."""
    import keras

    if arch == "article":
        # As the article ran it: Keras 2's Adadelta default learning rate was 1.0.
        model.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0),
                      loss="categorical_crossentropy", metrics=["accuracy"])
    else:
        model.compile(optimizer=optimizer_for_training(epochs, steps_per_epoch, peak),
                      loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    return model


def optimizer_for_training(epochs: int, steps_per_epoch: int, peak: float | None = None):
    """Our recipes' optimizer: warm-up, cosine decay, AdamW with weight averaging."""
    import keras

    peak = peak or 1e-3
    schedule = keras.optimizers.schedules.CosineDecay(
        peak / 10, decay_steps=max(1, epochs * steps_per_epoch), warmup_target=peak,
        warmup_steps=max(1, steps_per_epoch), alpha=0.02)
    # Weight averaging (EMA) smooths the epoch-to-epoch swings of a small-batch, augmented run.
    return keras.optimizers.AdamW(schedule, weight_decay=1e-4, use_ema=True, ema_momentum=0.99)


def _conv(x, filters, kernel=3, strides=1, name=None):
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu", name=name)(x)


def _default():
    """A compact VGG-style CNN for the 160 px lung view: 0.30 M parameters, ~0.13 GMAC per image.

    Why this shape: the view is the lungs' box, so 160 px keep the lung fields at the detail a
    192 px whole film had, and a net this small trains 16 epochs on a 2-core CPU in minutes and
    does not memorise 3,000 images. Global average pooling into one logit makes class activation
    maps exact and free (one matrix product on the last block), with no gradients.
    """
    import keras
    from keras import layers

    spec = SPECS["default"]
    inputs = keras.Input((spec["size"], spec["size"], 1), name="xray")
    x = _conv(inputs, 16, kernel=5, strides=2)  # 80 px
    x = _conv(x, 24)
    x = layers.MaxPooling2D()(x)  # 40
    x = _conv(_conv(x, 48), 48)
    x = layers.MaxPooling2D()(x)  # 20
    x = _conv(_conv(x, 96), 96)
    x = layers.MaxPooling2D()(x)  # 10
    x = _conv(x, 160, name=FEATURES)
    x = layers.GlobalAveragePooling2D(name="pooled")(x)
    x = layers.Dropout(0.3)(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(inputs, logit, name="covidxray_default")


def _efficientnet(spec):
    """EfficientNet-Lite0 from ImageNet weights, global average pooling into one logit: 3.4 M
    backbone parameters, ~0.4 GMAC per 224 px view; blocks from spec["trainable_from"] on train."""
    import keras
    from keras import layers

    from covidxray_desktop.model import efficientnet

    spec = SPECS["efficientnet"]
    inputs = keras.Input((spec["size"], spec["size"], 1), name="xray")
    x = efficientnet.backbone(inputs, FEATURES)
    x = layers.GlobalAveragePooling2D(name="pooled")(x)
    x = layers.Dropout(0.3)(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    model = keras.Model(inputs, logit, name="covidxray_efficientnet")
    efficientnet.load_pretrained(model, spec["trainable_from"])
    return model


def _article():
    import keras
    from keras import layers

    inputs = keras.Input((224, 224, 3), name="xray")
    x = layers.Conv2D(32, (3, 3), activation="relu")(inputs)
    x = layers.MaxPooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(64, (3, 3), activation="relu", name=FEATURES)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    out = layers.Dense(2, activation="softmax", dtype="float32", name="probs")(x)
    return keras.Model(inputs, out, name="covidxray_article")
