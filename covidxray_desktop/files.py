"""The ground floor: hashing, atomic writes, private folders, and reading only regular files.

Nothing here knows about X-rays or models; every other module may use it.
"""
import hashlib
import json
import os
import stat
import tempfile
import threading
import unicodedata
from pathlib import Path

from covidxray_desktop.errors import CovidXrayError

CHUNK = 1 << 20


def display_path(path) -> str:
    """A path as text that can always be printed, stored and written to CSV.

    On Linux a file name need not be UTF-8 (`M\\xfcller.jpg` from an old Windows share); Python
    keeps such bytes as surrogates, which no encoder accepts. They are shown escaped instead.
    """
    raw = path if isinstance(path, bytes) else os.fsencode(str(path))
    return raw.decode("utf-8", "backslashreplace")


def printable(text) -> str:
    """Text to print on a terminal: control and format characters shown escaped (a file name can hold
    an escape sequence, which a terminal would obey: recolour, move the cursor, retitle the window;
    or a right-to-left override that disguises it). Other spaces, as Chinese names use, are kept."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf") else ch
                   for ch in str(text))


def inside(child: str, folder: str) -> bool:
    """Is `child` the folder itself or below it (paths as the OS spells them, already resolved)?"""
    return child == folder or child.startswith(folder.rstrip(os.sep) + os.sep)


def display_name(path) -> str:
    return display_path(Path(path).name if not isinstance(path, bytes) else os.path.basename(path))


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class NotRegular(CovidXrayError):
    """A path that is a device, a pipe, a socket or a folder: never read as a file."""


def open_regular(path, limit: int | None = None):
    """Open a regular file for reading, refusing devices, FIFOs and sockets without blocking on them.

    O_NONBLOCK keeps open() of a FIFO from waiting for a writer; the check is made on the opened
    descriptor, so a swap between the check and the read cannot slip anything else in.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"{display_name(path)}: {kind_of(info.st_mode)}, not a regular file; it is not read.")
        if limit is not None and info.st_size > limit:
            raise CovidXrayError(f"{display_name(path)}: {info.st_size / 2**20:.0f} MB is more than the "
                                 f"{limit / 2**20:.0f} MB this app reads from one file.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, limit: int) -> bytes:
    with open_regular(path, limit) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew while we read
        raise CovidXrayError(f"{display_name(path)}: more than {limit / 2**20:.0f} MB; it is not read.")
    return data


def kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def write_json_atomic(path, data, private: bool = False) -> None:
    write_text_atomic(path, json.dumps(data, indent=1), private)


def write_text_atomic(path, text: str, private: bool = False) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), private)


def write_bytes_atomic(path, data: bytes, private: bool = False) -> None:
    """Temp file beside the target, fsync, rename: readers see the old file or the new, never half.

    A failure names the target, and leaves no temp file behind. `private`: readable by this user only.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent, prefix=f".{path.stem}-")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        if not private:
            readable(tmp)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2, "/dev/fd/1": 1, "/dev/fd/2": 2, "/proc/self/fd/1": 1,
             "/proc/self/fd/2": 2}


def standard_stream(path) -> int | None:
    """1 or 2 when `path` names this process's own standard output or error (/dev/stdout), whatever the
    shell sent it to: `--summary /dev/stdout > s.json` writes into that stream, where opening the name
    again would start the file over."""
    number = _STANDARD.get(os.path.abspath(os.path.expanduser(str(path))))
    try:
        return number if number and os.path.samestat(os.stat(path), os.fstat(number)) else None
    except (OSError, ValueError):
        return None


def is_device(path) -> bool:
    """A terminal, /dev/null or a pipe (a named one, a shell's >(...)), itself or through a link."""
    try:
        mode = os.stat(Path(path).expanduser()).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def is_stream(path) -> bool:
    """A device or a pipe (/dev/null, /dev/stdout, a named pipe), or standard output sent to a file:
    written as it is, never replaced."""
    return is_device(path) or standard_stream(path) is not None


def open_standard(number: int, mode: str = "wb", **kwargs):
    """A stream of its own onto standard output or error, after what Python has buffered for it."""
    import sys

    (sys.stdout if number == 1 else sys.stderr).flush()
    return os.fdopen(os.dup(number), mode, **kwargs)


def write_output(path, data: bytes) -> None:
    """A report the user named: whole or absent under a file's name; a device or a pipe is written
    as it is (a temp file cannot be made beside it, and renamed onto it would replace it)."""
    if is_stream(path):
        number = standard_stream(path)
        with open_standard(number) if number else open(Path(path).expanduser(), "wb") as stream:
            stream.write(data)
        return
    write_bytes_atomic(Path(path).expanduser(), data)


def write_through(path, write, private: bool = False) -> None:
    """`write(stream)` fills a binary stream (Pillow's save, say) that lands atomically at `path`.

    The rename replaces a symbolic link planted at `path` instead of writing to where it points."""
    import io

    buf = io.BytesIO()
    write(buf)
    write_bytes_atomic(path, buf.getvalue(), private)


def replace_atomic(tmp, path, private: bool = False) -> None:
    """Finish a file written elsewhere under a temp name: fsync, permissions, rename."""
    fsync(tmp)
    if not private:
        readable(tmp)
    os.replace(tmp, path)


def readable(path) -> None:
    """mkstemp makes owner-only files; models, cards and exports are for the user's usual readers."""
    os.chmod(path, 0o666 & ~umask())


_UMASK = threading.Lock()


def umask() -> int:
    """The process's umask. Reading it means setting it: meanwhile it is the strictest (077), never
    000, so a file another thread creates then is private rather than open to all; and one reader
    at a time, so that two heat-map threads cannot leave the process with the wrong umask."""
    with _UMASK:
        value = os.umask(0o077)
        os.umask(value)
    return value


def fsync(path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def private_dir(path) -> Path:
    """Create a folder only this user can enter (store, logs, settings hold patient data).

    An existing folder is left as it is: it may be a shared one chosen with --db; the files
    made in it are private anyway. Every folder made on the way is private too, whatever the umask
    (mkdir(parents=True) makes the ones above with the umask's mode: 0777 under umask 000)."""
    path = Path(path)
    missing, probe = [], path.absolute()
    while not os.path.lexists(probe) and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made meanwhile by another process: left as it is
        os.chmod(folder, 0o700)
    path.mkdir(exist_ok=True, mode=0o700)  # an existing file in the way says so here
    return path


def private_file(path) -> None:
    """Make an existing file readable and writable by this user only."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
