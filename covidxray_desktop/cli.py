"""Command line: sub-commands run headless jobs; no command (or `gui`, or paths) opens the window.

The one table of commands below is what the parser, `main` and the processor check read.
"""
import argparse
import importlib
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from covidxray_desktop import DISCLAIMER, __version__
from covidxray_desktop.errors import CovidXrayError, Terminated
from covidxray_desktop.files import printable


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    tensorflow: bool  # loads TensorFlow (so needs AVX on x86 PCs)
    window: bool = False

    @property
    def module(self):
        return importlib.import_module(f"covidxray_desktop.commands.{self.name}")


COMMANDS = {c.name: c for c in (
    Command("gui", "open the window (also with no command, or with only FILE/FOLDER paths); "
                   "covidxray gui --help lists its options", tensorflow=False, window=True),
    Command("classify", "classify X-ray files and folders; CSV to stdout or --csv", tensorflow=False),
    Command("train", "train a model on class folders or a manifest CSV", tensorflow=True),
    Command("adapt", "fine-tune a model to a site's own labelled films", tensorflow=True),
    Command("rehearsal", "keep a bundle's rehearsal store (training films as its frozen blocks see them), "
                         "which adapting its backbone needs", tensorflow=True),
    Command("evaluate", "metrics of a model on labelled data (a clinic's own folder: every film)", tensorflow=False),
    Command("bench", "measure speed and memory on this machine, beside the article's network", tensorflow=True),
    Command("export", "add the light-runtime export to a bundle trained off TensorFlow (on a GPU machine)",
            tensorflow=True),
    Command("history", "past results from the store, as classify's CSV", tensorflow=False),
    Command("forget", "delete stored results recorded before a date (patient data retention)", tensorflow=False),
    Command("info", "version, model, folders and decoders", tensorflow=False),
)}


def program() -> str:
    """The name to type: a built app's console program is covidxray-cli (on Windows, covidxray.exe is
    the window, whose printout goes nowhere, so help that says "covidxray" sends users there)."""
    called = Path(sys.argv[0] if sys.argv else "").stem
    return "covidxray-cli" if getattr(sys, "frozen", False) and called.lower() == "covidxray-cli" else "covidxray"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=program(), description=f"Chest X-ray COVID-19 / Normal classifier. {DISCLAIMER}")
    p.add_argument("--version", action="version", version=f"covidxray {__version__}")
    sub = p.add_subparsers(dest="command")
    p.commands = {}  # each command's own parser: its usage is the one to show for its mistakes
    for command in COMMANDS.values():
        p.commands[command.name] = sub.add_parser(command.name, help=command.help)
        if not command.window:  # the window parses its own options
            command.module.add_arguments(p.commands[command.name])
    return p


def parsed(argv) -> argparse.Namespace:
    """The arguments, or exit 2 with the usage of the command they were meant for."""
    p = parser()
    args, unknown = p.parse_known_args(argv)  # help, --version and a mistyped command end here
    if unknown:
        p.commands.get(args.command, p).error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv=None) -> int:
    """The app: the window or a headless command; the processor is checked first when the command
    needs TensorFlow (without AVX its import kills the process)."""
    from covidxray_desktop import cpu

    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    refused = misused(argv)
    if refused:
        print(printable(f"covidxray: {refused}"), file=sys.stderr)
        return 2
    command = which(argv)
    if command is not None and command.tensorflow:
        refused = cpu.check()
        if refused is not None:
            return refused
    if command is not None and command.window:
        from covidxray_desktop.gui.app import main as window  # files dropped on the icon arrive as paths

        return window(argv[1:] if argv and argv[0] == "gui" else argv)
    args = parsed(argv)
    command = COMMANDS[args.command]
    if not command.tensorflow and (getattr(args, "runtime", None) == "keras" or getattr(args, "devices", False)):
        refused = cpu.check()  # `evaluate --runtime keras` and `info --devices` load TensorFlow too
        if refused is not None:
            return refused
    from covidxray_desktop import backend
    from covidxray_desktop.logs import log, setup
    from covidxray_desktop.training.session import Cancelled

    backend.quiet()
    setup()
    log.info("command %s started (version %s)", args.command, __version__)
    previous = _stop_on_sigterm()
    try:
        return command.module.run(args)
    except CovidXrayError as exc:
        print(printable(f"covidxray: {exc}"), file=sys.stderr)
        log.warning("command %s stopped: %s", args.command, type(exc).__name__)
        return 2
    except BrokenPipeError:  # standard output's reader has gone (`covidxray history | head`): not an error
        _drop_stdout()
        log.info("command %s stopped: its output's reader had gone", args.command)
        return 141  # as a shell reports a command ended by SIGPIPE
    except (OSError, sqlite3.Error, subprocess.CalledProcessError) as exc:
        name = getattr(exc, "filename", None)
        reason = getattr(exc, "strerror", None) or exc
        print(printable(f"covidxray: {name + ': ' if name else ''}{reason}"), file=sys.stderr)
        return 2
    except Cancelled:  # a second Ctrl+C in train or adapt: the run is given up
        print("covidxray: stopped; nothing was saved", file=sys.stderr)
        return 130
    except KeyboardInterrupt as exc:  # it may say what the command left behind
        how = "stopped by the system (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
        print(printable(f"covidxray: {how}{'; ' + str(exc) if str(exc) else ''}"), file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130  # as a shell reports either signal
    finally:
        if previous is not None:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm():
    """SIGTERM (a shutdown, a scheduler, `kill`) stops a command as Ctrl+C does, so it says what it left
    behind; killed outright, classify left a .partial CSV and not a word. A second one kills at once."""
    import signal

    def handler(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests)
        return None


def _drop_stdout() -> None:
    """Point standard output at the null device, so the interpreter's last flush at exit does not
    fail a second time on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def misused(argv) -> str | None:
    """Arguments no command can mean: an empty value (a script's unset variable: `--db ""` answered
    from, and `forget` deleted in, the per-user store), or an option put before a headless command
    (`covidxray --db X history` opened the window and queued a file named "history")."""
    for i, token in enumerate(argv):
        if token.startswith("--") and "=" in token and not token.partition("=")[2]:
            return f"{token[:-1]} was given an empty value (an unset variable in a script?); nothing was done."
        if token == "":
            after = f" after {argv[i - 1]}" if i else ""
            return f"an empty argument{after} (an unset variable in a script?); nothing was done."
    first = argv[0] if argv else ""
    if first.startswith("-") and first not in ("-h", "--help", "--version"):
        named = next((a for a in argv[1:] if a in COMMANDS and not COMMANDS[a].window and not Path(a).exists()), None)
        if named:
            return f"options go after the command (covidxray {named} --help lists its own): covidxray {named} ..."
    return None


def which(argv) -> Command | None:
    """The command argv asks for: a headless one, the window (no command, `gui`, a window option
    or paths), or None for the parser to answer (help, version, a mistyped command)."""
    if not argv:
        return COMMANDS["gui"]
    first = argv[0]
    if first in COMMANDS:
        return COMMANDS[first]
    if first in ("-h", "--help", "--version"):
        return None
    opens = first.startswith("-") or Path(first).exists() or "/" in first or os.sep in first or "." in first
    return COMMANDS["gui"] if opens else None
