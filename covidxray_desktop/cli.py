"""Command line: sub-commands run headless jobs; no command (or `gui`, or paths) opens the window."""
import argparse
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from covidxray_desktop import DISCLAIMER, __version__
from covidxray_desktop.errors import CovidXrayError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="covidxray", description=f"Chest X-ray COVID-19 / Normal classifier. {DISCLAIMER}")
    p.add_argument("--version", action="version", version=f"covidxray {__version__}")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("gui", help="open the window (also with no command, or with only FILE/FOLDER paths); "
                               "covidxray gui --help lists its options")

    c = sub.add_parser("classify", help="classify X-ray files and folders; CSV to stdout or --csv")
    c.add_argument("paths", nargs="+", metavar="PATH")
    c.add_argument("--csv", metavar="FILE", help="write results here (default: standard output)")
    c.add_argument("--model", metavar="BUNDLE", help="model .keras file (default: the bundled model)")
    c.add_argument("--db", metavar="FILE", help="results store (default: the per-user one; see info)")
    c.add_argument("--force", action="store_true", help="classify again files this model has already done")
    c.add_argument("--anonymise", action="store_true", help="file names instead of full paths in the CSV")
    c.add_argument("--heatmaps", metavar="DIR", help="write a heat-map PNG per ok row into DIR")
    c.add_argument("--threshold", type=float, help="decision threshold on P(COVID) (default: the model card's)")
    c.add_argument("--quiet", action="store_true", help="no progress on stderr")
    c.add_argument("--decode-limit", type=float, default=30.0, metavar="SECONDS",
                   help="give up on a file whose decoding takes longer (default 30; 0: no limit, no worker process)")

    t = sub.add_parser("train", help="train a model on class folders or a manifest CSV")
    t.add_argument("data", metavar="DATA")
    t.add_argument("--epochs", type=int, default=16)
    t.add_argument("--arch", choices=["default", "article"], default="default")
    t.add_argument("--out", metavar="DIR", help="where the bundle and report go (default: per-user models folder)")
    t.add_argument("--name", help="bundle name (default: the architecture)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--exclude-source", action="append", default=[], metavar="SOURCE",
                   help="leave a source out of training and score the model on it (repeatable)")
    t.add_argument("--limit", type=int, help="use a small class-balanced subset of about N images")
    t.add_argument("--ablate", action="append", default=[], choices=["augment", "source-weights", "equalise"],
                   help="switch off one part of the default recipe, to measure what it buys (repeatable)")
    t.add_argument("--variant", action="append", default=[], choices=["balanced-sampling"],
                   help="try a variation of the default recipe (repeatable)")
    t.add_argument("--precision", choices=["auto", "mixed", "float32"], default="auto",
                   help="auto: mixed bfloat16 on a GPU, float32 on a CPU")
    t.add_argument("--quiet", action="store_true")

    e = sub.add_parser("evaluate", help="metrics of a model on labelled data")
    e.add_argument("data", metavar="DATA")
    e.add_argument("--model", metavar="BUNDLE")
    e.add_argument("--split", default="test", choices=["train", "val", "test", "all"])
    e.add_argument("--json", metavar="FILE")
    e.add_argument("--threshold", type=float)
    e.add_argument("--ood", metavar="DIR", help="also build the out-of-distribution test set in DIR and score refusals")
    e.add_argument("--quiet", action="store_true")

    b = sub.add_parser("bench", help="measure speed and memory on this machine, beside the article's network")
    b.add_argument("--data", default=str(Path("..") / "shared" / "data"), metavar="DIR",
                   help="X-ray data folder or manifest to draw the ~300-image sample from")
    b.add_argument("--n", type=int, default=300, help="sample size")
    b.add_argument("--model", metavar="BUNDLE")
    b.add_argument("--json", metavar="FILE")
    b.add_argument("--quiet", action="store_true")

    h = sub.add_parser("history", help="past results from the store, as classify's CSV")
    h.add_argument("--db", metavar="FILE")
    h.add_argument("--since", metavar="YYYY-MM-DD")
    h.add_argument("--csv", metavar="FILE")
    h.add_argument("--anonymise", action="store_true", help="file names instead of full paths")

    f = sub.add_parser("forget", help="delete stored results recorded before a date (patient data retention)")
    f.add_argument("--before", metavar="YYYY-MM-DD", required=True)
    f.add_argument("--db", metavar="FILE")

    sub.add_parser("info", help="version, model, folders and decoders")
    return p


COMMANDS = ("classify", "train", "evaluate", "bench", "history", "forget", "info")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    if _opens_window(argv):
        from covidxray_desktop.gui.app import main as window  # files dropped on the icon arrive as paths

        return window(argv[1:] if argv and argv[0] == "gui" else argv)
    args = parser().parse_args(argv)
    from covidxray_desktop import backend
    from covidxray_desktop.logs import log, setup

    backend.quiet()
    setup()
    log.info("command %s started (version %s)", args.command, __version__)
    try:
        if args.command == "classify":
            from covidxray_desktop.commands.classify import run
        elif args.command == "train":
            from covidxray_desktop.commands.train import run
        elif args.command == "evaluate":
            from covidxray_desktop.commands.evaluate import run
        elif args.command == "bench":
            from covidxray_desktop.commands.bench import run
        elif args.command in ("history", "forget"):
            from covidxray_desktop.commands.history import run
        else:
            from covidxray_desktop.commands.info import run
        return run(args)
    except CovidXrayError as exc:
        print(f"covidxray: {exc}", file=sys.stderr)
        log.warning("command %s stopped: %s", args.command, type(exc).__name__)
        return 2
    except (OSError, sqlite3.Error, subprocess.CalledProcessError) as exc:
        name = getattr(exc, "filename", None)
        reason = getattr(exc, "strerror", None) or exc
        print(f"covidxray: {name + ': ' if name else ''}{reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("covidxray: interrupted", file=sys.stderr)
        return 130


def _opens_window(argv) -> bool:
    """No command, `gui`, a window option, or paths; a mistyped command gets argparse's answer."""
    if not argv or argv[0] == "gui":
        return True
    first = argv[0]
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return False
    return first.startswith("-") or Path(first).exists() or "/" in first or os.sep in first or "." in first


def load_model(path):
    """The bundle named on the command line, or the bundled default."""
    from covidxray_desktop.model.bundle import load_bundle
    from covidxray_desktop.paths import default_model

    return load_bundle(Path(path) if path else default_model())
