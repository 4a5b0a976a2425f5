"""Replacing a bundle's files as one change: a save killed at any moment leaves the old bundle
whole, or (once the new one is whole) the new one; never a mix that loads as neither.

The new files are written into a fresh hidden folder beside the bundle. Renaming that folder to
`.NAME.saved` is the moment the save happens; the files then move out of it, the card last, and
the folder goes. A save killed while they move is finished by the next load (`finish`).
"""
import os
import shutil
import tempfile
from pathlib import Path

from covidxray_desktop.files import fsync, readable


def together(folder, name: str, files: dict) -> None:
    """`files`: final file name -> a finished temp file (in `folder` or a folder inside it, so the
    moves are renames)."""
    folder = Path(folder)
    stage = Path(tempfile.mkdtemp(dir=folder, prefix=f".{name}.saving-"))
    try:
        for final, tmp in files.items():
            fsync(tmp)
            readable(tmp)
            os.replace(tmp, stage / final)
        finish(folder, name)  # an earlier save cut short goes in first, so the later one wins
        os.rename(stage, _saved(folder, name))
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finish(folder, name)


def finish(folder, name: str) -> None:
    """Move the files of a save that reached its moment into place (the card last), if there is one."""
    saved = _saved(Path(folder), name)
    if not saved.is_dir():
        return
    for entry in sorted(saved.iterdir(), key=lambda p: (p.suffix == ".json", p.name)):
        _move(entry, Path(folder) / entry.name)
    saved.rmdir()


def _move(source: Path, target: Path) -> None:
    os.replace(source, target)


def _saved(folder: Path, name: str) -> Path:
    return folder / f".{name}.saved"
