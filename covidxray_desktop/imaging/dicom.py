"""DICOM through pydicom: modality LUT, VOI LUT or window, MONOCHROME1 or INVERSE inversion, first frame."""
import logging
import re
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from covidxray_desktop.errors import ImagingError, brief
from covidxray_desktop.imaging.codestream import claimed_size
from covidxray_desktop.imaging.detect import bare_dicom
from covidxray_desktop.imaging.limits import MAX_INFLATED_BYTES, check_size
from covidxray_desktop.imaging.raster import colourfulness, luminance, significant_bits, to_unit, unit_limits
from covidxray_desktop.imaging.xray import XRay

# pydicom warns and logs about every odd tag of real-world files: the row's message says what matters.
warnings.filterwarnings("ignore", module=r"pydicom(\..*)?$")
logging.getLogger("pydicom").setLevel(logging.ERROR)

DEFLATED = "1.2.840.10008.1.2.1.99"  # Deflated Explicit VR Little Endian

# Which permissively licensed package decodes each compressed transfer syntax.
_PLUGIN_HINT = {
    "1.2.840.10008.1.2.4.50": "Pillow or python-gdcm",
    "1.2.840.10008.1.2.4.51": "python-gdcm",
    "1.2.840.10008.1.2.4.57": "python-gdcm",
    "1.2.840.10008.1.2.4.70": "python-gdcm",
    "1.2.840.10008.1.2.4.80": "python-gdcm",
    "1.2.840.10008.1.2.4.81": "python-gdcm",
    "1.2.840.10008.1.2.4.90": "pylibjpeg-openjpeg or python-gdcm",
    "1.2.840.10008.1.2.4.91": "pylibjpeg-openjpeg or python-gdcm",
}


