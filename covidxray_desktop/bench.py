"""The numbers behind the speed claims, measured on this machine, ours beside the article's.

Every figure is a median over repeats. The article's network is built with fresh weights
inside the run (it is never shipped), so the ratio between the two holds on any machine.
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from covidxray_desktop import backend
from covidxray_desktop.errors import DataError
from covidxray_desktop.imaging import DECODE_SIDE, load
from covidxray_desktop.paths import child_env
from covidxray_desktop.training.dataset import discover


def sample_folder(data, out_dir: Path, n: int = 300, dicom_share: float = 0.2, seed: int = 0):
    """~n real X-rays: JPEGs as shipped (<= 512 px) plus a share rewritten as 16-bit DICOM.

    Returns (files, labels). `data`: a folder holding manifest.csv (the shared data), a manifest, or
    a clinic's COVID/ and Normal/ class folders, as `train` and `evaluate` take them.
    """
    from covidxray_desktop.imaging.dicom_write import write_dicom

    data = Path(data)
    samples, described = discover(data / "manifest.csv" if (data / "manifest.csv").is_file() else data)
    picks = [samples[i] for i in np.random.default_rng(seed).permutation(len(samples))[:n]]
    if len(picks) < 2:
        raise DataError(f"{data}: needs at least two labelled X-rays for a benchmark ({described}).")
    out_dir.mkdir(parents=True, exist_ok=True)
    files, labels = [], []
    for k, sample in enumerate(picks):
        src = Path(sample.file)
        if not src.exists():
            raise DataError(f"{src}: listed in {described} but not found.")
        name = f"{k:04d}-{src.stem}"  # COVID/0001.png and Normal/0001.png are two films
        if k < dicom_share * len(picks):
            target = out_dir / f"{name}.dcm"
            pixels = (load(src, max_side=DECODE_SIDE).pixels * 65535 + 0.5).astype(np.uint16)  # 16-bit
            write_dicom(target, pixels)
        else:
            target = out_dir / f"{name}{src.suffix}"
            target.write_bytes(src.read_bytes())
        files.append(target)
        labels.append(sample.label)
    return files, labels


def classify_rate(bundle, files, heatmaps: bool, repeats: int = 3) -> float:
    """Images per second through the Predictor, heat-map PNGs written as `classify` does."""
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model.cam import with_overlays

    predictor = Predictor(bundle, overlays=heatmaps)
    list(predictor.run(files[:32]))  # warm-up: workers started, graphs traced, caches filled
    rates = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            start = time.perf_counter()
            results = predictor.run(files)
            for _ in with_overlays(results, Path(out)) if heatmaps else results:
                pass
            rates.append(len(files) / (time.perf_counter() - start))
    predictor.close()
    return statistics.median(rates)


def ms_per_film(part, films: np.ndarray) -> float:
    """Milliseconds a film of one light-runtime network (an OnnxPart) over `films`, in runs of the
    app's chunk size: how the model scripts in docs/model compare two exports of a network."""
    from covidxray_desktop.model.runtime import CHUNK

    start = time.perf_counter()
    for i in range(0, len(films), CHUNK):
        part.run(films[i:i + CHUNK])
    return (time.perf_counter() - start) * 1000 / len(films)


def in_fresh_process(timer: str, bundle_path: Path, files, **kwargs) -> float:
    """One of this module's timers, run in a new interpreter as `classify` runs: the app's own
    process never loads TensorFlow, while bench's does (for the epoch and the article's network)."""
    job = json.dumps({"timer": timer, "bundle": str(bundle_path), "files": [str(f) for f in files], "kwargs": kwargs})
    code = ("import json, sys; from pathlib import Path; from covidxray_desktop import bench;"
            "from covidxray_desktop.model.bundle import load; job = json.loads(sys.stdin.read());"
            "print(getattr(bench, job['timer'])(load(job['bundle']), [Path(f) for f in job['files']], **job['kwargs']))")
    out = subprocess.run([sys.executable, "-c", code], input=job, check=True, capture_output=True, text=True, env=child_env())
    return float(out.stdout.split()[-1])


