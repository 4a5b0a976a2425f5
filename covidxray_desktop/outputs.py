"""Where a command may write: never over an input, the results store, or where it would read.

Paths are resolved (symlinks followed) before they are compared, so a link to an input folder
is the input folder.
"""
import os
from pathlib import Path

from covidxray_desktop.errors import UsageError
from covidxray_desktop.files import display_path, inside
from covidxray_desktop.imaging.detect import IMAGE_EXTENSIONS, sniff


def _real(path) -> str:
    return os.path.realpath(os.path.abspath(os.path.expanduser(str(path))))


def check(target, option: str, inputs=(), files=(), store=None, folder_output: bool = False) -> Path:
    """Refuse (UsageError, exit 2) an output that would overwrite or feed an input.

    `inputs`: the paths given; `files`: the files the run will read; `store`: the results store;
    `folder_output`: the target is a folder of pictures (heat maps), which must not sit in an input
    folder, where a later run would read them."""
    where = _real(target)
    shown = display_path(target)
    if store is not None:
        db = _real(store)
        if where in (db, db + "-wal", db + "-shm", db + "-journal"):
            raise UsageError(f"{option} {shown} is the results store; choose another file.")
    read = {_real(f) for f in files} | {_real(p) for p in inputs if not os.path.isdir(p)}
    if where in read:
        raise UsageError(f"{option} {shown} is one of the input files; it would be overwritten. "
                         f"Choose a file outside the inputs.")
    for given in inputs:
        if not os.path.isdir(given):
            continue
        folder = _real(given)
        if not inside(where, folder):
            continue
        if folder_output:
            raise UsageError(f"{option} {shown} is inside the input folder {display_path(given)}; a later run would "
                             f"read its pictures. Choose a folder outside the inputs.")
        if Path(where).suffix.lower() in IMAGE_EXTENSIONS or (os.path.isfile(where) and sniff(where)):
            raise UsageError(f"{option} {shown} is inside the input folder {display_path(given)} and has the name or "
                             f"content of a file the run reads. Choose another name or folder.")
    if not folder_output and os.path.isfile(where) and sniff(where):
        raise UsageError(f"{option} {shown} exists and holds an image; it is not overwritten. Choose another file.")
    if os.path.isdir(where) and not folder_output:
        raise UsageError(f"{option} {shown} is a folder; give a file name.")
    parent = Path(where).parent
    if not folder_output and not parent.is_dir():
        raise UsageError(f"{option} {shown}: the folder {display_path(parent)} does not exist.")
    return Path(target)
