"""`classify PATH ...`: one CSV row per X-ray file, written as each file finishes; a summary at the end."""
import math
import sys
from pathlib import Path

from covidxray_desktop.commands.progress import Progress
from covidxray_desktop.commands.writing import writable, written
from covidxray_desktop.files import display_path, printable

NOTHING_CLASSIFIED = 3  # exit status when not one file could be judged (all errors, or none found)


def add_arguments(c) -> None:
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--csv", metavar="FILE", help="write results here (default: standard output)")
    c.add_argument("--pdf", metavar="FILE", help="also write the PDF report (a summary page, then a page per film)")
    c.add_argument("--summary", metavar="FILE", help="write the batch summary (counts, shift test) as JSON")
    c.add_argument("--model", metavar="BUNDLE", help="model .keras file (default: the bundled model)")
    c.add_argument("--db", metavar="FILE", help="results store (default: the per-user one; see info)")
    c.add_argument("--force", action="store_true", help="classify again files this model has already done")
    c.add_argument("--anonymise", action="store_true", help="file names instead of full paths in the CSV")
    c.add_argument("--heatmaps", metavar="DIR", help="write a heat-map PNG per ok row into DIR")
    c.add_argument("--operating-point", metavar="POINT",
                   help="the model card's named threshold: balanced or screening (default: the card's default, "
                        "balanced; a card with one threshold calls it model)")
    c.add_argument("--threshold", type=float,
                   help="a custom decision threshold on P(COVID) instead of a named point (recorded as custom)")
    c.add_argument("--lang", metavar="LANG", help="the PDF report's language, e.g. zh_CN (default: English)")
    c.add_argument("--compact", action="store_true", help="PDF: the summary, then six films a page")
    c.add_argument("--quiet", action="store_true", help="no progress on stderr")
    c.add_argument("--decode-limit", type=float, default=30.0, metavar="SECONDS",
                   help="give up on a file whose decoding takes longer (default 30; 0: no limit, no worker process)")


def run(args) -> int:
    from covidxray_desktop import batch, outputs
    from covidxray_desktop.errors import StoreError, UsageError
    from covidxray_desktop.imaging import walk
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model import cam, operating
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.results import csv_export
    from covidxray_desktop.store import Store, default_path

    operating.check_choice(args.operating_point, args.threshold)  # before the model or any film is read
    if args.lang:
        from covidxray_desktop.results.language import require

        require(args.lang)  # before any film is read
    if not math.isfinite(args.decode_limit) or args.decode_limit < 0:  # nan or inf: every file would time out
        raise UsageError(f"--decode-limit {args.decode_limit}: give a number of seconds (e.g. 30), or 0 for no limit")
    named = (("--csv", args.csv, False), ("--pdf", args.pdf, False), ("--summary", args.summary, False),
             ("--heatmaps", args.heatmaps, True))
    outputs.distinct((option, target or ("-" if option == "--csv" else None)) for option, target, _ in named)
    db = Path(args.db) if args.db else default_path()
    db_folder = db.expanduser().absolute().parent
    if args.db and not db_folder.is_dir():  # a mistyped --db must not start a new store
        raise UsageError(f"--db {display_path(db)}: the folder {display_path(db_folder)} does not exist; a new store "
                         f"is made only in a folder that does.")
    found = walk(args.paths)
    bundle = load(args.model)
    _something_to_classify(args.paths, found)  # before an earlier run's outputs are touched
    point, threshold = operating.resolve(bundle.card, args.operating_point, args.threshold)
    for option, target, folder in named:
        if target and target != "-":
            outputs.check(target, option, args.paths, found.files, db, folder_output=folder, protected=bundle.files)
            writable(target, option, folder)  # now, not after the whole batch
    heat_dir = _heatmap_dir(args.heatmaps) if args.heatmaps else None
    predictor = Predictor(bundle, overlays=heat_dir is not None, decode_limit_s=args.decode_limit or None,
                          operating_point=args.operating_point, threshold=args.threshold)
    predictor.start()
    store = Store(db)
    summary = batch.Summary(bundle, threshold, point)  # each result carries them too: CSV, store, PDF
    progress = Progress(len(found.files), args.quiet)
    kept = [] if args.pdf else None
    out = outputs.open_stream(args.csv, "--csv") if args.csv and args.csv != "-" else sys.stdout
    try:
        partial = getattr(out, "partial", None)
        writer = written(lambda: csv_export.Writer(out, anonymise=args.anonymise), args.csv, 0, partial)
        batch_id = store.batch_start(batch.name(args.paths), bundle.hash)
        results = batch.run(found.files, predictor, store, force=args.force, batch_id=batch_id)
        pairs = cam.with_overlays(results, heat_dir) if heat_dir else ((r, "") for r in results)
        for result, picture in pairs:
            written(lambda: writer.write(result, picture), args.csv, progress.done, partial)
            summary.add(result)
            if kept is not None:
                kept.append(result.with_changes(pixels=None, thumbnail=None, features=None, look=None))
            progress.step()
        report = summary.finish()
        store.batch_finish(batch_id, report)
        if out is not sys.stdout:
            written(out.finish, args.csv, progress.done, partial, finished=True)
    except KeyboardInterrupt as exc:  # Ctrl+C, or SIGTERM as errors.Terminated
        progress.close()
        raise type(exc)(_left_behind(args, progress.done, len(found.files))) from None
    except StoreError as exc:  # locked by another copy past its wait, a full disk: how far the run got
        progress.close()
        raise StoreError(f"{str(exc).rstrip('.')}; {_left_behind(args, progress.done, len(found.files))}",
                         aside=exc.aside) from None
    except BrokenPipeError:  # `| head` stops reading: quiet, unless files asked for are now not written
        if args.pdf or args.summary:
            print(printable(f"covidxray: the reader of standard output has gone; "
                            f"{_left_behind(args, progress.done, len(found.files))}"), file=sys.stderr)
        raise
    finally:
        if out is not sys.stdout and not out.closed:
            try:
                out.close()
            except OSError:
                pass  # the write that failed first has been reported, naming the file
        predictor.close()  # the decoding worker processes
    rate = progress.close()
    if args.summary:
        from covidxray_desktop.commands.writing import write_json

        write_json(args.summary, {**report, "skipped": len(found.skipped)})  # a pipe stays a pipe
    if kept is not None:
        from covidxray_desktop.results import pdf_report

        from covidxray_desktop.results.language import message_translator, translator

        try:
            pdf_report.write(args.pdf, kept, store.models(), anonymise=args.anonymise, summary=report,
                             tr=translator(args.lang, "Report"), message_tr=message_translator(args.lang),
                             compact=args.compact, decode_limit_s=args.decode_limit or None)
        except KeyboardInterrupt as exc:
            raise type(exc)(_left_behind(args, progress.done, len(found.files), summarised=True)) from None
    store.close()
    from covidxray_desktop.logs import log

    log.info("classify: %d files (%d ok, %d rejected, %d errors, %d reused, %d skipped), %.1f images/s, model %s",
             report["files"], report["ok"], report["rejected"], report["errors"], summary.reused,
             len(found.skipped), rate, bundle.ident)
    if not args.quiet:
        print(f"{summary.line(report)}; {len(found.skipped)} other files skipped; {rate:.1f} images/s; "
              f"model {bundle.ident}", file=sys.stderr)
        for path, reason in found.skipped[:10]:
            print(printable(f"  skipped {path}: {reason}"), file=sys.stderr)
        if len(found.skipped) > 10:
            print(f"  ... and {len(found.skipped) - 10} more", file=sys.stderr)
        if summary.reused:
            print(printable(f"{summary.reused} files were already classified with this model; their stored results "
                            f"were reused (--force runs them again). Results store: {store.path}"
                            if summary.reused > 1 else
                            f"1 file was already classified with this model; its stored result was reused (--force "
                            f"runs it again). Results store: {store.path}"), file=sys.stderr)
        if report["shift"]["detected"]:
            print(f"WARNING: {report['shift']['message']} (p = {report['shift']['p_value']:.2g})", file=sys.stderr)
    return 0 if report["ok"] + report["rejected"] else NOTHING_CLASSIFIED


