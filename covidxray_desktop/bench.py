"""The numbers behind the speed claims, measured on this machine, ours beside the article's.

Every figure is a median over repeats. The article's network is built with fresh weights
inside the run (it is never shipped), so the ratio between the two holds on any machine.
"""
import csv
import importlib.util
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
from covidxray_desktop.training.dataset import label_of


def sample_folder(data, out_dir: Path, n: int = 300, dicom_share: float = 0.2, seed: int = 0):
    """~n real X-rays: JPEGs as shipped (<= 512 px) plus a share rewritten as 16-bit DICOM.

    Returns (files, labels). `data` is the shared data folder or its manifest.
    """
    from covidxray_desktop.imaging.dicom_write import write_dicom

    manifest = Path(data) / "manifest.csv" if Path(data).is_dir() else Path(data)
    if not manifest.exists():
        raise DataError(f"{manifest}: no manifest; point --data at the X-ray data folder or its manifest.csv")
    with open(manifest, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if label_of(r.get("label") or "") is not None]
    picks = [rows[i] for i in np.random.default_rng(seed).permutation(len(rows))[:n]]
    if len(picks) < 2:
        raise DataError(f"{manifest}: needs at least two labelled X-rays for a benchmark.")
    out_dir.mkdir(parents=True, exist_ok=True)
    files, labels = [], []
    for k, row in enumerate(picks):
        src = manifest.parent / row["file"]
        if not src.exists():
            raise DataError(f"{src}: listed in {manifest.name} but not found.")
        if k < dicom_share * len(picks):
            target = out_dir / f"{src.stem}.dcm"
            pixels = (load(src, max_side=DECODE_SIDE).pixels * 65535 + 0.5).astype(np.uint16)  # 16-bit
            write_dicom(target, pixels)
        else:
            target = out_dir / src.name
            target.write_bytes(src.read_bytes())
        files.append(target)
        labels.append(label_of(row["label"]))
    return files, labels


def classify_rate(bundle, files, heatmaps: bool, repeats: int = 3) -> float:
    """Images per second through the Predictor, heat-map PNGs written as `classify` does."""
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model import cam

    predictor = Predictor(bundle, heatmaps=heatmaps)
    list(predictor.run(files[:32]))  # warm-up: graphs traced, caches filled
    rates = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeats):
            start = time.perf_counter()
            rows = predictor.run(files)
            for _ in cam.with_overlays(rows, Path(out)) if heatmaps else rows:
                pass
            rates.append(len(files) / (time.perf_counter() - start))
    return statistics.median(rates)


def single_latency_ms(bundle, files, n: int = 20) -> float:
    """Drop -> prediction for one file, warm: decode, preprocess, network, gate, calibration."""
    from covidxray_desktop.inference import Predictor

    predictor = Predictor(bundle)
    predictor.predict_file(files[0])
    times = []
    for f in files[1:n + 1]:
        start = time.perf_counter()
        predictor.predict_file(f)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cold_start_s(model_path: Path, repeats: int = 3) -> float:
    """Process start -> model loaded and ready to predict, in a fresh interpreter each time."""
    code = ("from covidxray_desktop.model.bundle import load_bundle;"
            "from covidxray_desktop.inference import Predictor;"
            f"Predictor(load_bundle({str(model_path)!r}))")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=_env())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb(model_path: Path, folder: Path) -> float | None:
    """Peak resident memory of a `classify` process over the whole sample folder (Unix only)."""
    if importlib.util.find_spec("resource") is None:  # the probe below needs it; Windows has none
        return None
    probe = ("import resource, subprocess, sys;"
             f"subprocess.run([sys.executable, '-m', 'covidxray_desktop', 'classify', {str(folder)!r}, '--quiet',"
             f" '--csv', {os.devnull!r}, '--model', {str(model_path)!r}, '--force',"
             f" '--db', {str(folder.parent / 'bench.sqlite3')!r}], check=True);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, env=_env())
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # Linux reports KiB


def epoch_time(arch: str, files, labels) -> tuple[float, float]:
    """One training epoch over the sample (decoded once beforehand, as the job caches it)."""
    from covidxray_desktop.model.architectures import SPECS
    from covidxray_desktop.training import fit
    from covidxray_desktop.training.cache import decode_all
    from covidxray_desktop.training.dataset import Sample

    spec = SPECS[arch]
    parts, arrays = {}, {}
    for split, chosen in (("train", zip(files, labels)), ("val", list(zip(files, labels))[:32])):
        samples = [Sample(f, y, "bench", f.name, split) for f, y in chosen]
        images, thumbs, parts[split], _ = decode_all(samples, spec["size"], spec["preprocessing"])
        arrays[split] = (images, thumbs)
    seconds = []
    fit.run(arch, spec, parts, arrays, 2, 0,
            lambda e: seconds.append(e["seconds"]) if e["kind"] == "epoch" else None, lambda: False)
    epoch_s = seconds[-1]  # the second epoch: the first also traces the training graph
    return epoch_s, len(parts["train"]) / epoch_s


def article_bundle(out_dir: Path):
    """The article's network with fresh weights, wrapped as a bundle so the same code path runs."""
    from covidxray_desktop.model.architectures import SPECS, build
    from covidxray_desktop.model.bundle import save_bundle

    spec = SPECS["article"]
    card = {"arch": "article", "classes": ["normal", "covid"], "input": {"size": spec["size"], "channels": 3},
            "preprocessing": spec["preprocessing"], "output": spec["output"], "threshold": 0.5,
            "calibration": {"temperature": 1.0}, "note": "fresh weights, for timing only"}
    return save_bundle(build("article"), card, out_dir, "article-untrained")


def measure(bundle, files, labels, folder: Path, on_step=lambda s: None) -> dict:
    arch = bundle.card.get("arch", "default")
    out = {}
    on_step(f"{bundle.ident}: classify")
    out["classify_images_per_s"] = classify_rate(bundle, files, heatmaps=False)
    if bundle.card.get("output") == "logit":
        on_step(f"{bundle.ident}: classify with heat maps")
        out["classify_heatmap_images_per_s"] = classify_rate(bundle, files, heatmaps=True)
    else:
        out["classify_heatmap_images_per_s"] = None  # a Flatten head has no class activation map
    on_step(f"{bundle.ident}: single-file latency")
    out["single_latency_ms"] = single_latency_ms(bundle, files)
    on_step(f"{bundle.ident}: cold start")
    out["cold_start_s"] = cold_start_s(bundle.path)
    on_step(f"{bundle.ident}: peak memory of a classify run")
    out["peak_rss_mb"] = peak_rss_mb(bundle.path, folder)
    on_step(f"{bundle.ident}: one training epoch")
    out["epoch_s"], out["train_images_per_s"] = epoch_time(arch, files, labels)
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}


def machine() -> dict:
    try:
        ram = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (AttributeError, ValueError, OSError):  # Windows
        ram = None
    return {"cores": os.cpu_count(), "ram_gb": ram,
            "backend": backend.name(), "device": backend.device(), "python": sys.version.split()[0]}


def _env() -> dict:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    return env
