"""Recognise X-ray files by content (and extension) and walk folders for them."""
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from covidxray_desktop.errors import CovidXrayError, ImagingError
from covidxray_desktop.files import display_name, display_path, open_regular

# A DICOMDIR record takes ~250 bytes: 8 MB is ~30,000 records (a full DVD's index), parsed in seconds.
MAX_DICOMDIR_BYTES = 8 * 2**20
MAX_DICOMDIR_IMAGES = 20_000

# Not GIF: a patient CD's viewer folder is full of GIF icons, each of which would be a refused row.
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".tif", ".tiff", ".jp2", ".j2k", ".webp", ".dcm", ".dicom",
                    ".dic"}

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"BM", "bmp"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg 2000"),  # a teaching file or a PACS export
    (b"\xff\x4f\xff\x51", "jpeg 2000"),  # the bare codestream (.j2k)
)


def sniff(path) -> str | None:
    """The format the file's first bytes announce: png, jpeg, tiff, bmp, jpeg 2000, webp, dicom or None.
    Only regular files are opened (a FIFO met while walking would block forever)."""
    try:
        with open_regular(path) as fh:
            head = fh.read(132)
    except (OSError, CovidXrayError):
        return None
    return sniff_bytes(head)


# Value representations of DICOM's explicit encoding, and the groups a data set without the 128-byte
# preamble and "DICM" begins with (file meta, then identification): older systems write such files.
_VRS = set(b"AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV"
           .split())
_FIRST_GROUPS = (b"\x02\x00", b"\x08\x00")


def sniff_bytes(head: bytes) -> str | None:
    if (len(head) >= 132 and head[128:132] == b"DICM") or bare_dicom(head):
        return "dicom"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":  # a film saved from a web page
        return "webp"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            # "BM" is two common letters: also require a plausible BMP header size.
            if kind == "bmp" and len(head) < 26:
                return None
            return kind
    return None


def bare_dicom(head: bytes) -> bool:
    """Whether bytes begin as a DICOM data set without its preamble: a group 0002 or 0008 element
    with an explicit value representation, or two group 0008 elements in implicit encoding."""
    if len(head) < 8 or head[:2] not in _FIRST_GROUPS or head[128:132] == b"DICM":
        return False
    if head[4:6] in _VRS:
        return True
    # Implicit encoding: an element of group 0008 with a short value, then another of that group
    # with a higher element number (one plausible length alone is any binary file's chance).
    length = int.from_bytes(head[4:8], "little")
    following = 8 + length
    if head[:2] != b"\x08\x00" or length >= 100 or following + 4 > len(head):
        return False
    return (head[following:following + 2] == b"\x08\x00"
            and int.from_bytes(head[following + 2:following + 4], "little") > int.from_bytes(head[2:4], "little"))


def is_dicomdir(name: str) -> bool:
    """A disc's index by its name, as a disc mounted with ISO 9660 version marks may show it too."""
    return name.upper() in ("DICOMDIR", "DICOMDIR;1", "DICOMDIR.;1")


def is_candidate(path) -> bool:
    """Whether a file found in a folder deserves a result row."""
    p = Path(path)
    if is_dicomdir(p.name):
        return False  # followed separately, to its images
    return p.suffix.lower() in IMAGE_EXTENSIONS or sniff(p) is not None


