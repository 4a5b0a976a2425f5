"""Write the probe that tells whether this computer's int8 arithmetic is exact (resources/probes).

Usage: python docs/model/int8_probe.py [OUT]

One int8 convolution (ONNX QLinearConv, 16 channels, 3 x 3) of an input of 255s with weights of
127s: each output is 144 x 255 x 127, written as 200. On x86 processors without VNNI, ONNX
Runtime multiplies unsigned by signed bytes with an instruction whose 16-bit pair sums saturate
(2 x 255 x 127 > 32,767), and the probe gives 101; there an int8 segmenter finds other lungs than
Keras (as little as 94 % of a film's mask the same), so the app runs the float one (model/runtime.py
int8_exact). Needs the `onnx` package (installed with tf2onnx); tests check the shipped file is this.
"""
import sys
from pathlib import Path

import numpy as np

CHANNELS, EXACT = 16, 200


def probe_bytes() -> bytes:
    from onnx import TensorProto, helper, numpy_helper

    constants = [numpy_helper.from_array(np.full((4, CHANNELS, 3, 3), 127, np.int8), "w")]
    constants += [numpy_helper.from_array(np.array(value, dtype), name) for name, value, dtype in
                  [("x_scale", 1.0, np.float32), ("x_zero", 0, np.uint8), ("w_scale", 1.0, np.float32),
                   ("w_zero", 0, np.int8), ("y_scale", 9 * CHANNELS * 255 * 127 / EXACT, np.float32),
                   ("y_zero", 0, np.uint8)]]
    conv = helper.make_node("QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero"],
                            ["y"])
    graph = helper.make_graph([conv], "int8_saturation_probe",
                              [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, CHANNELS, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 4, 6, 6])], constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="covidxray")
    model.ir_version = 8  # read by every ONNX Runtime the app accepts
    return model.SerializeToString()


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "resources" / "probes" / "int8_saturation.onnx"
    out.write_bytes(probe_bytes())
    print(f"{out}: {out.stat().st_size} bytes")
