"""`adapt DATA --out SITE.keras`: fine-tune the current model on a site's labelled films."""
import sys
from pathlib import Path


def add_arguments(a) -> None:
    a.add_argument("data", metavar="DATA", help="the site's films: a folder with COVID/ and Normal/, or a manifest")
    a.add_argument("--out", metavar="SITE.keras", required=True, help="the adapted bundle to write")
    a.add_argument("--model", metavar="FROM", help="the bundle to adapt (default: the bundled one)")
    a.add_argument("--epochs", type=int, help="passes over the site's films (default: 10 for a pretrained "
                                              "backbone, 8 for a pooled head alone)")
    a.add_argument("--sensitivity", type=float, default=0.90,
                   help="the sensitivity the default (balanced) point keeps on the site's films; among the thresholds "
                        "that keep it, the one with the best balanced accuracy (default 0.90)")
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--original", metavar="MANIFEST",
                   help="the base model's own data: its test split is scored before and after, to show what changed")
    a.add_argument("--overwrite", action="store_true")
    a.add_argument("--quiet", action="store_true")


def run(args) -> int:
    from covidxray_desktop import outputs
    from covidxray_desktop.commands.progress import metrics_line
    from covidxray_desktop.commands.writing import writable
    from covidxray_desktop.commands.train import interruptible, progress_printer
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.paths import default_model
    from covidxray_desktop.store import default_path
    from covidxray_desktop.training.adapt import adapt
    from covidxray_desktop.training.session import Session

    out = Path(args.out)
    if out.suffix != ".keras":
        raise UsageError("--out must name a .keras file (its card and light-runtime files go beside it)")
    from covidxray_desktop.model.bundle import check_name

    check_name(out.stem, "--out")
    from covidxray_desktop.model.bundle import load

    # The bundle's ROC picture goes beside it: inside the site's folders it would be read as a film.
    # The model adapted is read while the new one is written: never the same files.
    outputs.check(out, "--out", [args.data], store=default_path(), pictures=True, make_folder=True, model=True,
                  protected=load(args.model or default_model()).files)
    writable(out.parent, "--out", folder=True)  # said now, not after the fine-tuning
    if args.original:  # read only at the end: a mistyped path fails now
        from covidxray_desktop.training.dataset import discover

        discover(args.original)
    session = Session(progress_printer(args.quiet))
    previous = interruptible(session, adapting=True)
    try:
        bundle, report = adapt(args.data, out.parent, out.stem, base=args.model, epochs=args.epochs, seed=args.seed,
                               on_event=session.emit, cancelled=session.stopping, overwrite=args.overwrite,
                               original=args.original, sensitivity=args.sensitivity)
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGINT, previous)
    print(f"adapted model: {bundle.ident} ({bundle.path}), from {bundle.card['adapted_from']['model']}")
    from covidxray_desktop.model import operating

    default = operating.default(bundle.card)
    for name, point in operating.points(bundle.card).items():
        print(f"{name}{' (default)' if name == default else ''}: threshold {point['threshold']:.4f}: {point['rule']}")
    for part, outcome in report["site"].items():
        for when in ("before", "after"):
            print(metrics_line(f"{part[:5]} {when[:3]}", outcome[when]))
    print(f"card: {report['path']}", file=sys.stderr)
    if args.quiet and report.get("unused"):  # else named above, as adapting found them
        print("folders not used:\n  " + "\n  ".join(report["unused"]), file=sys.stderr)
    if report["left_out"]:
        print(f"{len(report['left_out'])} films were left out (unreadable, or not judged by the model)"
              + (":\n  " + "\n  ".join(report["left_out"]) if args.quiet else " (named above)"), file=sys.stderr)
    return 0
