"""`history`: stored results as classify's CSV (or its PDF report)."""
import sys


def add_arguments(h) -> None:
    h.add_argument("--db", metavar="FILE")
    h.add_argument("--since", metavar="YYYY-MM-DD")
    h.add_argument("--csv", metavar="FILE")
    h.add_argument("--pdf", metavar="FILE", help="the same PDF report as classify --pdf and the window")
    h.add_argument("--anonymise", action="store_true", help="file names instead of full paths")
    h.add_argument("--lang", metavar="LANG", help="the PDF report's language, e.g. zh_CN (default: English)")
    h.add_argument("--compact", action="store_true", help="PDF: the summary, then six films a page")


def run(args) -> int:
    from pathlib import Path

    from covidxray_desktop import outputs
    from covidxray_desktop.commands.writing import writable
    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.results import csv_export
    from covidxray_desktop.store import Store, default_path, parse_day

    from covidxray_desktop.results.language import require

    require(args.lang)
    since = parse_day(args.since) if args.since else None
    db = Path(args.db) if args.db else default_path()
    outputs.distinct((("--csv", args.csv or (None if args.pdf else "-")), ("--pdf", args.pdf)))
    for option, target in (("--csv", args.csv), ("--pdf", args.pdf)):
        if target and target != "-":
            outputs.check(target, option, store=db)
            writable(target, option)
    store = Store(db, create=False)  # a mistyped --db must not make an empty store
    try:
        results = store.history(since)
        if args.pdf:
            from covidxray_desktop.results import pdf_report

            from covidxray_desktop.results.language import message_translator, translator

            pdf_report.write(args.pdf, results, store.models(), anonymise=args.anonymise,
                             summary=store.batch_summaries({r.batch for r in results}),
                             tr=translator(args.lang, "Report"), message_tr=message_translator(args.lang),
                             compact=args.compact)
        if args.csv and args.csv != "-":
            csv_export.write(args.csv, results, anonymise=args.anonymise)  # whole or absent
        elif not args.pdf or args.csv == "-":
            try:
                writer = csv_export.Writer(sys.stdout, anonymise=args.anonymise)
                for result in results:
                    writer.write(result)
            except BrokenPipeError:
                raise  # the reader has gone (`| head`): stop quietly, as other tools do
            except OSError as exc:  # a full disk behind a redirection
                raise CovidXrayError(f"standard output: cannot be written ({exc.strerror or exc}); the list "
                                     f"is incomplete.") from None
    finally:
        store.close()
    return 0
