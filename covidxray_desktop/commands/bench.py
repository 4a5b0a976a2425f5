"""`bench`: throughput, latency, cold start, memory and epoch time; ours beside the article's."""
import json
import sys
import tempfile
from pathlib import Path

KEYS = ["classify_images_per_s", "classify_heatmap_images_per_s", "single_latency_ms", "cold_start_s",
        "peak_rss_mb", "epoch_s", "train_images_per_s"]


def run(args) -> int:
    from covidxray_desktop import bench
    from covidxray_desktop.cli import load_model
    from covidxray_desktop.errors import UsageError

    if args.n < 2:
        raise UsageError("--n must be at least 2")
    ours = load_model(args.model)

    def step(text):
        if not args.quiet:
            print(f"  measuring {text}...", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sample"
        files, labels = bench.sample_folder(args.data, folder, n=args.n)
        step(f"{len(files)} sample X-rays ready")
        result = {"machine": bench.machine(), "n_images": len(files), "model": ours.ident}
        result.update(bench.measure(ours, files, labels, folder, step))
        article = bench.article_bundle(Path(tmp) / "article")
        result["article"] = bench.measure(article, files, labels, folder, step)
    print(table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")
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


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.1f}" if isinstance(v, float) else str(v)
