"""PNG, JPEG, BMP, TIFF, JPEG 2000 and WebP through Pillow, with the decompression-bomb guard left on."""
import io
import warnings

import numpy as np
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from covidxray_desktop.errors import ImagingError, brief
from covidxray_desktop.imaging.limits import MAX_PIXELS, check_size
from covidxray_desktop.imaging.xray import XRay

# Pillow's guard at the X-ray limit rather than its default (~89 Mpx), so a small file claiming a
# huge picture is refused while its header is read, before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pillow warns on the terminal about each damaged tag of a file it still reads (with a line of its
# own source): the row's message, or the gate, says what matters to the user.
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL(\..*)?$")


OVERLAY_MARK = "covidxray heat map"  # written into every overlay PNG this app makes
ORIENTATION = 0x0112  # the EXIF tag a phone or camera turns its picture by


def read_raster(source, name: str, max_side: int | None = None, kind: str | None = None) -> XRay:
    """`source`: a path or a file object (the bytes already read); `name`: for messages; `kind`: the
    format the file's first bytes announce (imaging/detect.py), where known."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as im:
                width, height = im.size
                check_size(name, width, height)
                fmt = (im.format or "").lower()
                if max_side and fmt == "jpeg" and max(width, height) > 2 * max_side:
                    # JPEG draft mode decodes at 1/2, 1/4 or 1/8 scale: far less work and memory.
                    im.draft(im.mode if im.mode in ("L", "RGB") else "RGB", (max_side, max_side))
                if str(im.info.get("Software", "")).startswith(OVERLAY_MARK):
                    raise ImagingError(f"{name}: a heat-map picture made by this app, not an X-ray; "
                                       f"classify the original film instead.")
                # Pillow reads every CMYK JPEG as Adobe's inverted CMYK; one without Adobe's marker is not.
                plain_cmyk = fmt == "jpeg" and im.mode == "CMYK" and "adobe" not in im.info
                # Pillow inverts an 8-bit TIFF stored white-is-zero (MinIsWhite, as some scanners and
                # PACS write films), but not one of 16 bits or floats.
                white_is_zero = fmt == "tiff" and im.mode[0] in "IF" and getattr(im, "tag_v2", {}).get(262) == 0
                pages = _pages(im)
                im.load()
                if im.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8):  # turned a quarter: as the film stands
                    width, height = height, width
                im = ImageOps.exif_transpose(im)
                mode = im.mode
                # A 16-bit or float film's range from the whole picture, before reducing (averaged, it
                # would differ with the size read, and so would the film's brightness).
                limits = unit_limits(np.asarray(im)) if mode[0] in "IF" else None
                im = _reduced(im, max_side)
                if im.mode == "CMYK":
                    im = _cmyk_to_rgb(im, plain_cmyk)
                gray, colourfulness, bits = _to_gray(im, limits)
                if white_is_zero:
                    gray = 1.0 - gray
    except ImagingError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImagingError(f"{name}: image claims more pixels than the {MAX_PIXELS // 1_000_000} Mpx limit "
                           f"(decompression-bomb guard); reduce it before classifying.")
    except UnidentifiedImageError:
        if kind:  # it starts as one of these formats do, so it is not some other kind of file
            raise ImagingError(f"{name}: a damaged {kind.upper()} file; its structure cannot be read.")
        raise ImagingError(f"{name}: not a readable image (the content is not PNG, JPEG, BMP, TIFF, JPEG 2000 or "
                           f"WebP).")
    except Exception as exc:  # Pillow's decoders raise many types on damaged data; all mean this
        raise ImagingError(f"{name}: the image is damaged or truncated ({brief(exc)}).")
    meta = {"format": fmt, "width": width, "height": height, "mode": mode, "bits": bits,
            "colourfulness": colourfulness}
    if limits is not None and bits <= 16:  # read by its own range: how much of its bit depth that range spans
        meta["range"] = (limits[1] - limits[0]) / (2 ** bits - 1)
    if pages > 1:  # the others may be other films: say which one was judged
        meta["notes"] = [f"multi-page {fmt.upper()} ({pages} pages): the first page was used."]
    return XRay(gray, meta)


def _pages(im: Image.Image) -> int:
    """How many pages (frames) the file holds; counting walks every page's header, and a broken
    link to a next page must not cost the first page, which reads."""
    try:
        return int(getattr(im, "n_frames", 1))
    except Exception:
        return 1


def _reduced(im: Image.Image, max_side: int | None) -> Image.Image:
    """Box-reduced by the factor the final resize would use anyway (see `shrink`), while the
    pixels are still 8 or 16 bits: the float copies that follow are then small."""
    factor = int(max(im.size) / max_side / 2) if max_side else 0
    if factor < 2:
        return im
    if im.mode in ("1", "P", "PA") or im.mode.startswith("I;16"):  # modes reduce() does not take
        im = im.convert({"1": "L", "P": "RGB", "PA": "RGB"}.get(im.mode, "I"))
    return im.reduce(factor)


def _cmyk_to_rgb(im: Image.Image, plain: bool) -> Image.Image:
    """CMYK as printed: through the file's own colour profile when it has one, else each ink
    multiplying the light left ((1 - C)(1 - K) for red). Pillow's own conversion subtracts the
    inks instead (1 - C - K), which darkens a rich-black copy of a film well past its original."""
    if plain:  # undo Pillow's inversion
        im = Image.eval(im, lambda v: 255 - v)
    icc = im.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the formula below
    c, m, y, k = (np.asarray(band, np.float32) / 255.0 for band in im.split())
    light = 1.0 - k
    rgb = np.stack([(1.0 - c) * light, (1.0 - m) * light, (1.0 - y) * light], axis=-1)
    return Image.fromarray((rgb * 255.0 + 0.5).astype(np.uint8), "RGB")


def _to_gray(im: Image.Image, limits: tuple | None = None) -> tuple[np.ndarray, float, int]:
    """Grayscale float32 in [0, 1], how colourful the picture was, and the bit depth. `limits`:
    a 16-bit, integer or float picture's unit_limits before it was reduced."""
    if im.mode[0] in "IF":  # 16-bit, 32-bit, signed or float: the film's own range
        a = np.asarray(im.convert("I") if im.mode.startswith("I;16") and im.mode != "I;16" else im)
        lo, hi, high = unit_limits(a) if limits is None else limits
        bits = 32 if im.mode == "F" or high > 65535 else significant_bits(high)
        return to_unit(a, lo, hi), 0.0, bits
    if im.mode in ("1", "L"):
        return np.asarray(im.convert("L"), dtype=np.float32) / 255.0, 0.0, 8
    if im.mode == "LA":
        return np.asarray(im.getchannel("L"), dtype=np.float32) / 255.0, 0.0, 8
    rgb = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
    return luminance(rgb), colourfulness(rgb), 8


