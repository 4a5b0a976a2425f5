"""Test inputs made on the fly: X-ray-like pictures, every raster flavour, and DICOM files."""
import numpy as np
from PIL import Image


def chest_like(size=256, seed=0) -> np.ndarray:
    """A crude frontal-chest-like picture in [0, 1]: bright body, two dark lung fields, spine."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    body = np.exp(-(((x - 0.5) / 0.42) ** 6 + ((y - 0.55) / 0.5) ** 6))
    lungs = sum(np.exp(-(((x - cx) / 0.14) ** 2 + ((y - 0.45) / 0.25) ** 2)) for cx in (0.32, 0.68))
    spine = np.exp(-((x - 0.5) / 0.04) ** 2)
    img = 0.15 + 0.7 * body - 0.45 * lungs + 0.3 * spine + rng.normal(0, 0.02, (size, size))
    return np.clip(img, 0, 1).astype(np.float32)


def save_png8(path, img):
    Image.fromarray((img * 255).round().astype(np.uint8), "L").save(path, "PNG")


def save_png16(path, img):
    Image.fromarray((img * 65535).round().astype(np.uint16)).save(path)


def save_jpeg(path, img, quality=95):
    Image.fromarray((img * 255).round().astype(np.uint8), "L").save(path, "JPEG", quality=quality)


def write_dicom(path, img, *, photometric="MONOCHROME2", bits=12, slope=None, intercept=None,
                window=None, syntax=None, frames=1, pixel_data=True, tags=None, rows=None, columns=None):
    """A DICOM file from a [0, 1] image, stored as the inverse of the transforms asked for."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientID, ds.StudyDate = "DX", "TEST-0001", "20200401"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    for key, value in (tags or {}).items():
        setattr(ds, key, value)
    top = 2 ** bits - 1
    stored = img if photometric == "MONOCHROME2" else 1.0 - img
    values = (stored * top).round()
    if slope is not None:
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept or 0
        values = ((values - (intercept or 0)) / slope).round()
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    arr = values.astype(np.uint16)
    if frames > 1:
        arr = np.stack([arr] * frames)
        ds.NumberOfFrames = frames
    if not pixel_data:
        ds.save_as(path, enforce_file_format=True)
        return path
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.Rows, ds.Columns = rows or img.shape[0], columns or img.shape[1]
    stored_bits = min(16, max(bits, int(arr.max()).bit_length()))  # a rescale may need more room
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, stored_bits, stored_bits - 1, 0
    ds.PixelData = arr.tobytes()
    if syntax is not None:
        ds.compress(syntax, arr, encoding_plugin=_encoder(syntax)) if syntax != "jpeg" else _jpeg(ds, img)
    ds.save_as(path, enforce_file_format=True)
    return path


def _encoder(syntax):
    from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

    return {RLELossless: "pydicom", JPEG2000Lossless: "pylibjpeg", JPEGLSLossless: "pyjpegls"}.get(syntax, "")


def _jpeg(ds, img):
    """JPEG baseline (8-bit): encode with Pillow, encapsulate."""
    import io

    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    buf = io.BytesIO()
    Image.fromarray((img * 255).round().astype(np.uint8), "L").save(buf, "JPEG", quality=95)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.PixelData = encapsulate([buf.getvalue()])
    ds["PixelData"].is_undefined_length = True
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit


def jpeg_lossless_via_gdcm(src, dst, syntax: str = "JPEGLosslessProcess14_1"):
    """Transcode an uncompressed DICOM to JPEG lossless (process 14), or another of GDCM's syntaxes, with GDCM."""
    import gdcm

    reader = gdcm.ImageReader()
    reader.SetFileName(str(src))
    assert reader.Read()
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
    change.SetInput(reader.GetImage())
    assert change.Change()
    writer = gdcm.ImageWriter()
    writer.SetFileName(str(dst))
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    assert writer.Write()
    return dst


def after_two_ctrl_c(function, times: int = 2):
    """`function`, called just after the user pressed Ctrl+C twice (or `times`: SIGINTs to this process)."""
    import os
    import signal

    def pressed(*args, **kwargs):
        for _ in range(times):
            os.kill(os.getpid(), signal.SIGINT)
        return function(*args, **kwargs)
    return pressed


def class_folders(root, per_class: int = 24, size: int = 160, opacity=(40, 120, 30, 130)):
    """COVID/ and Normal/ folders of made-up chest pictures (the COVID ones with an "opacity" over
    rows and columns `opacity`; lung_manifest's films have it over (40, 120, 32, 128))."""
    top, bottom, left, right = opacity
    for label, shift in (("COVID", 0.25), ("Normal", 0.0)):
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            img = chest_like(size, seed=i + (100 if shift else 0))
            img[top:bottom, left:right] = img[top:bottom, left:right] * (1 - shift) + shift
            save_png8(root / label / f"{label.lower()}_{i:02d}.png", img)
    return root


def lung_mask(size=256) -> np.ndarray:
    """The two lung fields of chest_like() as a 0/255 mask."""
    y, x = np.mgrid[0:size, 0:size] / size
    lungs = sum(np.exp(-(((x - cx) / 0.14) ** 2 + ((y - 0.45) / 0.25) ** 2)) for cx in (0.32, 0.68))
    return ((lungs > 0.5) * 255).astype(np.uint8)


def lung_manifest(root, per_class: int = 30, size: int = 160):
    """A manifest with class labels, patients, splits and lung masks (masks/manifest.csv), as the
    shared data is laid out: enough for a tiny job that trains its own lung segmenter too."""
    import csv

    root.mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    (root / "masks" / "images").mkdir(parents=True, exist_ok=True)
    rows, masks = [], []
    for label, shift in (("covid", 0.25), ("normal", 0.0)):
        for i in range(per_class):
            img = chest_like(size, seed=i + (100 if shift else 0))
            img[size // 4:size * 3 // 4, size // 5:size * 4 // 5] *= 1 - shift
            img[size // 4:size * 3 // 4, size // 5:size * 4 // 5] += shift
            name = f"images/{label}_{i:02d}.png"
            save_png8(root / name, img)
            Image.fromarray(lung_mask(size), "L").save(root / "masks" / name)
            split = "train" if i < per_class * 0.6 else "val" if i < per_class * 0.8 else "test"
            rows.append([name, label, f"made-up-{label}", f"{label}{i}", split])
            masks.append([name, "masks/" + name])
    with open(root / "manifest.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "source", "patient_id", "split"])
        w.writerows(rows)
    with open(root / "masks" / "manifest.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["image", "mask"])
        w.writerows(masks)
    return root / "manifest.csv"
