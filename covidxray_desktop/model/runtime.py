"""Running one exported network: ONNX Runtime on the CPU, a few threads, no busy-waiting between runs.

Importing onnxruntime takes a fifth of a second where TensorFlow takes five: the window and
`classify` answer on a slow PC because of this module.
"""
import functools
import os
import threading
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import ModelError, brief


CHUNK = 16  # films per run of a network (see OnnxPart.run)
# A bundle's segmenter in int8, saved beside its float export where its masks matched Keras'
# (model/export.py): a third of the float one's time, run only where int8_exact().
INT8_LUNGS = "lungs_int8"


def threads() -> int:
    """Intra-op threads: the cores, at most 4 (the decoding workers and the window need the rest)."""
    return max(1, min(4, os.cpu_count() or 1))


class OnnxPart:
    """`model`: a path, or the bytes of a network already checked against its card (what runs is
    then exactly what was hashed); `name`: the file, for messages.

    Two sessions of the same network: one film at a time runs with its threads spinning between
    operators (its answer comes 15-30 % sooner than when each operator wakes them); batches run on a
    second session, made at the first batch, whose threads sleep instead, so that the decoding
    workers and the heat-map drawing get the cores (classify +6 % films/s, with heat maps +7 %).
    Either stops the moment a run returns: spinning between runs would hold both cores of a small
    PC, and the window with them."""

    def __init__(self, model, n_threads: int | None = None, name: str | None = None):
        name = name or ("the network" if isinstance(model, bytes) else Path(str(model)).name)
        if isinstance(model, bytes) and external_data(model):
            raise ModelError(f"{name}: the network keeps its weights in other files, which its model card does "
                             f"not cover; it is refused. Export the bundle again with this app.")
        self._model, self._threads, self._name = model, n_threads or threads(), name
        self.session = self._session(spinning=True)
        self._batches = None
        self._making = threading.Lock()  # two threads' first batches make one session, not two
        self.input = self.session.get_inputs()[0].name
        self.input_shape = tuple(self.session.get_inputs()[0].shape)
        self.output_shapes = [tuple(o.shape) for o in self.session.get_outputs()]

    def _session(self, spinning: bool):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        options.add_session_config_entry("session.force_spinning_stop", "1")
        options.log_severity_level = 3
        model = self._model
        try:
            return ort.InferenceSession(model if isinstance(model, bytes) else str(model), options,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # custom operators, a damaged graph: ONNX Runtime's own words, quoted
            raise ModelError(f"{self._name}: ONNX Runtime cannot run this network ({brief(exc)}); it is refused. "
                             f"Export the bundle again with this app.") from None

    def run(self, x: np.ndarray) -> list:
        """Outputs for a batch of any size, run CHUNK films at a time: on a CPU larger runs are slower
        per film (4.4 ms at 16 films, 4.9 at 64, the classifier on 2 cores) and hold more memory
        (ONNX Runtime keeps its largest run's working memory: 190 MB at 16 films, 770 MB at 64)."""
        x = np.ascontiguousarray(x, np.float32)
        if len(x) <= 1:
            return self.session.run(None, {self.input: x})
        if self._batches is None:
            with self._making:
                if self._batches is None:
                    self._batches = self._session(spinning=False)
        runs = [self._batches.run(None, {self.input: x[i:i + CHUNK]}) for i in range(0, len(x), CHUNK)]
        return runs[0] if len(runs) == 1 else [np.concatenate(parts) for parts in zip(*runs)]


def lungs_part(parts) -> str:
    """Which of a bundle's segmenter exports (among `parts`, part names) runs on this computer."""
    return INT8_LUNGS if INT8_LUNGS in parts and int8_exact() else "lungs"


def segmenter_runs(bundle, part: str) -> str:
    """The segmenter export that runs, as results record it (Result.made_with). A bundle saved when
    its one export was int8 runs it even where int8 arithmetic saturates, its masks then not the
    ones it was checked on: that is said, here and in the log, with the way out."""
    if bundle.card["runtime"][part].get("precision") != "int8" or int8_exact():
        return part
    from covidxray_desktop.logs import log

    log.warning("%s: its lung segmenter has only an int8 export, whose masks this processor's int8 arithmetic "
                "distorts; `covidxray export %s` gives it a float one beside it", bundle.ident, bundle.path.name)
    return f"{part}, int8 on saturating arithmetic"


def int8_exact() -> bool:
    """Does ONNX Runtime do int8 arithmetic exactly on this computer? (see int8_arithmetic)"""
    return int8_arithmetic() == "exact"


@functools.cache
def int8_arithmetic() -> str:
    """'exact', 'saturates', or why it could not be told. On x86 processors without VNNI ONNX
    Runtime sums unsigned-by-signed byte products in pairs that saturate at 16 bits: an int8
    segmenter then finds other lungs than the one checked when the model was saved. The probe
    (docs/model/int8_probe.py) is one convolution that saturates there; anything but 'exact' runs
    the float network. Run once, in a few milliseconds."""
    from covidxray_desktop.paths import resources_dir

    try:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(resources_dir() / "probes" / "int8_saturation.onnx"), options,
                                       providers=["CPUExecutionProvider"])
        x = session.get_inputs()[0]
        answer = session.run(None, {x.name: np.full(x.shape, 255, np.uint8)})[0]
    except Exception as exc:  # a frozen app missing the probe, say
        return f"the probe could not be run ({brief(exc)})"
    return "exact" if (answer == 200).all() else "saturates"  # 200: the probe script's EXACT


def external_data(model: bytes) -> bool:
    """Does the ONNX graph read tensors from other files? Every such tensor names its file under the
    key "location"; only a graph holding that word is parsed (the onnx package is slow to import)."""
    if b"location" not in model:
        return False
    try:
        import onnx
        from onnx.external_data_helper import _get_all_tensors, uses_external_data

        return any(uses_external_data(t) for t in _get_all_tensors(onnx.load_from_string(model)))
    except Exception:  # unreadable (or no onnx package) where it names other files: refused, not guessed at
        return True


class KerasPart:
    """The same call on a Keras network (training, parity checks, bundles without an export).

    Batches are padded to a power of two so that the graph is traced for a few shapes only."""

    def __init__(self, net):
        self.net = net
        self.input_shape = tuple(net.inputs[0].shape)
        # A network built on a list of one input (as bundles store the segmenter) is given a list:
        # a bare array works too, but Keras on PyTorch warns about the mismatch on every call.
        self.listed = isinstance(net.input, (list, tuple))
        self.output_shapes = [tuple(o.shape) for o in net.outputs]

    def run(self, x: np.ndarray) -> list:
        n = len(x)
        size = 1 << max(0, (n - 1).bit_length())
        if size > n:
            x = np.concatenate([x, np.zeros((size - n,) + x.shape[1:], x.dtype)])
        x = np.asarray(x, np.float32)
        out = self.net.predict_on_batch([x] if self.listed else x)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(a)[:n] for a in out]