def single_latency_ms(bundle, files, n: int = 20) -> float:
    """Drop -> result for one file, warm: decode, preprocess, lungs, network, gate, calibration."""
    from covidxray_desktop.inference import Predictor

    predictor = Predictor(bundle)
    predictor.predict_file(files[0])
    times = []
    for f in files[1:n + 1]:
        start = time.perf_counter()
        predictor.predict_file(f)
        times.append((time.perf_counter() - start) * 1000)
    predictor.close()
    return statistics.median(times)


def cold_start_s(model_path: Path, first_file: Path, repeats: int = 3) -> tuple[float, float]:
    """(process start -> model ready, process start -> first result), each in a fresh interpreter."""
    code = ("import time, sys; t0 = time.perf_counter();"
            "from covidxray_desktop.model.bundle import load;"
            "from covidxray_desktop.inference import Predictor;"
            f"p = Predictor(load({str(model_path)!r})); p.start(); t1 = time.perf_counter();"
            f"p.predict_file({str(first_file)!r}); t2 = time.perf_counter();"
            "print(t1 - t0, t2 - t0); p.close()")
    ready, first = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=child_env())
        wall = time.perf_counter() - start
        inner_ready, inner_first = map(float, out.stdout.split()[-2:])
        overhead = wall - inner_first  # interpreter start and exit, outside the timed code
        ready.append(inner_ready + overhead)
        first.append(inner_first + overhead)
    return statistics.median(ready), statistics.median(first)


_COLD_PATH = r"""
import json, sys, time
t0 = time.perf_counter()
marks = {}
def mark(name):
    marks[name] = round(time.perf_counter() - t0, 3)
import covidxray_desktop.inference, covidxray_desktop.prepare
mark("import the app (numpy, Pillow, pydicom)")
import onnxruntime
mark("import ONNX Runtime")
from covidxray_desktop.model.bundle import load
bundle = load(sys.argv[1])
mark("read and check the bundle (card, hashes)")
from covidxray_desktop.inference import Predictor
p = Predictor(bundle)
mark("start the networks (two ONNX sessions)")
p.start()
item = p._prepare(sys.argv[2])
mark("first file read and decoded (worker start-up included)")
out = p.assess(item.input[None], item.thumb[None])
mark("first network pass (segmenter, view, classifier, gate)")
row = next(iter(p.run([sys.argv[2]])))
mark("the same file again, as a result row")
p.close()
print(json.dumps(marks))
"""


