"""`classify PATH ...`: one CSV row per X-ray file, written as each file finishes."""
import csv
import sys
from pathlib import Path

from covidxray_desktop.commands.progress import Progress

COLUMNS = ["path", "status", "label", "p_covid", "message", "model", "seconds", "ood_score", "heatmap"]


def run(args) -> int:
    from covidxray_desktop.cli import load_model
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.imaging import walk

    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise UsageError("--threshold must be between 0 and 1")
    files, skipped = walk(args.paths)
    heat_dir = _heatmap_dir(args.heatmaps, args.paths) if args.heatmaps else None
    bundle = load_model(args.model)
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model import cam

    predictor = Predictor(bundle, threshold=args.threshold, heatmaps=heat_dir is not None)
    store = None
    if args.db:
        from covidxray_desktop.store import Store

        store = Store(args.db)
    out = open(args.csv, "w", newline="", encoding="utf-8") if args.csv and args.csv != "-" else sys.stdout
    counts = {"ok": 0, "rejected": 0, "error": 0}
    progress = Progress(len(files), args.quiet)
    try:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        out.flush()
        rows = predictor.run(files)
        pairs = cam.with_overlays(rows, heat_dir) if heat_dir is not None else ((r, None) for r in rows)
        for row, heat_path in _reported(pairs, heat_dir):
            writer.writerow([str(row.path), row.status, row.label,
                             "" if row.p_covid is None else f"{row.p_covid:.4f}", row.message, row.model,
                             f"{row.seconds:.3f}", "" if row.ood_score is None else f"{row.ood_score:.4f}",
                             str(heat_path or "")])
            out.flush()
            if store:
                store.record(row, bundle.card["keras_sha256"])
            counts[row.status] += 1
            progress.step()
    finally:
        if out is not sys.stdout:
            out.close()
        if store:
            store.close()
    rate = progress.close()
    if not args.quiet:
        print(f"{len(files)} files: {counts['ok']} ok, {counts['rejected']} rejected, {counts['error']} errors; "
              f"{skipped} non-image files skipped; {rate:.1f} images/s; model {bundle.ident}", file=sys.stderr)
    return 0


def _reported(pairs, heat_dir):
    """Turn a failed heat-map write into a readable error instead of a traceback."""
    from covidxray_desktop.errors import CovidXrayError

    try:
        yield from pairs
    except OSError as exc:
        raise CovidXrayError(f"cannot write a heat map into {heat_dir}: {exc.strerror or exc}")


def _heatmap_dir(target, inputs) -> Path:
    from covidxray_desktop.errors import UsageError

    target = Path(target).expanduser().absolute()
    for raw in inputs:
        folder = Path(raw).expanduser().absolute()
        if folder.is_dir() and (target == folder or folder in target.parents):
            raise UsageError(f"--heatmaps {target} is inside the input folder {folder}; "
                             f"choose a folder outside the inputs")
    target.mkdir(parents=True, exist_ok=True)
    return target
