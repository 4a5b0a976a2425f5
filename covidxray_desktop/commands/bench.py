"""`bench`: throughput, latency, cold start, memory and epoch time; ours beside the article's."""
import sys
import tempfile
from pathlib import Path

KEYS = ["classify_images_per_s", "classify_heatmap_images_per_s", "single_latency_ms", "cold_start_s",
        "first_prediction_s", "peak_rss_mb", "epoch_s", "train_images_per_s"]


def add_arguments(b) -> None:
    b.add_argument("--data", default=str(Path("..") / "shared" / "data"), metavar="DIR",
                   help="where to draw the ~300-image sample from: the X-ray data folder, a manifest CSV, or "
                        "a folder of COVID/ and Normal/ sub-folders (default: ../shared/data, from the "
                        "project's folder)")
    b.add_argument("--n", type=int, default=300, help="sample size")
    b.add_argument("--model", metavar="BUNDLE")
    b.add_argument("--json", metavar="FILE")
    b.add_argument("--runtimes", action="store_true",
                   help="also time the classifier on ONNX Runtime, LiteRT and Keras side by side")
    b.add_argument("--quiet", action="store_true")


def run(args) -> int:
    from covidxray_desktop import backend, bench
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.model.bundle import load

    if getattr(sys, "frozen", False):  # its timers each start a fresh Python, which a built app does not hold
        raise UsageError("bench runs from a Python install of the app (pip install . in its source folder), not "
                         "from the built app: its timers start fresh Python processes, which a built app does not "
                         "hold. Every other command runs here.")
    if args.n < 2:
        raise UsageError("--n must be at least 2")
    ours = load(args.model)
    if args.json:  # refused or unwritable before minutes of measuring, not after
        from covidxray_desktop import outputs
        from covidxray_desktop.commands.writing import writable
        from covidxray_desktop.store import default_path

        outputs.distinct((("--json", args.json),), printed="the printed measurements")
        outputs.check(args.json, "--json", [args.data], store=default_path(), protected=ours.files)
        writable(args.json, "--json")
    backend.load_keras()

    def step(text):
        if not args.quiet:
            print(f"  measuring {text}...", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sample"
        files, labels = bench.sample_folder(args.data, folder, n=args.n)
        step(f"{len(files)} sample X-rays ready")
        result = {"machine": bench.machine(), "n_images": len(files), "model": ours.ident}
        if args.runtimes:  # first, while this process has trained nothing: the exporter needs a clean graph state
            from covidxray_desktop import runtimes

            step("runtimes side by side")
            result["runtimes"] = runtimes.compare(ours, files, Path(tmp) / "runtimes")
        result.update(bench.measure(ours, files, labels, folder, step))
        article = bench.article_bundle(Path(tmp) / "article")
        result["article"] = bench.measure(article, files, labels, folder, step)
    print(table(result))
    if result.get("frozen_pass_s"):
        from covidxray_desktop.training.fit import COPIES

        print(f"\nBefore the epochs, the frozen layers ran over {COPIES} augmented copies of the "
              f"{result['n_images']} films in {result['frozen_pass_s']:.1f} s (once per training run).")
    if result.get("cold_path"):
        print("\nCold path of the first result (seconds since the interpreter started, cumulative):")
        for stage, seconds in result["cold_path"].items():
            print(f"  {seconds:6.2f}  {stage}")
    if result.get("runtimes"):
        print()
        print(runtime_table(result["runtimes"]))
    if args.json:
        from covidxray_desktop.commands.writing import write_json

        write_json(args.json, result)  # whole or absent
    return 0


def table(r: dict) -> str:
    m = r["machine"]
    lines = [f"{r['n_images']} X-rays on {m['cores']} cores / {m['ram_gb']} GB, {m['backend']} on {m['device']}", "",
             f"| measure | {r['model']} | article (fresh weights) | ratio |", "|---|---|---|---|"]
    for key in KEYS:
        a, b = r.get(key), r["article"].get(key)
        ratio = f"{a / b:.2f}" if a and b else "-"
        lines.append(f"| {key} | {_fmt(a)} | {_fmt(b)} | {ratio} |")
    return "\n".join(lines)


def runtime_table(r: dict) -> str:
    lines = ["| runtime | import s | load s | latency ms (1 film) | images/s (batch 16) | max dP vs Keras |",
             "|---|---|---|---|---|---|"]
    for name, m in r.items():
        if "error" in m:
            lines.append(f"| {name} | {m['error']} | | | | |")
            continue
        lines.append(f"| {name} | {m['import_s']:.2f} | {m['load_s']:.3f} | {m['latency_ms']:.1f} | "
                     f"{m['images_per_s']:.0f} | {m.get('max_dp', 0):.1e} |")
    return "\n".join(lines)


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.1f}" if isinstance(v, float) else str(v)
