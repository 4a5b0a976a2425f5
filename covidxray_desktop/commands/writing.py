"""Outputs the commands write: checked before the work starts, and a write error named when it comes."""
import os
import shutil
import tempfile
from pathlib import Path

from covidxray_desktop.errors import CovidXrayError, UsageError
from covidxray_desktop.files import display_path, is_stream, write_output


def writable(target, option: str, folder: bool = False) -> None:
    """Refuse, before any file is read, an output that cannot be written: a read-only folder or a
    full disk would otherwise show only after the whole batch."""
    where = Path(target).expanduser().absolute()
    parent = where if folder else where.parent
    while folder and not parent.exists() and parent != parent.parent:
        parent = parent.parent  # made when the batch starts, inside the nearest folder there is
    if not folder and is_stream(where):
        return  # a device such as /dev/null: written as it is
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
        full = shutil.disk_usage(parent).free < 1 << 20
    except OSError as exc:
        raise UsageError(f"{option} {display_path(target)}: the folder cannot be written ({exc.strerror}).")
    if full:
        raise UsageError(f"{option} {display_path(target)}: the disk is full.")
    if not folder and where.is_file() and not os.access(where, os.W_OK):  # as classify's --csv refuses it
        raise UsageError(f"{option} {display_path(target)} is read-only; it is not replaced. Choose another file.")


def outside_bundled(bundle, label: str) -> None:
    """Refuse a bundle that would be written beside (`export`, `rehearsal`) when it lies in the
    bundled model's folder: its files are the app's, and its hash names every stored result."""
    from covidxray_desktop.outputs import in_bundled_folder

    if in_bundled_folder(bundle):
        raise UsageError(f"{label} is in the bundled model's folder: the bundled model is never rewritten; "
                         f"copy it elsewhere first.")


def write_json(target, data) -> None:
    """A JSON report: whole or absent under a file's name; a device or a pipe (/dev/stdout) is
    written as it is."""
    import json

    write_output(target, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def written(write, target, done: int, partial=None, finished: bool = False):
    """A CSV write; a full disk or a lost share stops the batch with a sentence naming the file.
    `partial`: the file the rows go into until the batch is done (outputs.Rows), if not the target.
    `finished`: the write is the last step after every file was classified (the rename)."""
    try:
        return write()
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) and (not target or target == "-"):
            raise  # the reader of standard output has gone (`| head`): stop quietly, as other tools do
        where = display_path(target) if target and target != "-" else "standard output"
        if finished and partial:
            raise CovidXrayError(f"{where}: cannot be written ({exc.strerror or exc}); all {done} files were "
                                 f"classified, {display_path(partial)} holds every row and {where} is left as it "
                                 f"was. Every result is in the results store (covidxray history lists them).") from None
        part = (f"{display_path(partial)} holds its rows so far and {where} is left as it was" if partial else
                "this CSV is incomplete")
        raise CovidXrayError(f"{where}: cannot be written ({exc.strerror or exc}); the batch stopped after "
                             f"{done} files and {part}. Every result so far is in the results store "
                             f"(covidxray history lists them).") from None