def _left_behind(args, done: int, total: int, summarised: bool = False) -> str:
    """What a run stopped by Ctrl+C or SIGTERM leaves, output by output: a file there may be an earlier run's."""
    said = [f"stopped after {done} of {total} files"]
    if args.csv and args.csv != "-":
        partial = Path(f"{args.csv}.partial")  # a file's rows wait there; a pipe's went straight through
        said.append(f"{display_path(partial)} holds those {done} rows and {display_path(args.csv)} is left as it "
                    f"was" if partial.exists() else f"{display_path(args.csv)} had those {done} rows")
    if args.heatmaps:  # drawn a few films ahead of the table's rows
        said.append(f"the heat maps drawn so far, some for films past those rows, are in {display_path(args.heatmaps)}")
    for option, target in (("--summary", None if summarised else args.summary), ("--pdf", args.pdf)):
        if target and target != "-":
            earlier = " (the file there is an earlier run's)" if Path(target).exists() else ""
            said.append(f"no {option[2:]} was written to {display_path(target)}{earlier}")
    said.append("every result so far is in the results store" +
                ("" if args.force else ": the same command again runs only the rest"))
    return "; ".join(said) + "."


def _something_to_classify(paths, found) -> None:
    """A mistyped folder, or one with no X-ray in it, is said before anything is written: a weekly
    script's typo replaced last week's CSV, PDF and summary with one "file not found" row."""
    import os

    from covidxray_desktop.errors import UsageError

    existing = [p for p in paths if os.path.lexists(os.path.expanduser(str(p)))]
    if not existing:
        raise UsageError(f"{', '.join(display_path(p) for p in paths)}: no such file or folder; nothing was "
                         f"classified and no output was written.")
    if not found.files:
        why = "; ".join(f"{path}: {reason}" for path, reason in found.skipped[:3])  # a link, a share gone
        more = f"; and {len(found.skipped) - 3} more" if len(found.skipped) > 3 else ""
        skipped = f" (skipped: {why}{more})" if found.skipped else ""
        raise UsageError(f"{', '.join(display_path(p) for p in existing)}: no X-ray files found{skipped}; nothing "
                         f"was classified and no output was written.")


def _heatmap_dir(target) -> Path:
    target = Path(target).expanduser().absolute()
    target.mkdir(parents=True, exist_ok=True)
    return target
