"""Recognise X-ray files by content (and extension) and walk folders for them."""
import os
from pathlib import Path

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".tif", ".tiff", ".dcm", ".dicom", ".dic"}

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),  # BigTIFF
    (b"MM\x00+", "tiff"),
    (b"BM", "bmp"),
)


def sniff(path) -> str | None:
    """The format the file's first bytes announce: png, jpeg, tiff, bmp, dicom or None."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return None
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            # "BM" is two common letters: also require a plausible BMP header size.
            if kind == "bmp" and len(head) < 26:
                return None
            return kind
    return None


def is_candidate(path) -> bool:
    """Whether a file found in a folder deserves a result row."""
    p = Path(path)
    if p.name.upper() == "DICOMDIR":
        return False  # followed separately, to its images
    return p.suffix.lower() in IMAGE_EXTENSIONS or sniff(p) is not None


def dicomdir_images(path) -> list[Path]:
    """The image files a DICOMDIR refers to, resolved next to it (missing ones included)."""
    import pydicom

    root = Path(path).parent
    ds = pydicom.dcmread(path)
    found = []
    for record in getattr(ds, "DirectoryRecordSequence", []):
        ref = record.get("ReferencedFileID")
        if ref is None:
            continue
        parts = [ref] if isinstance(ref, str) else list(ref)
        found.append(root.joinpath(*parts))
    return found


def walk(paths) -> tuple[list[Path], int]:
    """Expand files and folders into the files to classify, in a stable order.

    Files named explicitly are always kept (a missing one too: it gets an error row).
    Folders are walked recursively without following symlinks; files in them that are not
    images are skipped and counted. A DICOMDIR contributes the images it lists.
    Returns (files, skipped_count).
    """
    out: list[Path] = []
    seen: set[Path] = set()
    skipped = 0

    def add(p: Path):
        key = Path(os.path.abspath(p))  # absolute, with "." and ".." folded: shown to users
        if key not in seen:
            seen.add(key)
            out.append(key)

    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
                dirnames.sort()
                for name in sorted(filenames):
                    f = Path(dirpath) / name
                    if f.is_symlink() and not f.exists():
                        skipped += 1
                    elif name.upper() == "DICOMDIR":
                        for img in _safe_dicomdir(f):
                            add(img)
                    elif is_candidate(f):
                        add(f)
                    else:
                        skipped += 1
        elif p.name.upper() == "DICOMDIR" and p.is_file():
            images = _safe_dicomdir(p)
            for img in images or [p]:
                add(img)
        else:
            add(p)
    return out, skipped


def _safe_dicomdir(path: Path) -> list[Path]:
    try:
        return dicomdir_images(path)
    except Exception:  # an unreadable DICOMDIR is reported as its own row by the reader
        return [path]
