"""`train DATA`: the 16-epoch job with live progress on stderr; Ctrl+C stops it keeping the best epoch."""
import signal
import sys
import time
from pathlib import Path

from covidxray_desktop.commands.progress import metrics_line


def add_arguments(t) -> None:
    from covidxray_desktop.model.architectures import ABLATIONS, VARIANTS

    t.add_argument("data", metavar="DATA")
    t.add_argument("--epochs", type=int, default=16)
    t.add_argument("--arch", choices=["efficientnet", "default", "article"], default="efficientnet",
                   help="efficientnet: the shipped recipe (ImageNet start); default: the small network "
                        "trained from scratch; article: the 2020 article's CNN")
    t.add_argument("--out", metavar="DIR", help="where the bundle and report go (default: per-user models folder)")
    t.add_argument("--name", help="bundle name (default: the architecture; the small network's is small)")
    t.add_argument("--overwrite", action="store_true", help="replace an earlier bundle of the same name")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--exclude-source", action="append", default=[], metavar="SOURCE",
                   help="leave a source out of training and score the model on it (repeatable)")
    t.add_argument("--limit", type=int, help="use a small class-balanced subset of about N images")
    t.add_argument("--ablate", action="append", default=[], choices=sorted(ABLATIONS),
                   help="switch off one part of the default recipe, to measure what it buys (repeatable)")
    t.add_argument("--variant", action="append", default=[], choices=sorted(VARIANTS),
                   help="try a variation of the default recipe (repeatable)")
    t.add_argument("--lungs-from", metavar="BUNDLE",
                   help="reuse this bundle's lung segmenter instead of training one on the data's masks "
                        "(a data set without masks reuses the bundled model's)")
    t.add_argument("--precision", choices=["auto", "mixed", "float32"], default="auto",
                   help="auto: mixed bfloat16 on a GPU, float32 on a CPU")
    t.add_argument("--quiet", action="store_true")


def progress_printer(quiet: bool):
    last, started = {"t": 0.0}, time.time()

    def show(event):
        if quiet:
            return
        kind = event["kind"]
        if kind == "batch":
            if time.time() - last["t"] < 1.0:
                return
            last["t"] = time.time()
            print(f"\repoch {event['epoch']}/{event['epochs']} step {event['step']}/{event['steps']} "
                  f"loss {event['loss']:.4f} acc {event['accuracy']:.3f} {event['images_per_s']:.0f} img/s "
                  f"{event['eta_s'] / 60:.1f} min left ", end="", file=sys.stderr, flush=True)
        elif kind == "epoch":
            scored = ("" if event.get("val_auc") is None else  # adapting scores no validation split
                      f"val AUC {event['val_auc']:.4f} val loss {event['val_loss']:.4f} ")
            print(f"\repoch {event['epoch']}/{event['epochs']} loss {event['loss']:.4f} acc {event['accuracy']:.3f} "
                  f"{scored}({event['seconds']:.0f} s, best epoch {event['best_epoch']}, "
                  f"{event['eta_s'] / 60:.1f} min left)      ", file=sys.stderr, flush=True)
        else:
            transient = "decoding" in event["message"] and kind != "done"
            print(f"\r[{time.time() - started:4.0f} s] {event['message']}    ", end="" if transient else "\n",
                  file=sys.stderr, flush=True)

    return show


def interruptible(session, adapting: bool = False):
    """First Ctrl+C: stop after this batch and keep the best epoch (adapting: keep nothing, as a model
    adapted part way has no threshold set on films it did not learn); a second one: give up."""
    def handler(signum, frame):
        if session.cancelling:
            session.abort()
            print("\ncovidxray: stopping without saving", file=sys.stderr)
        elif adapting:
            session.cancel()
            print("\ncovidxray: stopping after this batch; an adaptation stopped part way is not saved",
                  file=sys.stderr)
        else:
            session.cancel()
            print("\ncovidxray: stopping after this batch, keeping the best epoch (Ctrl+C again: give up)",
                  file=sys.stderr)
    try:
        return signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (tests)
        return None


def print_outcome(bundle, report, took_s: float, quiet: bool = False) -> None:
    """`took_s`: the whole command, scoring and saving included (the card's wall time ends with the
    epochs: 52 s of a 93 s run)."""
    card = bundle.card
    print(f"model: {bundle.ident}  ({bundle.path})")
    print(f"device: {card['training']['device']}  wall time: {took_s:.0f} s (to the last epoch "
          f"{card['training']['wall_time_s']:.0f} s)  "
          f"threshold: {card['threshold']:.4f}  temperature: {card['calibration']['temperature']:.3f}")
    for split, m in card.get("metrics", {}).items():
        if "n" not in m:
            continue
        print(metrics_line(split, m))
        if m.get("ignoring_gate", {}).get("n"):
            print(metrics_line("(no gate)", m["ignoring_gate"]))
    print(f"report: {report['path']}")
    left_out = report.get("left_out") or []
    if quiet and report.get("unused"):  # else named above, as the job found them
        print("folders not used:\n  " + "\n  ".join(report["unused"]), file=sys.stderr)
    if left_out and not quiet:
        print(f"{len(left_out)} files were left out (named above)", file=sys.stderr)
    elif left_out:  # the progress lines that named them were not printed
        print(f"{len(left_out)} files were left out:\n  " + "\n  ".join(left_out[:20])
              + (f"\n  ... and {len(left_out) - 20} more" if len(left_out) > 20 else ""), file=sys.stderr)


def run(args) -> int:
    from covidxray_desktop import outputs
    from covidxray_desktop.commands.writing import writable
    from covidxray_desktop.logs import log
    from covidxray_desktop.paths import user_data_dir
    from covidxray_desktop.store import default_path
    from covidxray_desktop.training.job import train
    from covidxray_desktop.training.session import Session

    out = Path(args.out) if args.out else user_data_dir() / "models"
    # The ROC and curves pictures go there: inside the data they would be read as films.
    outputs.check(out, "--out", [args.data], store=default_path(), folder_output=True)
    writable(out, "--out", folder=True)  # a read-only or full disk said now, not after the epochs
    session = Session(progress_printer(args.quiet))
    previous = interruptible(session)
    started = time.time()
    try:
        bundle, report = train(args.data, arch=args.arch, epochs=args.epochs, out_dir=out, name=args.name,
                               seed=args.seed, on_event=session.emit, cancelled=session.stopping,
                               exclude_sources=tuple(args.exclude_source), limit=args.limit,
                               ablate=tuple(args.ablate), variants=tuple(args.variant), precision=args.precision,
                               overwrite=args.overwrite, lungs_from=args.lungs_from)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    log.info("train: %s on %s in %.0f s, model %s", args.arch, bundle.card["training"]["device"],
             bundle.card["training"]["wall_time_s"], bundle.ident)
    print_outcome(bundle, report, time.time() - started, args.quiet)
    return 0
