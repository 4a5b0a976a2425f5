"""Where a command may write: never over an input, the results store, the model in use, or where it
would read; never through a symbolic link.

Paths are resolved (symlinks followed) before they are compared, so a link to an input folder
is the input folder; files are also compared by device and inode, so a hard link to the store is
the store.
"""
import errno
import os
import stat
from pathlib import Path

from covidxray_desktop.errors import UsageError
from covidxray_desktop.files import display_path, inside, is_device, open_standard, standard_stream
from covidxray_desktop.imaging.detect import IMAGE_EXTENSIONS, sniff
from covidxray_desktop.paths import default_model
from covidxray_desktop.store_schema import APPLICATION_ID

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _real(path) -> str:
    return os.path.realpath(os.path.abspath(os.path.expanduser(str(path))))


def _identity(path):
    """(device, inode) of an existing file, or None: two names of one file share it."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino


def _guarded(store, files, inputs, protected) -> list:
    """(what it is, its paths) for every file an output must never replace."""
    groups = []
    if store is not None:
        db = _real(store)
        groups.append(("the results store", [db, db + "-wal", db + "-shm", db + "-journal"]))
    groups.append(("a file of the model in use", [_real(p) for p in protected]))
    groups.append(("one of the input files",
                   [_real(f) for f in files] + [_real(p) for p in inputs if not os.path.isdir(p)]))
    return groups


def _overwritten(where: str, store, files, inputs, protected) -> str | None:
    same = _identity(where)
    for what, paths in _guarded(store, files, inputs, protected):
        if where in paths or (same is not None and same in {_identity(p) for p in paths}):
            return what
    return _database(where)


MODEL_FILES = (".keras", ".onnx", ".npz")  # a bundle's network, light-runtime exports and rehearsal store


def _model_file(where: str) -> str | None:
    """A file of another model (a copy of the bundle, last month's adapted model): a report written
    over its network or its card left a model that would not load, with advice to update the app."""
    path = Path(where)
    if not path.is_file():
        return None
    if path.suffix.lower() in MODEL_FILES:
        return "a model's file"
    if path.suffix.lower() != ".json":
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    # A card begins with what a model is; a report JSON never names its arch and preprocessing.
    return "a model's card" if b'"arch"' in head and b'"preprocessing"' in head else None


def _database(where: str) -> str | None:
    """Another results store (a ward's own, last year's) or any other SQLite file: a list or a report
    written over it would destroy what it keeps, whichever store this run uses."""
    try:
        if not stat.S_ISREG(os.stat(where).st_mode):  # a pipe, a terminal, /dev/stdout: never opened to be read
            return None
        with open(where, "rb") as fh:
            head = fh.read(72)
    except OSError:  # absent, unreadable: not a database this run could destroy
        return None
    if not head.startswith(b"SQLite format 3\x00"):
        return None
    return "a results store" if head[68:72] == APPLICATION_ID.to_bytes(4, "big") else "a database"


def in_bundled_folder(path) -> bool:
    """Is `path` in the bundled model's folder, which nothing ever writes into?"""
    return inside(_real(path), _real(default_model().parent))


def overwrites(target, files=(), store=None, protected=()) -> str | None:
    """For the window, which asks for no option: what `target` is of the files an export must never
    replace ("the bundled model's folder", "the results store", "a file of the model in use", "one
    of the input files", "an image"), or None when it may be written."""
    where = _real(target)
    if in_bundled_folder(where):
        return "the bundled model's folder"
    what = _overwritten(where, store, files, (), protected) or _model_file(where)
    return what or ("an image" if os.path.isfile(where) and sniff(where) else None)


def check(target, option: str, inputs=(), files=(), store=None, folder_output: bool = False,
          protected=(), pictures: bool = False, make_folder: bool = False, model: bool = False) -> Path:
    """Refuse (UsageError, exit 2) an output that would overwrite or feed an input.

    `inputs`: the paths given; `files`: the files the run will read; `store`: the results store;
    `protected`: other files never to replace (the model bundle in use); `folder_output`: the target
    is a folder of pictures (heat maps), which must not sit in an input folder, where a later run
    would read them; `pictures`: the target is a file with pictures written beside it (a model and
    its ROC), which must not sit there either; `make_folder`: the command makes the target's folder;
    `model`: the target is a model bundle (`adapt --out`), which may replace another one when asked."""
    where = _real(target)
    shown = display_path(target)
    given = os.path.abspath(os.path.expanduser(str(target)))
    if not folder_output and os.path.islink(given) and not _stream_link(given):
        raise UsageError(_link(option, shown))
    if in_bundled_folder(where):
        raise UsageError(f"{option} {shown} is in the bundled model's folder; the bundled model is never "
                         f"overwritten. Choose another folder.")
    what = _overwritten(where, store, files, inputs, protected) or (None if model else _model_file(where))
    if what:
        raise UsageError(f"{option} {shown} is {what}; it would be overwritten. Choose another file.")
    for given in inputs:
        folder = _films_folder(given)
        if folder is None or not inside(where, folder):
            continue
        named = display_path(given) if os.path.isdir(given) else f"{display_path(folder)} (its manifest's)"
        if folder_output or pictures:
            raise UsageError(f"{option} {shown} is inside the input folder {named}; a later run would "
                             f"read its pictures. Choose a folder outside the inputs.")
        if Path(where).suffix.lower() in IMAGE_EXTENSIONS or (os.path.isfile(where) and sniff(where)):
            raise UsageError(f"{option} {shown} is inside the input folder {named} and has the name or "
                             f"content of a file the run reads. Choose another name or folder.")
    if not folder_output and os.path.isfile(where) and sniff(where):
        raise UsageError(f"{option} {shown} exists and holds an image; it is not overwritten. Choose another file.")
    if os.path.isdir(where) and not folder_output:
        raise UsageError(f"{option} {shown} is a folder; give a file name.")
    parent = Path(where).parent
    if not folder_output and not make_folder and not parent.is_dir():
        raise UsageError(f"{option} {shown}: the folder {display_path(parent)} does not exist.")
    return Path(target)


def _films_folder(given) -> str | None:
    """The folder whose films a run reads: a folder given, or a manifest's own (its films are listed
    from there); None for a single film."""
    if os.path.isdir(given):
        return _real(given)
    if str(given).lower().endswith(".csv") and os.path.isfile(given):
        return _real(os.path.dirname(os.path.abspath(os.path.expanduser(str(given)))))
    return None


def distinct(named, printed: str | None = None) -> None:
    """Refuse (UsageError) two outputs of one command given the same file: the second would replace
    the first without a word. `named`: (option, target) pairs; None skipped. "-" (standard output)
    is the CSV list's alone: a report given it would be written to a file named "-"; nor may a report
    name standard output (/dev/stdout) while the list goes there. `printed`: what a command that
    prints its own report there calls it (evaluate, bench); every option then needs a file."""
    named = list(named)
    seen = []  # (option, resolved path, identity of an existing file)
    stdout = printed or "the CSV list"
    listed = printed is not None or any(option == "--csv" and target == "-" for option, target in named)
    for option, target in named:
        if target == "-" and (option != "--csv" or printed):
            raise UsageError(f"{option} -: standard output carries {stdout}; give {option} a file name.")
        if not target or target == "-":
            continue
        if listed and standard_stream(target) == 1:
            other = f"Give {option} a file." if printed else f"Give --csv a file, or {option} another."
            raise UsageError(f"{option} {target}: standard output carries {stdout}, and the two would be "
                             f"mixed. {other}")
        where = _real(target)
        same = _identity(where)
        for first, path, ident in seen:
            if path == where or (same is not None and same == ident):
                raise UsageError(f"{option} and {first} are both {display_path(target)}; one would replace the "
                                 f"other. Give each its own file.")
        seen.append((option, where, same))


def open_stream(target, option: str):
    """A text stream to write rows into as they come: a `Rows` for a file, never written through a
    symbolic link or into a file with a second name (a hard link to the store, say); a terminal,
    /dev/null or a pipe (`/dev/stdout`, a shell's `>(...)`) is written as it is."""
    shown = display_path(target)
    number = standard_stream(target)
    if number:  # `--csv /dev/stdout > out.csv`: the shell's file, written where standard output stands
        return Rows(open_standard(number, "w", newline="", encoding="utf-8"))
    if is_device(target):  # itself or through a link
        fd = os.open(target, os.O_WRONLY)
        if stat.S_ISREG(os.fstat(fd).st_mode):  # swapped for a link to a file since it was looked at
            os.close(fd)
            raise UsageError(_link(option, shown))
        return Rows(os.fdopen(fd, "w", newline="", encoding="utf-8"))
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UsageError(_link(option, shown))
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{option} {shown} is neither a file, a terminal nor a pipe; it is not written.")
        if info.st_nlink > 1:
            raise UsageError(f"{option} {shown} has another name (a hard link); writing it would change that "
                             f"file too. Choose another file.")
        if not os.access(target, os.W_OK):  # replacing it needs only the folder: its mark is honoured
            raise UsageError(f"{option} {shown} is read-only; it is not replaced. Choose another file.")
    partial = f"{target}.partial"
    fd = _open_locked(partial, option, shown)
    try:
        os.ftruncate(fd, 0)
        if info is not None and hasattr(os, "fchmod"):  # (not on Windows before Python 3.13)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))  # an earlier CSV kept private stays private
        return Rows(os.fdopen(fd, "w", newline="", encoding="utf-8"), partial, target)
    except BaseException:
        os.close(fd)
        raise


def _open_locked(partial: str, option: str, shown: str) -> int:
    """`partial` opened and locked for this run alone: two runs truncating one .partial left NUL bytes
    and both runs' rows. A file a finishing run renamed away while this one opened it is let go."""
    for _ in range(3):
        try:
            if os.path.islink(partial):
                os.unlink(partial)  # a planted link is removed, never written through
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | NOFOLLOW, 0o666)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(partial)) from None
        try:
            if os.fstat(fd).st_nlink > 1:  # checked before emptying it: the other name's file is left whole
                raise UsageError(f"{option} {display_path(partial)} has another name (a hard link); it is not "
                                 f"written.")
            if not _locked(fd):
                raise UsageError(f"{option} {shown} is being written by another covidxray now; wait for it to "
                                 f"finish or choose another file.")
            mine, named = os.fstat(fd), _stat_or_none(partial)
        except BaseException:
            os.close(fd)
            raise
        if named is not None and (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino):
            return fd
        os.close(fd)  # renamed to its CSV's name by the run that held it: open the name again
    raise UsageError(f"{option} {shown} is being written by another covidxray now; wait for it to finish or "
                     f"choose another file.")


