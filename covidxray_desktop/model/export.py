"""Export a bundle's networks to ONNX for the light runtime, and prove the export agrees.

Uses Keras' own exporter (tf2onnx under TensorFlow); runs where the bundle is saved, which is
where training runs. The classifier export gives the last convolution block (for heat maps and
the gate) and the logit; the segmenter export gives the lung logits, in float, and beside it in
int8 where real films were given to set its ranges and its masks then match Keras' (a third of
the float one's time, where the processor does int8 arithmetic exactly: runtime.int8_exact).
"""
import tempfile
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import ModelError, brief
from covidxray_desktop.model.architectures import CLASSIFIER, FEATURES, LUNGS
from covidxray_desktop.model.calibration import sigmoid

OPSET = 17
P_TOLERANCE = 1e-4  # P(COVID) may differ by at most this between Keras and the light runtime
FEATURE_TOLERANCE = 1e-3  # relative, on the feature map (heat maps, gate)
# The exporter freezes the weights into constants and holds dozens of copies while it does:
# the article's 97M-parameter Flatten head took over 20 GB. Larger networks stay on Keras.
MAX_PARAMS = 20_000_000
# The segmenter's answer is a mask (logit > 0), which int8 arithmetic barely moves: kept in int8 only
# if on every film it was checked on (films its ranges were not set on) this share of the mask is
# Keras' own. The classifier stays in float: its logits move by half a unit in int8 (README, Speed).
MASK_AGREEMENT = 0.99
MIN_FILMS = 16  # real films needed to set the int8 segmenter's ranges (half) and check it (half)


def too_large(model) -> str | None:
    """Why the model is not exported for the light runtime, or None when it can be."""
    n = model.count_params()
    if n > MAX_PARAMS:
        return (f"the network has {n / 1e6:.0f} million weights, too many to export for the light runtime "
                f"(at most {MAX_PARAMS / 1e6:.0f} million); it runs on Keras")
    return None


def parts(model) -> dict:
    """part name -> the Keras network to export, with the outputs the app reads."""
    import keras

    names = [layer.name for layer in model.layers]
    classifier = model.get_layer(CLASSIFIER) if CLASSIFIER in names else model
    out = {"classifier": keras.Model(classifier.inputs, [classifier.get_layer(FEATURES).output, classifier.outputs[0]])}
    if LUNGS in names:
        out["lungs"] = model.get_layer(LUNGS)
    return out


def exportable(model) -> bool:
    """Whether `model` is exported here: the exporter runs on TensorFlow (a bundle trained under
    another backend is exported later on a PC: `covidxray export`), and not for huge networks."""
    from covidxray_desktop import backend

    return backend.name() == "tensorflow" and too_large(model) is None


def light(model, parity_inputs=None, keep: dict | None = None) -> dict:
    """part -> the ONNX bytes of that part of `model` (a bundle's combined network), each checked
    against Keras on `parity_inputs` (part -> inputs; random films where none are given). Beside the
    float segmenter an int8 copy is saved (part INT8_LUNGS) where at least MIN_FILMS real films are
    given and its masks agree; it runs only where int8 arithmetic is exact (runtime.int8_exact).
    `keep`: part -> an export made and checked before, used as it is (an adapted model's segmenter
    exports are its base's, and so are the masks its gate was fitted on)."""
    from covidxray_desktop.model.runtime import INT8_LUNGS

    keep = keep or {}
    out = {}
    for part, net in parts(model).items():
        if part in keep:
            out[part] = keep[part]
            continue
        inputs = (parity_inputs or {}).get(part)
        out[part] = onnx_bytes(net)
        check_parity(net, out[part], inputs, part)
        if part == "lungs" and INT8_LUNGS not in keep and inputs is not None and len(inputs) >= MIN_FILMS:
            quick = int8_lungs(net, out[part], np.asarray(inputs, np.float32))
            if quick is not None:
                out[INT8_LUNGS] = quick
    if INT8_LUNGS in keep:
        out[INT8_LUNGS] = keep[INT8_LUNGS]
    return out


def int8_lungs(net, data: bytes, films: np.ndarray) -> bytes | None:
    """The segmenter's export in int8 (ONNX Runtime's static quantisation, per channel, QDQ), its
    activation ranges set on every other film of the first 128 of `films` (its own inputs); None,
    said in the log, where the quantiser is missing or fails, where on the films in between any
    film's mask differs from Keras' in more than 1 - MASK_AGREEMENT of it, or where this
    processor's int8 arithmetic saturates (it cannot be checked here). An optimisation only:
    nothing here may fail the save of a model trained for ten minutes."""
    from covidxray_desktop.logs import log
    from covidxray_desktop.model.runtime import OnnxPart, int8_exact

    if not int8_exact():  # its masks here would not be the ones it gives where it runs
        log.info("segmenter saved in float only: this processor's int8 arithmetic saturates, so an int8 copy "
                 "cannot be checked here")
        return None
    films = films[:128]
    try:
        quick = quantised(data, films[0::2])
        check = films[1::2]
        expected = np.asarray(_as_list(net.predict_on_batch(check))[0]) > 0
        got = np.asarray(OnnxPart(quick, name="the segmenter's int8 export").run(check)[0]) > 0
    except Exception as exc:
        log.warning("segmenter export kept in float: the int8 copy could not be made or run (%s)", brief(exc))
        return None
    agree = (expected == got).reshape(len(check), -1).mean(axis=1)
    if agree.min() < MASK_AGREEMENT:
        log.warning("segmenter export kept in float: its int8 copy's mask matched Keras' on %.1f %% of a film",
                    100 * agree.min())
        return None
    return quick


