"""`load(path)`: any supported file -> XRay, or an ImagingError with a readable message.

The file is read once, as bytes, from a regular file only (never a device or a pipe, which would
hang), and decoded from those bytes; `read()` returns them so the caller can hash exactly what
was decoded.
"""
import io
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import CovidXrayError, ImagingError, brief
from covidxray_desktop.files import display_name, read_regular
from covidxray_desktop.imaging.detect import IMAGE_EXTENSIONS, dicomdir_images, is_dicomdir, sniff_bytes
from covidxray_desktop.imaging.dicom import read_dicom
from covidxray_desktop.imaging.raster import read_raster, shrink
from covidxray_desktop.imaging.xray import XRay

MAX_FILE_BYTES = 512 * 2**20  # a 64 Mpx 16-bit uncompressed DICOM is 128 MB


class Transient(ImagingError):
    """The file could not be read just now (gone, locked, not permitted): not a fact about its content."""


def read(path) -> bytes:
    """The file's bytes, or an ImagingError saying why not (Transient when it may pass)."""
    path = Path(path)
    name = display_name(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise Transient(f"{name}: file not found.")
    except IsADirectoryError:
        raise ImagingError(f"{name}: is a folder, not an image file.")
    except PermissionError:
        raise Transient(f"{name}: permission denied; check the file's access rights.")
    except CovidXrayError as exc:
        raise ImagingError(str(exc))
    except OSError as exc:
        raise Transient(f"{name}: cannot be read ({exc.strerror or exc}).")
    if not data:
        raise ImagingError(f"{name}: the file is empty (0 bytes).")
    return data


def _why_not_followed(path: Path, name: str) -> ImagingError:
    try:
        dicomdir_images(path)  # raises the reason when it is too large to follow
    except ImagingError as exc:
        return exc
    except FileNotFoundError:
        return Transient(f"{name}: file not found.")
    except CovidXrayError as exc:  # not a regular file
        return ImagingError(str(exc))
    except Exception as exc:
        return ImagingError(f"{name}: a DICOMDIR that cannot be read ({brief(exc)}); its films were not queued.")
    return ImagingError(f"{name}: a DICOMDIR (an index of DICOM files, not an image) that lists no film "
                        f"this app can follow.")


def load(path, max_side: int | None = None, data: bytes | None = None) -> XRay:
    """Read an X-ray by its content. `max_side` lets big images decode at reduced size.
    `data`: the file's bytes when the caller has read them already."""
    path = Path(path)
    name = display_name(path)
    if is_dicomdir(path.name):  # an index reaches here only when its films could not be queued
        raise _why_not_followed(path, name)
    if data is None:
        data = read(path)
    kind = sniff_bytes(data[:132])
    suffix = path.suffix.lower()
    if kind == "dicom" or (kind is None and suffix in (".dcm", ".dicom", ".dic")):
        xray = read_dicom(io.BytesIO(data), name)
    elif kind is not None:
        xray = read_raster(io.BytesIO(data), name, max_side, kind)
    elif suffix in IMAGE_EXTENSIONS:
        raise ImagingError(f"{name}: the content is not an image despite its {path.suffix} name.")
    else:
        # DICOM files without the 128-byte preamble still parse; try before giving up.
        try:
            xray = read_dicom(io.BytesIO(data), name)
        except ImagingError:
            raise ImagingError(f"{name}: not an image or DICOM file.")
    if not np.isfinite(xray.pixels).all():
        xray.pixels = np.nan_to_num(xray.pixels, nan=0.0, posinf=1.0, neginf=0.0)
    if max_side and max(xray.pixels.shape) > max_side:
        xray.pixels = shrink(xray.pixels, max_side)
    return xray
