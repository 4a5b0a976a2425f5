"""The classifier's export reads the grey film channels-first: the same numbers, a tenth sooner."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from covidxray_desktop.model import graph

SCALE, SHIFT = np.array([4.37, 4.46, 4.44], np.float32), np.array([-2.12, -2.04, -1.80], np.float32)


def _entry(branch: bool = False, scale=SCALE, dtype=np.float32) -> bytes:
    """A grey film (N x 8 x 8 x 1) made three normalised colour channels as Keras exports it
    (Concat, Mul, Add on the last axis, Transpose), then a convolution; `branch`: the colour copy
    is also an output of its own, so it cannot be dropped."""
    nodes = [helper.make_node("Concat", ["x", "x", "x"], ["rgb"], axis=3),
             helper.make_node("Mul", ["rgb", "scale"], ["scaled"]),
             helper.make_node("Add", ["scaled", "shift"], ["normed"]),
             helper.make_node("Transpose", ["normed"], ["nchw"], perm=[0, 3, 1, 2]),
             helper.make_node("Conv", ["nchw", "w"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])]
    weights = np.random.default_rng(0).normal(size=(4, 3, 3, 3)).astype(dtype)
    kind = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    outputs = [helper.make_tensor_value_info("y", kind, ["n", 4, 4, 4])]
    if branch:
        outputs.append(helper.make_tensor_value_info("rgb", kind, ["n", 8, 8, 3]))
    g = helper.make_graph(nodes, "entry", [helper.make_tensor_value_info("x", kind, ["n", 8, 8, 1])],
                          outputs, [numpy_helper.from_array(scale.astype(dtype), "scale"),
                                    numpy_helper.from_array(SHIFT.reshape(1, 1, 1, 3).astype(dtype), "shift"),
                                    numpy_helper.from_array(weights, "w")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def _run(data: bytes, x: np.ndarray) -> list:
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})


def _ops(data: bytes) -> list:
    return [n.op_type for n in onnx.load_from_string(data).graph.node]


def test_the_grey_entry_is_transposed_first_and_every_output_value_is_unchanged():
    before = _entry()
    after = graph.faster(before)
    assert "Concat" not in _ops(after) and _ops(after)[0] == "Transpose"
    x = np.random.default_rng(1).random((5, 8, 8, 1), np.float32)
    assert all(np.array_equal(a, b) for a, b in zip(_run(before, x), _run(after, x)))  # bit for bit
    names = {t.name for t in onnx.load_from_string(after).graph.initializer}
    assert not {"scale", "shift"} & names  # the old constants are gone, not left for ONNX Runtime to warn about


@pytest.mark.parametrize("kind", ["branch", "four channels", "half precision"])
def test_a_graph_with_the_entry_in_another_form_is_left_exactly_as_it_was(kind):
    data = {"branch": lambda: _entry(branch=True), "four channels": lambda: _entry(scale=np.ones(4, np.float32)),
            "half precision": lambda: _entry(dtype=np.float16)}[kind]()
    assert graph.faster(data) == data
    if kind == "half precision":  # rewritten with float32 constants, it would not even load
        assert _run(data, np.zeros((1, 8, 8, 1), np.float16))[0].dtype == np.float16


def test_a_rewrite_that_fails_leaves_the_export_as_it_was(monkeypatch):
    def broken(g):
        raise RuntimeError("an unexpected graph")

    monkeypatch.setattr(graph, "_grey_entry_first", broken)  # an optimisation never fails a save
    assert graph.faster(_entry()) == _entry()


def test_the_shipped_classifier_reads_the_grey_film_channels_first(default_bundle):
    ops = _ops(default_bundle.part_bytes("classifier"))
    assert "Concat" not in ops and ops[0] == "Transpose"