def cold_path(model_path: Path, first_file: Path) -> dict:
    """Where the seconds go from process start to the first result (cumulative, from import)."""
    out = subprocess.run([sys.executable, "-c", _COLD_PATH, str(model_path), str(first_file)], check=True,
                         capture_output=True, text=True, env=child_env())
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb(model_path: Path, folder: Path) -> float | None:
    """Peak resident memory of a `classify` process over the whole sample folder (Unix only)."""
    if importlib.util.find_spec("resource") is None:  # the probe below needs it; Windows has none
        return None
    probe = ("import resource, subprocess, sys;"
             f"subprocess.run([sys.executable, '-m', 'covidxray_desktop', 'classify', {str(folder)!r}, '--quiet',"
             f" '--csv', {os.devnull!r}, '--model', {str(model_path)!r}, '--force',"
             f" '--db', {str(folder.parent / 'bench.sqlite3')!r}], check=True);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=child_env())
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # Linux reports KiB


def epoch_time(bundle, files, labels) -> tuple[float, float, float | None]:
    """(seconds, films/s) of one training epoch over the sample (decoded once beforehand, as the
    job caches it), on the views the bundle's recipe trains on; and the seconds the frozen layers
    of a pretrained network take over the sample's augmented copies before the epochs (else None)."""
    from covidxray_desktop.model.architectures import SPECS
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.prepare import Route
    from covidxray_desktop.training import cache, fit
    from covidxray_desktop.training.dataset import Sample

    arch = bundle.card.get("arch", "default")
    spec = dict(SPECS[arch], size=bundle.card["input"]["size"], preprocessing=bundle.card["preprocessing"])
    bundle.keras()
    network = Network(bundle, "keras")
    parts, arrays = {}, {}
    for split, chosen in (("train", list(zip(files, labels))), ("val", list(zip(files, labels))[:32])):
        samples = [Sample(Path(f), y, "bench", Path(f).name, split) for f, y in chosen]
        decoded, _ = cache.decode(samples, Route(spec["size"], spec["preprocessing"]))
        parts[split] = decoded.samples
        arrays[split] = (network.views(decoded.first), None)
    seconds, started, first_batch = [], time.perf_counter(), []

    def on_event(e):
        if e["kind"] == "epoch":
            seconds.append(e["seconds"])
        elif e["kind"] == "batch" and not first_batch:
            first_batch.append(time.perf_counter())

    fit.run(arch, spec, parts, arrays, 2, 0, on_event, lambda: False)
    epoch_s = seconds[-1]  # the second epoch: the first also traces the training graph
    # A pretrained network's frozen layers run once, on every augmented copy, before the epochs.
    frozen_s = first_batch[0] - started if spec.get("cache_frozen") else None
    return epoch_s, len(parts["train"]) / epoch_s, frozen_s


def article_bundle(out_dir: Path):
    """The article's network with fresh weights, wrapped as a bundle so the same code path runs."""
    from covidxray_desktop.model import bundle as bundles
    from covidxray_desktop.model.architectures import SPECS, build

    spec = SPECS["article"]
    card = {"arch": "article", "classes": ["normal", "covid"], "input": {"size": spec["size"], "channels": 3},
            "preprocessing": spec["preprocessing"], "output": spec["output"], "threshold": 0.5,
            "calibration": {"temperature": 1.0}, "note": "fresh weights, for timing only",
            "ood": _neutral_gate(64)}
    return bundles.save(build("article"), card, out_dir, "article-untrained", overwrite=True)


def _neutral_gate(width: int) -> dict:
    """Gate statistics that let every film through: the article's network has no gate of its own."""
    from covidxray_desktop.model.ood import THUMB

    levels = [0.0, 1.0]
    return {"pca_mean": [0.0] * THUMB * THUMB, "pca_components": [[0.0] * THUMB * THUMB],
            "feature_means": [[0.0] * width], "feature_precision": [[0.0] * width for _ in range(width)],
            "pca_quantiles": [0.0, 1e9], "maha_quantiles": [0.0, 1e9], "levels": levels, "tail": 0.0}


def measure(bundle, files, labels, folder: Path, on_step=lambda s: None) -> dict:
    out = {}
    on_step(f"{bundle.ident}: classify")
    out["classify_images_per_s"] = in_fresh_process("classify_rate", bundle.path, files, heatmaps=False)
    if bundle.card.get("head"):
        on_step(f"{bundle.ident}: classify with heat maps")
        out["classify_heatmap_images_per_s"] = in_fresh_process("classify_rate", bundle.path, files, heatmaps=True)
    else:
        out["classify_heatmap_images_per_s"] = None  # a Flatten head has no class activation map
    on_step(f"{bundle.ident}: single-file latency")
    out["single_latency_ms"] = in_fresh_process("single_latency_ms", bundle.path, files)
    on_step(f"{bundle.ident}: cold start")
    out["cold_start_s"], out["first_prediction_s"] = cold_start_s(bundle.path, files[0])
    if bundle.card.get("runtime"):
        out["cold_path"] = cold_path(bundle.path, files[0])
    on_step(f"{bundle.ident}: peak memory of a classify run")
    out["peak_rss_mb"] = peak_rss_mb(bundle.path, folder)
    on_step(f"{bundle.ident}: one training epoch")
    out["epoch_s"], out["train_images_per_s"], out["frozen_pass_s"] = epoch_time(bundle, files, labels)
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}


def machine() -> dict:
    try:
        ram = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):  # Windows
        ram = None
    return {"cores": os.cpu_count(), "ram_gb": ram,
            "backend": backend.name(), "device": backend.device(), "python": sys.version.split()[0]}
