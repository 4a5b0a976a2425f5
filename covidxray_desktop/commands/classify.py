"""`classify PATH ...`: one CSV row per X-ray file, written as each file finishes."""
import csv
import sys
from pathlib import Path

from covidxray_desktop import DISCLAIMER
from covidxray_desktop.commands.progress import Progress

# New columns go at the end: scripts that read the first ones keep working.
# `notice` carries the research-use notice in every exported row: a CSV has no other place for it.
COLUMNS = ["path", "status", "label", "p_covid", "message", "model", "seconds", "ood_score", "heatmap", "threshold",
           "notice"]


def run(args) -> int:
    from covidxray_desktop.cli import load_model
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.imaging import walk

    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise UsageError("--threshold must be between 0 and 1")
    if getattr(args, "decode_limit", 0) < 0:
        raise UsageError("--decode-limit must be 0 (no limit) or a number of seconds")
    files, skipped = walk(args.paths)
    heat_dir = _heatmap_dir(args.heatmaps, args.paths) if args.heatmaps else None
    bundle = load_model(args.model)
    from covidxray_desktop import batch
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model import cam
    from covidxray_desktop.store import Store, default_path

    predictor = Predictor(bundle, threshold=args.threshold, heatmaps=heat_dir is not None,
                          decode_limit_s=getattr(args, "decode_limit", 30.0) or None)
    store = Store(args.db or default_path())
    out = open(args.csv, "w", newline="", encoding="utf-8") if args.csv and args.csv != "-" else sys.stdout
    counts = {"ok": 0, "rejected": 0, "error": 0}
    reused = 0
    progress = Progress(len(files), args.quiet)
    try:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        out.flush()
        outcomes = batch.run(files, predictor, store, force=args.force)
        if heat_dir is not None:  # no stored rows here: a heat map needs the network
            pairs = ((batch.Outcome(r.path, r, False), h)
                     for r, h in cam.with_overlays((o.result for o in outcomes), heat_dir))
        else:
            pairs = ((o, None) for o in outcomes)
        for outcome, heat_path in _reported(pairs, heat_dir):
            writer.writerow(csv_row(outcome.result, outcome.path, args.anonymise, heat_path, predictor.threshold))
            out.flush()
            counts[batch.as_dict(outcome)["status"]] += 1
            reused += outcome.reused
            progress.step()
    finally:
        if out is not sys.stdout:
            out.close()
        store.close()
        predictor.close()  # the decoding worker processes
    rate = progress.close()
    from covidxray_desktop.logs import log

    log.info("classify: %d files (%d ok, %d rejected, %d errors, %d reused, %d skipped), %.1f images/s, model %s",
             len(files), counts["ok"], counts["rejected"], counts["error"], reused, skipped, rate, bundle.ident)
    if not args.quiet:
        print(f"{len(files)} files: {counts['ok']} ok, {counts['rejected']} rejected, {counts['error']} errors; "
              f"{skipped} non-image files skipped; {rate:.1f} images/s; model {bundle.ident}", file=sys.stderr)
        if reused:
            print(f"{reused} files were already classified with this model; their stored results were "
                  f"reused (--force runs them again). Results store: {store.path}", file=sys.stderr)
    return 0


def csv_row(result, path=None, anonymise: bool = False, heatmap="", threshold=None) -> list:
    """One CSV row in COLUMNS order, from a Prediction or a stored result (a dict).

    `path` replaces the recorded one (a stored file may have moved); `anonymise` keeps only
    the file name; `threshold` is the one the label was decided with, when the result lacks it.
    """
    get = result.get if isinstance(result, dict) else lambda key: getattr(result, key, None)

    def num(v, fmt):
        return "" if v is None else format(v, fmt)

    where = Path(path or get("path"))
    used = get("threshold") if get("threshold") is not None else threshold
    return [where.name if anonymise else str(where), get("status"), get("label") or "", num(get("p_covid"), ".4f"),
            get("message") or "", get("model"), num(get("seconds"), ".3f"), num(get("ood_score"), ".4f"),
            str(heatmap or ""), num(used if get("status") == "ok" else None, ".4f"), DISCLAIMER]


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
