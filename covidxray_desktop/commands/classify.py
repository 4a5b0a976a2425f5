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
    from covidxray_desktop.store import Store, default_path, file_sha256

    predictor = Predictor(bundle, threshold=args.threshold, heatmaps=heat_dir is not None)
    store = Store(args.db or default_path())
    model_hash = bundle.card["keras_sha256"]
    shas = {f: file_sha256(f) for f in files}
    # A file already classified by this model (same content, any name) is not run again,
    # unless asked; its stored result still gets its CSV row. Heat maps need the network.
    reuse = {}
    if not args.force and heat_dir is None and args.threshold is None:
        reuse = {f: r for f in files if (r := store.lookup(shas[f], model_hash))}
    out = open(args.csv, "w", newline="", encoding="utf-8") if args.csv and args.csv != "-" else sys.stdout
    counts = {"ok": 0, "rejected": 0, "error": 0}
    progress = Progress(len(files), args.quiet)
    try:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        out.flush()
        for f, stored in reuse.items():
            writer.writerow(csv_row(stored, f, args.anonymise))
            counts[stored["status"]] += 1
            progress.step()
        out.flush()
        rows = predictor.run([f for f in files if f not in reuse])
        pairs = cam.with_overlays(rows, heat_dir) if heat_dir is not None else ((r, None) for r in rows)
        for row, heat_path in _reported(pairs, heat_dir):
            writer.writerow(csv_row(row, anonymise=args.anonymise, heatmap=heat_path))
            out.flush()
            store.record(row, model_hash, shas.get(row.path))
            counts[row.status] += 1
            progress.step()
    finally:
        if out is not sys.stdout:
            out.close()
        store.close()
    rate = progress.close()
    from covidxray_desktop.logs import log

    log.info("classify: %d files (%d ok, %d rejected, %d errors, %d reused, %d skipped), %.1f images/s, model %s",
             len(files), counts["ok"], counts["rejected"], counts["error"], len(reuse), skipped, rate, bundle.ident)
    if not args.quiet:
        print(f"{len(files)} files: {counts['ok']} ok, {counts['rejected']} rejected, {counts['error']} errors; "
              f"{skipped} non-image files skipped; {rate:.1f} images/s; model {bundle.ident}", file=sys.stderr)
        if reuse:
            print(f"{len(reuse)} files were already classified with this model; their stored results were "
                  f"reused (--force runs them again). Results store: {store.path}", file=sys.stderr)
    return 0


def csv_row(result, path=None, anonymise: bool = False, heatmap="") -> list:
    """One CSV row in COLUMNS order, from a Prediction or a stored result (a dict).

    `path` replaces the recorded one (a stored file may have moved); `anonymise` keeps only
    the file name.
    """
    get = result.get if isinstance(result, dict) else lambda key: getattr(result, key)

    def num(v, fmt):
        return "" if v is None else format(v, fmt)

    where = Path(path or get("path"))
    return [where.name if anonymise else str(where), get("status"), get("label") or "", num(get("p_covid"), ".4f"),
            get("message") or "", get("model"), num(get("seconds"), ".3f"), num(get("ood_score"), ".4f"),
            str(heatmap or "")]


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