def _stat_or_none(path):
    try:
        return os.stat(path)
    except OSError:
        return None


def _locked(fd: int) -> bool:
    """An exclusive lock on the open file, held until it is closed; False if another process holds one."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:  # Windows says a held lock with EDEADLOCK; a share without locks is written unlocked
        return exc.errno != getattr(errno, "EDEADLOCK", errno.EDEADLK)
    return True


class Rows:
    """Rows written as they come. A file's go into `<name>.partial` beside it and take its name only
    at `finish`: the name holds a whole run's rows or an earlier run's, never a part of one (a run
    stopped, failed or killed leaves its rows under the .partial name)."""

    def __init__(self, file, partial=None, target=None):
        self.file, self.partial, self.target = file, partial, target

    def write(self, text: str) -> int:
        return self.file.write(text)

    def flush(self) -> None:
        self.file.flush()

    @property
    def closed(self) -> bool:
        return self.file.closed

    def close(self) -> None:
        self.file.close()

    def finish(self) -> None:
        if self.partial:
            self.file.flush()
            os.fsync(self.file.fileno())
            if os.name != "nt":  # renamed while still locked: no other run can empty it in between
                os.replace(self.partial, self.target)
                self.file.close()
                return
        self.file.close()
        if self.partial:  # Windows renames no open file; a run that opened it since makes this fail, never empty it
            os.replace(self.partial, self.target)


def _stream_link(path) -> bool:
    """A link to a terminal, /dev/null, a pipe or standard output (/dev/stdout): outputs may go through those."""
    return os.path.islink(path) and (is_device(path) or standard_stream(path) is not None)


def _link(option: str, shown: str) -> str:
    return (f"{option} {shown} is a symbolic link; outputs are not written through links. "
            f"Give the file itself or another name.")
