"""`load(path)`: any supported file -> XRay, or an ImagingError with a readable message."""
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import ImagingError
from covidxray_desktop.imaging.detect import IMAGE_EXTENSIONS, sniff
from covidxray_desktop.imaging.dicom import read_dicom
from covidxray_desktop.imaging.raster import read_raster, shrink
from covidxray_desktop.imaging.xray import XRay


def load(path, max_side: int | None = None) -> XRay:
    """Read an X-ray by its content. `max_side` lets big images decode at reduced size."""
    path = Path(path)
    name = path.name
    if not path.exists():
        raise ImagingError(f"{name}: file not found.")
    if path.is_dir():
        raise ImagingError(f"{name}: is a folder, not an image file.")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImagingError(f"{name}: cannot be read ({exc.strerror or exc}).")
    if size == 0:
        raise ImagingError(f"{name}: the file is empty (0 bytes).")
    try:
        kind = sniff(path)
        with open(path, "rb"):
            pass
    except PermissionError:
        raise ImagingError(f"{name}: permission denied; check the file's access rights.")
    except OSError as exc:
        raise ImagingError(f"{name}: cannot be read ({exc.strerror or exc}).")
    if kind == "dicom" or (kind is None and path.suffix.lower() in (".dcm", ".dicom", ".dic")):
        xray = read_dicom(path)
    elif kind is not None:
        xray = read_raster(path, max_side)
    elif path.suffix.lower() in IMAGE_EXTENSIONS:
        raise ImagingError(f"{name}: the content is not an image despite its {path.suffix} name.")
    else:
        # DICOM files without the 128-byte preamble still parse; try before giving up.
        try:
            xray = read_dicom(path)
        except ImagingError:
            raise ImagingError(f"{name}: not an image or DICOM file.")
    if not np.isfinite(xray.pixels).all():
        xray.pixels = np.nan_to_num(xray.pixels, nan=0.0, posinf=1.0, neginf=0.0)
    if max_side and max(xray.pixels.shape) > max_side:
        xray.pixels = shrink(xray.pixels, max_side)
    return xray