def read_dicom(source, name: str) -> XRay:
    """pydicom parses lazily, so a damaged file can fail at any tag access: all of it is guarded.
    `source`: a path or a file object (the bytes already read); `name`: for messages."""
    try:
        return _read(source, name)
    except (ImagingError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # decoders written in Rust panic with a BaseException
        raise ImagingError(f"{name}: not a readable DICOM file ({brief(exc)}).")


def _read(source, name: str) -> XRay:
    import pydicom
    from pydicom.errors import InvalidDicomError

    _check_deflated(source, name)
    bare = bare_dicom(_head(source))
    try:
        ds = pydicom.dcmread(source, force=bare)  # only a file that begins as a data set is read without "DICM"
        _assume_syntax(ds)
    except InvalidDicomError:  # neither "DICM" nor a data set at its start: pydicom's words say "force=True"
        suffix = Path(name).suffix
        raise ImagingError(f"{name}: the content is not an image despite its {suffix} name." if suffix else
                           f"{name}: not an image or DICOM file.")
    except (EOFError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ImagingError(f"{name}: not a readable DICOM file ({brief(exc)}).")
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        if _cut_short(ds, source):
            raise ImagingError(f"{name}: the file ends inside its DICOM header, before its image; it is cut "
                               f"short or damaged.")
        raise ImagingError(f"{name}: DICOM file holds no image (no pixel data); nothing to classify.")
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    check_size(name, cols, rows)
    _fill_pixel_tags(ds, rows * cols * frames)
    _check_stream(ds, name)
    meta = _tags(ds)
    meta.update(format="dicom", width=cols, height=rows, frames=frames, bits=int(ds.get("BitsStored", 0) or 0))
    try:
        pixels = _first_frame(ds)
    except (ImagingError, KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # decoders raise a zoo of types (Rust ones panic); all mean the same
        raise ImagingError(_decode_message(name, ds, exc))
    if frames > 1:
        meta.setdefault("notes", []).append(f"multi-frame DICOM ({frames} frames): the first frame was used.")
    gray, colour, values = _to_gray(ds, pixels)
    meta["colourfulness"] = colour
    if values is not None:  # read by its own range: how much of its stored bits that range spans
        lo, hi, high = unit_limits(pixels)
        bits = meta["bits"] if 0 < meta["bits"] <= 16 else significant_bits(high)
        meta["range"] = (hi - lo) / (2 ** bits - 1)
    meta["display_units"] = None if values is None else display_units(values, gray)
    return XRay(_square_pixels(ds, gray, meta), meta)


def _cut_short(ds, source) -> bool:
    """pydicom stops quietly where a file ends, even inside an element: a data set whose last
    element is shorter than it says, or followed by less than an element's header, was cut short."""
    syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
    if not hasattr(source, "getbuffer") or syntax == DEFLATED:  # offsets of the inflated data
        return False
    size = source.getbuffer().nbytes
    tags = list(ds.keys())
    if not tags:
        return True  # the file meta, and nothing after it
    last = ds.get_item(tags[-1])
    tell, length = getattr(last, "value_tell", None), getattr(last, "length", None)
    if tell is None or length is None or length == 0xFFFFFFFF:  # a sequence of undefined length: not known
        return False
    end = tell + length
    return end > size or 0 < size - end < 12  # its value cut, or a next element's header (8 or 12 bytes) cut


def _square_pixels(ds, gray: np.ndarray, meta: dict) -> np.ndarray:
    """A film whose pixels are not square (PixelSpacing: rows, then columns apart, in mm) resampled
    to square ones, as a viewer shows it; its denser axis is thinned. Read as stored, the chest
    would be squeezed, and the gate would refuse its shape."""
    spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    try:
        rows_apart, columns_apart = (float(v) for v in spacing)
    except (TypeError, ValueError):
        return gray
    if not (rows_apart > 0 and columns_apart > 0) or abs(rows_apart / columns_apart - 1) < 0.02:
        return gray
    h, w = gray.shape
    if rows_apart > columns_apart:
        w = max(1, round(w * columns_apart / rows_apart))
    else:
        h = max(1, round(h * rows_apart / columns_apart))
    meta.setdefault("notes", []).append(f"its pixels are not square ({rows_apart:g} x {columns_apart:g} mm): "
                                        f"it was read as a viewer shows it.")
    return np.asarray(Image.fromarray(np.ascontiguousarray(gray, np.float32)).resize((w, h), Image.BILINEAR,
                                                                                   reducing_gap=2.0))


def _head(source) -> bytes:
    if hasattr(source, "getbuffer"):
        with source.getbuffer() as view:
            return bytes(view[:132])
    with open(source, "rb") as fh:
        return fh.read(132)


def _assume_syntax(ds) -> None:
    """A data set written without file meta (older systems; with or without the preamble) names no
    transfer syntax: its pixels are then uncompressed, in the encoding its elements were found in."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

    meta = getattr(ds, "file_meta", None)
    if meta is None:
        meta = ds.file_meta = FileMetaDataset()
    if "TransferSyntaxUID" not in meta:
        implicit, little = ds.original_encoding
        meta.TransferSyntaxUID = (ImplicitVRLittleEndian if implicit else
                                  ExplicitVRLittleEndian if little else ExplicitVRBigEndian)


def _fill_pixel_tags(ds, pixels: int) -> None:
    """Older systems (ACR-NEMA exports, some scanners' own writers) leave out tags that describe the
    pixels, which pydicom needs to decode them: each gets the only value such a film can have, and a
    value written in lower case is read as the standard spells it."""
    from pydicom.uid import UID

    photometric = str(ds.get("PhotometricInterpretation", "") or "").strip().upper()
    ds.PhotometricInterpretation = photometric or "MONOCHROME2"
    if "SamplesPerPixel" not in ds:
        ds.SamplesPerPixel = 3 if ds.PhotometricInterpretation in ("RGB", "YBR_FULL", "YBR_FULL_422") else 1
    if int(ds.SamplesPerPixel) > 1 and "PlanarConfiguration" not in ds:
        ds.PlanarConfiguration = 0  # colour by pixel, the standard's usual layout
    if "PixelRepresentation" not in ds:
        ds.PixelRepresentation = 0
    syntax = UID(str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or ""))
    data = ds.get("PixelData")
    if "BitsAllocated" not in ds and not syntax.is_encapsulated and isinstance(data, bytes) and pixels:
        per_pixel = 8 * len(data) // (pixels * int(ds.SamplesPerPixel))  # uncompressed: from its length
        if per_pixel in (8, 16):
            ds.BitsAllocated = per_pixel
    if "BitsStored" not in ds and "BitsAllocated" in ds:
        ds.BitsStored = ds.BitsAllocated
    if "HighBit" not in ds and "BitsStored" in ds:
        ds.HighBit = int(ds.BitsStored) - 1


def _check_deflated(source, name: str) -> None:
    """pydicom inflates a deflated data set whole, unbounded: a 1 MB file can claim gigabytes of
    elements. Count what it inflates to first, a megabyte at a time."""
    if not hasattr(source, "getbuffer"):
        return
    view = source.getbuffer()
    try:
        head = bytes(view[:144])
        start = 132 if head[128:132] == b"DICM" else 0  # file meta after the preamble, or first (no preamble)
        if head[start:start + 6] != b"\x02\x00\x00\x00UL":
            if start == 0 and DEFLATED.encode() in bytes(view[:1024]):  # its meta's end unknown
                raise ImagingError(f"{name}: a deflated DICOM file without its preamble; save it again with "
                                   f"a DICOM tool (which writes the preamble) to classify it.")
            return
        meta_end = start + 12 + struct.unpack_from("<I", head, start + 8)[0]
        if DEFLATED.encode() not in bytes(view[start:meta_end]):
            return
        inflater, rest, total = zlib.decompressobj(-zlib.MAX_WBITS), view[meta_end:], 0
        while rest:
            total += len(inflater.decompress(rest, 1 << 20))
            if total > MAX_INFLATED_BYTES:
                raise ImagingError(f"{name}: its deflated data set inflates to more than "
                                   f"{MAX_INFLATED_BYTES // 2**20} MB, more than any film needs; it was not read.")
            rest = inflater.unconsumed_tail
    except zlib.error:
        return  # damaged: pydicom's own message says so
    finally:
        view.release()


def _check_stream(ds, name: str) -> None:
    """Refuse, before any decoder sees them, compressed frames a decoder would abort on or that
    claim more pixels than the limit (decoders trust the stream's header, not Rows and Columns)."""
    from pydicom.encaps import generate_fragments
    from pydicom.uid import RLELossless, UID

    uid = UID(str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or ""))
    if not uid.is_encapsulated or uid == RLELossless or "PixelData" not in ds:
        return
    bits = ds.get("BitsAllocated")
    if bits is not None and bits not in (8, 16):  # python-gdcm aborts the whole process on 32 or 64
        raise ImagingError(f"{name}: {bits}-bit samples in {uid.name} pixel data are not valid DICOM "
                           f"(compressed films hold 8 or 16 bits); the file was not decoded.")
    try:
        fragments = generate_fragments(ds.PixelData)
        first = [next(fragments, b""), next(fragments, b"")]  # the offset table, then frame 1's start
    except Exception:  # damaged encapsulation: the decoder's own message says so
        return
    claim = claimed_size(first[1]) or claimed_size(first[0])
    if claim is not None:
        width, height, components = claim
        check_size(name, width, height, f"its {uid.name} stream claims ")
        if components > 4:
            raise ImagingError(f"{name}: its {uid.name} stream claims {components} colour components; "
                               f"the file was not decoded.")


def _first_frame(ds) -> np.ndarray:
    from pydicom.pixels import pixel_array

    try:
        arr = pixel_array(ds, index=0)  # decodes one frame only
    except (AttributeError, TypeError):
        arr = ds.pixel_array
    if arr.ndim == 4 or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        arr = arr[0]
    return arr


def display_units(values: np.ndarray, gray: np.ndarray) -> list | None:
    """[offset, scale]: the film's own values (after the modality LUT: HU for CT, the detector's
    units for a radiograph) as offset + scale * grey level, so a viewer can read its window/level
    in them. None where the grey levels are no straight line of the values (a VOI LUT table)."""
    if values.shape != gray.shape or values.ndim != 2:
        return None
    step = max(1, int(np.sqrt(values.size / 40_000)))  # a grid of pixels is plenty for a straight line
    v, g = values[::step, ::step].ravel().astype(np.float64), gray[::step, ::step].ravel().astype(np.float64)
    inside = np.flatnonzero((g > 0.002) & (g < 0.998))  # a window clips both ends: fit between them
    if len(inside) < 16:
        return None
    g, v = g[inside], v[inside]
    dg = g - g.mean()
    spread = float(dg @ dg)
    if not spread > 0:
        return None
    # The least-squares line in closed form: np.polyfit's SVD took 3 ms a film, most of decoding one.
    scale = float(dg @ (v - v.mean())) / spread
    offset = float(v.mean()) - scale * float(g.mean())
    if not (np.isfinite(scale) and np.isfinite(offset)) or scale == 0:
        return None
    if np.max(np.abs(offset + scale * g - v)) > 0.01 * abs(scale):
        return None
    return [float(offset), float(scale)]


def _to_gray(ds, arr: np.ndarray) -> tuple[np.ndarray, float, np.ndarray | None]:
    """(grey levels in [0, 1], colourfulness, the values after the modality LUT, None for colour)."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    if photometric == "PALETTE COLOR" and arr.ndim == 2:  # indices into the file's own colour table
        from pydicom.pixels import apply_color_lut

        arr = apply_color_lut(arr, ds)
    if arr.ndim == 3:  # colour: pixel_array already gave RGB
        rgb = arr.astype(np.float32)
        rgb /= max(float(rgb.max()), 1.0)
        return luminance(rgb), colourfulness(rgb[..., :3]), None
    values = apply_modality_lut(arr, ds).astype(np.float64)
    gray = None
    if "VOILUTSequence" in ds or ("WindowCenter" in ds and "WindowWidth" in ds):
        try:  # the window the file asks for, stretched from its lowest to its highest output
            windowed = apply_voi_lut(values, ds, index=0).astype(np.float64)
            lo, hi = float(windowed.min()), float(windowed.max())
            if hi - lo > 1e-6 * max(abs(hi), 1.0):
                gray = to_unit(windowed, lo, hi)
        except Exception:
            pass  # a broken window is no reason to refuse the image
    if gray is None:  # no window, a broken one, or one that makes the whole film one grey: its own range
        lo, hi, _ = unit_limits(values)
        gray = to_unit(values, lo, hi)
    # After VOI, as the standard says. A Presentation LUT Shape of INVERSE asks for the same one
    # inversion: DX requires it with MONOCHROME1 (not a second one), and other modalities write it
    # with MONOCHROME2 for a film stored as a negative.
    if photometric == "MONOCHROME1" or str(ds.get("PresentationLUTShape", "")).strip().upper() == "INVERSE":
        gray = 1.0 - gray
    return gray, 0.0, values


def _tags(ds) -> dict:
    def text(keyword):
        value = ds.get(keyword)
        if value is None:
            return ""
        if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, str):
            value = "\\".join(str(v) for v in value)
        return str(value).strip()

    return {
        "modality": text("Modality").upper(),
        "body_part": text("BodyPartExamined").upper(),
        "view_position": text("ViewPosition").upper(),
        "patient_id": text("PatientID"),
        "study_date": text("StudyDate"),
        "study_uid": text("StudyInstanceUID"),
        "photometric": text("PhotometricInterpretation").upper(),
    }


def _decode_message(name: str, ds, exc: Exception) -> str:
    """The decoder's failure in the user's words: pydicom's own names its plugins and their errors."""
    from pydicom.uid import UID

    uid = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "") or "")
    hint = _PLUGIN_HINT.get(uid)
    text = str(exc)
    detail = text.lower()
    if hint and not _decodable(uid) and ("plugin" in detail or "decod" in detail or "missing" in detail
                                         or "unable" in detail):
        return f"{name}: {UID(uid).name} DICOM needs a decoder plugin - install {hint}."
    short = re.search(r"less than expected \((\d+) vs (\d+) bytes\)", text)
    if short:
        return (f"{name}: its pixel data is shorter than its image size needs ({int(short[1]):,} of "
                f"{int(short[2]):,} bytes); the file is cut short or damaged.")
    if "12-bit precision" in detail and "does not support" in detail:  # every decoder said so: not damage
        return (f"{name}: its pixel data is {UID(uid).name} with 12-bit samples, which this app's decoders "
                f"cannot read reliably; ask the sender for an uncompressed, JPEG lossless or JPEG 2000 copy.")
    if "raised by all available plugins" in detail:
        return f"{name}: its {UID(uid).name} pixel data is damaged or cut short and cannot be decoded."
    if "is not supported" in detail and uid:
        return f"{name}: its pixel data is in {UID(uid).name}, which this app cannot decode."
    return f"{name}: DICOM pixel data could not be decoded ({brief(exc)})."


def _decodable(uid: str) -> bool:
    """Is a decoder for this transfer syntax installed? When one is, a failure is the file's, not a
    missing plugin's: blaming an installed plugin sends IT to reinstall for nothing."""
    try:
        from pydicom.pixels import get_decoder

        return get_decoder(uid).is_available
    except Exception:  # an unknown syntax, or an older pydicom: say what is known
        return False
