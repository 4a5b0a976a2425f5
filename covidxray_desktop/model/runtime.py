"""Running one exported network: ONNX Runtime on the CPU, a few threads, no busy-waiting.

Importing onnxruntime takes a fifth of a second where TensorFlow takes five: the window and
`classify` answer on a slow PC because of this module.
"""
import os

import numpy as np


def threads() -> int:
    """Intra-op threads: the cores, at most 4 (the decoding workers and the window need the rest)."""
    return max(1, min(4, os.cpu_count() or 1))


class OnnxPart:
    def __init__(self, path, n_threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = n_threads or threads()
        options.inter_op_num_threads = 1
        # Spinning threads would hold both cores of a small PC between batches, and the window with them.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def run(self, x: np.ndarray) -> list:
        return self.session.run(None, {self.input: np.ascontiguousarray(x, np.float32)})


class KerasPart:
    """The same call on a Keras network (training, parity checks, bundles without an export).

    Batches are padded to a power of two so that the graph is traced for a few shapes only."""

    def __init__(self, net):
        self.net = net

    def run(self, x: np.ndarray) -> list:
        n = len(x)
        size = 1 << max(0, (n - 1).bit_length())
        if size > n:
            x = np.concatenate([x, np.zeros((size - n,) + x.shape[1:], x.dtype)])
        out = self.net.predict_on_batch(np.asarray(x, np.float32))
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(a)[:n] for a in out]