def quantiser_missing() -> str | None:
    """Why this installation cannot make int8 exports, or None when it can (`covidxray info`)."""
    import importlib

    try:
        importlib.import_module("onnxruntime.quantization.shape_inference")  # the quantiser and its helpers
    except Exception as exc:  # a frozen app missing part of the package, say
        return f"ONNX Runtime's quantiser cannot be loaded ({brief(exc)})"
    return None


def quantised(data: bytes, films: np.ndarray) -> bytes:
    """An int8 copy of an ONNX network, its activation ranges from `films` (ONNX Runtime's own
    static quantisation: unsigned activations and signed per-channel weights, the fast path on x86)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from covidxray_desktop.model.runtime import CHUNK, OnnxPart

    class Films(CalibrationDataReader):
        def __init__(self, name):
            self.batches = iter([{name: films[i:i + CHUNK]} for i in range(0, len(films), CHUNK)])

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as folder:
        plain, ready, out = (Path(folder) / name for name in ("float.onnx", "ready.onnx", "int8.onnx"))
        plain.write_bytes(data)
        quant_pre_process(str(plain), str(ready), skip_symbolic_shape=True)
        quantize_static(str(ready), str(out), Films(OnnxPart(data).input), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        return out.read_bytes()


def precision(data: bytes) -> str:
    """'int8' for a quantised export, else 'float32' (recorded in the card)."""
    import onnx

    quantised_ops = {"QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul",
                     "ConvInteger", "MatMulInteger"}
    return "int8" if any(n.op_type in quantised_ops for n in onnx.load_from_string(data).graph.node) else "float32"


def onnx_bytes(net) -> bytes:
    """One Keras network as ONNX bytes (the exporter writes a file: a temporary one), rewritten
    where ONNX Runtime runs another form of it faster with the same arithmetic (model/graph.py)."""
    from covidxray_desktop.model import graph

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.onnx"
        to_onnx(net, path)
        return graph.faster(path.read_bytes())


def to_onnx(net, path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the converter's deprecation chatter is not the user's concern
        try:
            net(np.zeros((1,) + tuple(net.inputs[0].shape[1:]), np.float32))  # the exporter wants a built call
            net.export(str(path), format="onnx", verbose=False, opset_version=OPSET)
        except Exception as exc:
            raise ModelError(f"the model could not be exported for the light runtime ({type(exc).__name__}: {exc}); "
                             f"save it where the TensorFlow backend and tf2onnx are installed.") from exc


def check_parity(net, onnx_path, inputs, part: str) -> None:
    """Keras and ONNX Runtime on the same inputs: the same P(COVID), features and lung logits.
    `onnx_path`: the export's file, or its bytes."""
    from covidxray_desktop.model.runtime import OnnxPart

    shape = tuple(net.inputs[0].shape[1:])
    if inputs is None or len(inputs) == 0:
        inputs = np.random.default_rng(0).random((8,) + shape, dtype=np.float32)
    inputs = np.asarray(inputs, np.float32)[:64]
    expected = [np.asarray(a, np.float32) for a in _as_list(net.predict_on_batch(inputs))]
    got = OnnxPart(onnx_path, name=f"the {part}'s export").run(inputs)
    if part == "classifier":
        softmax = expected[1].ndim == 2 and expected[1].shape[-1] == 2
        p_keras, p_onnx = (expected[1], got[1]) if softmax else (_p(expected[1]), _p(got[1]))
        if np.max(np.abs(p_keras - p_onnx)) > P_TOLERANCE:
            raise ModelError(f"the light-runtime export differs from Keras (P(COVID) by "
                             f"{np.max(np.abs(p_keras - p_onnx)):.2g}); it was not saved.")
    if not features_agree(expected[0], got[0]):
        raise ModelError(f"the light-runtime export of the {part} differs from Keras; it was not saved.")


def features_agree(expected, got) -> bool:
    """Keras' feature map (or lung logits) and the export's, equal within FEATURE_TOLERANCE of its scale."""
    scale = max(float(np.max(np.abs(expected))), 1e-6)
    return float(np.max(np.abs(np.asarray(expected) - np.asarray(got)))) / scale <= FEATURE_TOLERANCE


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _p(z):
    return sigmoid(np.asarray(z, np.float64))
