"""Running the frozen trunk over many films: on ONNX Runtime where it exports, else on Keras.

The frozen pass (six augmented copies of every training film through the pretrained blocks that
never change) is the largest part of the job on a CPU. ONNX Runtime runs those blocks in half the
time TensorFlow does on a 2-core PC (4.3 against 8.4 ms a film at 224 px), so the trunk is
exported once per run (two seconds) and checked against Keras on the first batch. Without the
exporter (Keras on JAX or PyTorch: bundles are exported on TensorFlow only), on a GPU, or should
the two ever disagree, Keras runs it, as before.
"""
import numpy as np

from covidxray_desktop import backend
from covidxray_desktop.model.export import exportable, features_agree


class Trunk:
    """x (N x S x S x C float32) -> the trunk's outputs as float16, the same whichever runtime."""

    def __init__(self, net, light: bool = True):
        self.net = net
        self.runtime = "keras"
        self._onnx = _exported(net) if light else None
        self._checked = self._onnx is None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        if not self._checked:  # the first batch runs on both; the light runtime goes on if they agree
            self._checked = True
            expected = np.asarray(self.net.predict_on_batch(x))
            got = self._onnx.run(x)[0]
            if features_agree(expected, got):
                self.runtime = "onnx"
                return got.astype(np.float16)
            self._onnx = None
            return expected.astype(np.float16)
        if self._onnx is not None:
            return self._onnx.run(x)[0].astype(np.float16)
        return np.asarray(self.net.predict_on_batch(x)).astype(np.float16)


def _exported(net):
    """The trunk on ONNX Runtime, or None where it cannot be exported here, or where a GPU runs
    Keras faster than the processor runs ONNX Runtime."""
    if not exportable(net) or backend.on_gpu():
        return None
    from covidxray_desktop.errors import ModelError
    from covidxray_desktop.model.export import onnx_bytes
    from covidxray_desktop.model.runtime import OnnxPart

    try:
        return OnnxPart(onnx_bytes(net), name="the frozen trunk")
    except (ModelError, ImportError):  # no exporter installed: Keras runs the trunk
        return None
