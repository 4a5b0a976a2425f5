"""Limits that keep memory bounded whatever a file claims about itself."""

# 30 Mpx: more than any real chest film (a 43 x 43 cm detector at 100 um is ~18.5 Mpx; a 14 x 17 in
# film scanned at 300 dpi ~21 Mpx), and little enough that decoding one, with its float copies,
# stays well under a gigabyte. Pillow's decompression-bomb guard uses the same figure.
MAX_PIXELS = 30_000_000
# What a deflated DICOM may inflate to: a 30 Mpx frame of 64-bit samples is 240 MB.
MAX_INFLATED_BYTES = 256 * 2**20
# Training and inference both decode with the longest side at most this: enough for the
# viewer, and the same pixels reach the one preprocessing function either way.
DECODE_SIDE = 1024


def check_size(name: str, width: int, height: int, claims: str = "image is ") -> None:
    """Before decoding: an empty image, or one over the pixel limit, is refused in words."""
    from covidxray_desktop.errors import ImagingError

    if width <= 0 or height <= 0:
        raise ImagingError(f"{name}: the image has no pixels ({width} x {height}).")
    if width * height > MAX_PIXELS:
        raise ImagingError(
            f"{name}: {claims}{width} x {height} pixels ({width * height / 1e6:.0f} Mpx), over the "
            f"{MAX_PIXELS / 1e6:.0f} Mpx limit; reduce it before classifying."
        )
