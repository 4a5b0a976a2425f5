"""The light runtimes side by side (`bench --runtimes`): why classifying runs on ONNX Runtime.

Each runtime is timed in a fresh process (import, model load, one film, batches of 16) on the
same classifier inputs, real lung views of the sample, and compared with Keras' own output.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
kind, model, data = sys.argv[1], sys.argv[2], sys.argv[3]
import numpy as np
if kind == "onnxruntime":
    import onnxruntime as ort
    t1 = time.perf_counter()
    o = ort.SessionOptions(); o.intra_op_num_threads = 2; o.add_session_config_entry("session.intra_op.allow_spinning", "0")
    s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"]); name = s.get_inputs()[0].name
    run = lambda x: s.run(None, {name: x})
elif kind == "litert":
    from ai_edge_litert.interpreter import Interpreter
    t1 = time.perf_counter()
    it = Interpreter(model_path=model, num_threads=2); inp = it.get_input_details()[0]; shape = [None]
    def run(x):
        if shape[0] != x.shape:
            it.resize_tensor_input(inp["index"], list(x.shape)); it.allocate_tensors(); shape[0] = x.shape
        it.set_tensor(inp["index"], x); it.invoke()
        return sorted((it.get_tensor(o["index"]) for o in it.get_output_details()), key=lambda a: -a.ndim)
else:
    from covidxray_desktop import backend
    keras = backend.load_keras()
    t1 = time.perf_counter()
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.model.network import Network
    net = Network(load(model, keras=True), "keras")
    run = lambda x: net._classifier.run(x)
x = np.load(data)
t2 = time.perf_counter()
run(x[:1]); run(x[:16])
lat = []
for i in range(20):
    a = time.perf_counter(); run(x[i % len(x)][None]); lat.append(time.perf_counter() - a)
thr = []
for i in range(0, max(len(x) - 15, 1), 16):
    a = time.perf_counter(); run(x[i:i + 16]); thr.append(16 / (time.perf_counter() - a))
out = run(x[:64])
np.save(data + "." + kind + ".npy", np.asarray(out[1]).reshape(-1))
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "latency_ms": 1000 * float(np.median(lat)),
                  "images_per_s": float(np.median(thr))}))
"""


def compare(bundle, files, work: Path) -> dict:
    from covidxray_desktop.model.export import parts
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.model.calibration import sigmoid
    from covidxray_desktop.training import cache
    from covidxray_desktop.training.dataset import Sample
    from covidxray_desktop.training.evaluate import route_of

    work.mkdir(parents=True, exist_ok=True)
    samples = [Sample(Path(f), 0, "bench", Path(f).name) for f in files[:96]]
    decoded, _ = cache.decode(samples, route_of(bundle))
    network = Network(bundle, "keras")
    views = network.views(decoded.first).astype(np.float32)
    data = work / "views.npy"
    np.save(data, views)
    expected = np.asarray(network.classify(views[:64])[1])
    models = {"onnxruntime": str(bundle.part_path("classifier")), "keras": str(bundle.path)}
    try:
        tflite = work / "classifier.tflite"
        parts(bundle.keras())["classifier"].export(str(tflite), format="litert", verbose=False)
        models["litert"] = str(tflite)
    except Exception as exc:  # no LiteRT exporter here: say so in the table
        models["litert"] = f"error: {type(exc).__name__}"
    out = {}
    for kind in ("onnxruntime", "litert", "keras"):
        if models[kind].startswith("error"):
            out[kind] = {"error": models[kind]}
            continue
        proc = subprocess.run([sys.executable, "-c", _PROBE, kind, models[kind], str(data)], capture_output=True,
                              text=True, env=_env())
        if proc.returncode != 0:
            out[kind] = {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:80]}
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        got = np.load(str(data) + f".{kind}.npy")
        p, q = sigmoid(np.asarray(got, np.float64)), sigmoid(np.asarray(expected, np.float64))
        result["max_dp"] = float(np.max(np.abs(p - q)))
        out[kind] = result
    return out


def _env() -> dict:
    from covidxray_desktop.paths import child_env

    env = child_env()
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env