def dicomdir_images(path) -> list[Path]:
    """The image files a DICOMDIR refers to, resolved next to it (missing ones included).

    Only references that stay inside the DICOMDIR's folder are followed: one naming
    ../other-patient/IM1 or /etc/shadow is dropped, never read. One too large to follow whole
    raises ImagingError saying so (its row then says why); it is never parsed unbounded."""
    import pydicom

    root = Path(path).parent
    name = display_name(path)
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_DICOMDIR_BYTES:
            raise ImagingError(f"{name}: an index of {size / 2**20:.0f} MB, more than the "
                               f"{MAX_DICOMDIR_BYTES / 2**20:.0f} MB (about 30,000 records) this app follows; "
                               f"its films were not queued. Classify its folders instead.")
        ds = pydicom.dcmread(fh)
    inside = os.path.realpath(root)
    found, listed = [], {}
    for record in getattr(ds, "DirectoryRecordSequence", []):
        ref = record.get("ReferencedFileID")
        if ref is None:
            continue
        if len(found) == MAX_DICOMDIR_IMAGES:
            raise ImagingError(f"{name}: lists more than {MAX_DICOMDIR_IMAGES:,} films, more than this app "
                               f"follows from one index; its films were not queued. Classify its folders instead.")
        parts = [str(ref)] if isinstance(ref, str) else [str(p) for p in ref]
        if any(p in ("..", "") or os.path.isabs(p) for p in parts):
            continue  # never looked for: not even its folders are listed
        target = _as_listed(root, parts, listed)
        if os.path.commonpath([inside, os.path.realpath(target)]) == inside:
            found.append(target)
    return found


def _as_listed(root: Path, parts: list, listed: dict) -> Path:
    """The file a DICOMDIR names, as its folder lists it. A disc's index names its files in
    capitals (ISO 9660), but many systems mount such a disc with its names in small letters, some
    with a version mark (IM000001;1): a name found only that way is taken. `listed`: folder -> its
    names, read once."""
    path = root
    for i, part in enumerate(parts):
        if not (path / part).exists():
            if path not in listed:
                try:
                    listed[path] = sorted(os.listdir(path))
                except OSError:
                    listed[path] = []
            wanted = part.upper()
            match = next((n for n in listed[path] if n.upper() in (wanted, f"{wanted};1", f"{wanted}.;1")), None)
            if match is None:
                return path.joinpath(*parts[i:])  # missing: its row says so
            part = match
        path = path / part
    return path


@dataclass
class Found:
    """What a walk found: files to classify, and what it passed over, each with its reason."""
    files: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (path, reason)

    def skip(self, path, reason: str) -> None:
        self.skipped.append((display_path(path), reason))


def walk(paths) -> Found:
    """Expand files and folders into the files to classify, in a stable order.

    Files named explicitly are always kept (a missing or unreadable one too: it gets an error
    row). Folders are walked without following symlinks, depth-first with a list rather than
    recursion (a folder 1,000 levels deep is fine); files in them that are not images, symlinks
    and folders that cannot be opened are skipped with their reason. A DICOMDIR contributes the
    images it lists."""
    found = Found()
    seen: set[str] = set()

    def add(p):
        key = os.path.abspath(p)  # absolute, with "." and ".." folded: shown to users
        if key not in seen:
            seen.add(key)
            found.files.append(Path(key))

    for raw in paths:
        p = Path(raw).expanduser()
        try:
            is_dir = stat.S_ISDIR(os.stat(p).st_mode)
        except OSError:
            is_dir = False  # missing or not reachable: its row says why
        if is_dir:
            _walk_folder(p, found, add)
        elif is_dicomdir(p.name) and p.is_file():
            for img in _safe_dicomdir(p) or [p]:
                add(img)
        else:
            add(p)
    return found


def _walk_folder(top: Path, found: Found, add) -> None:
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            found.skip(folder, f"folder cannot be opened ({exc.strerror or exc})")
            continue
        subfolders = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    found.skip(entry.path, "a symbolic link (not followed)")
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.path)
                elif is_dicomdir(entry.name):
                    for img in _safe_dicomdir(Path(entry.path)):
                        add(img)
                elif not entry.is_file(follow_symlinks=False):
                    found.skip(entry.path, "not a regular file")
                elif is_candidate(entry.path):
                    add(entry.path)
                else:
                    found.skip(entry.path, "neither an image nor DICOM")
            except OSError as exc:
                found.skip(entry.path, f"cannot be read ({exc.strerror or exc})")
        stack.extend(reversed(subfolders))  # popped in name order


def _safe_dicomdir(path: Path) -> list[Path]:
    try:
        return dicomdir_images(path)
    except Exception:  # an unreadable DICOMDIR is reported as its own row by the reader
        return [path]