def significant_bits(high: float) -> int:
    """The bits a film's values use: a detector's 10, 12 or 14 bits are often written into a 16-bit PNG,
    TIFF or DICOM unscaled. The fewest bits, 8 to 16, that hold its largest value."""
    return min(16, max(8, int(abs(high)).bit_length()))


IGNORED = 0.001  # of the pixels at each end of a film's range: a dead pixel, a burned-in label at full scale


def unit_limits(a: np.ndarray) -> tuple[float, float, float]:
    """(darkest, brightest, largest value) of a film of more than 8 bits, a thousandth of its pixels left
    out at each end. Scaled by its largest value, one dead detector pixel at full scale squeezed a 12-bit
    film into a sliver of grey (refused as blank, or its answer moved); a film stored with an offset
    (ImageJ's signed data) or signed values lost its lungs likewise."""
    values = np.asarray(a).ravel()[:: max(1, a.size // 500_000)].astype(np.float64)  # a sample: fast
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 0.0, 0.0
    lo, hi = np.percentile(values, [100 * IGNORED, 100 * (1 - IGNORED)])
    if hi <= lo:  # nearly all one value: the whole range then
        lo, hi = values.min(), values.max()
    high = a.max() if a.dtype.kind in "iu" else values.max()  # every pixel: it names the film's bit depth
    return float(lo), float(hi), float(high)


def to_unit(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """[lo, hi] to [0, 1], clipped; what is not a number, black."""
    a = np.asarray(a, dtype=np.float32)
    if hi <= lo:
        return np.zeros(a.shape, np.float32)
    out = np.clip((a - np.float32(lo)) / np.float32(hi - lo), 0, 1)
    return np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=0.0).astype(np.float32)


def luminance(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.float32)


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk's colourfulness on [0, 1] RGB: ~0 for an X-ray, > 0.1 for most photos."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def shrink(gray: np.ndarray, max_side: int) -> np.ndarray:
    h, w = gray.shape
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(np.ascontiguousarray(gray, dtype=np.float32)).resize(size, Image.BILINEAR, reducing_gap=2.0))
