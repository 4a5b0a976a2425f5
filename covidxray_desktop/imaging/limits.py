"""Limits that keep memory bounded whatever a file claims about itself."""

# 64 Mpx: larger than any real radiograph (a 43 x 43 cm detector at 100 um is ~18.5 Mpx).
MAX_PIXELS = 64_000_000
# Training and inference both decode with the longest side at most this: enough for the
# viewer, and the same pixels reach the one preprocessing function either way.
DECODE_SIDE = 1024


def check_size(name: str, width: int, height: int) -> None:
    from covidxray_desktop.errors import ImagingError

    if width <= 0 or height <= 0:
        raise ImagingError(f"{name}: the image has no pixels ({width} x {height}).")
    if width * height > MAX_PIXELS:
        raise ImagingError(
            f"{name}: image is {width} x {height} pixels ({width * height / 1e6:.0f} Mpx), over the "
            f"{MAX_PIXELS / 1e6:.0f} Mpx limit; reduce it before classifying."
        )
