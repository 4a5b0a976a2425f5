"""A clinic drags every kind of file it has; each reads as the same X-ray or says why it cannot."""
import io
import struct
import zlib

import numpy as np
import pytest
from factory import chest_like, jpeg_lossless_via_gdcm, save_jpeg, save_png8, save_png16, write_dicom
from PIL import Image

from covidxray_desktop.errors import ImagingError
from covidxray_desktop.imaging import load, preprocess

IMG = chest_like(128)


def close_to_reference(xray, tol=0.03):
    """Same picture after the model's preprocessing (which ignores bit depth and exposure)."""
    a = preprocess(xray.pixels, 64)
    b = preprocess(IMG, 64)
    return float(np.abs(a - b).mean()) < tol


def stretched(img):
    """A film of more than 8 bits as it reads: from its own darkest to its brightest value, a thousandth
    of its pixels left out at each end (a dead pixel at full scale no longer squeezes the film)."""
    lo, hi = np.percentile(img, [0.1, 99.9])
    return np.clip((img - lo) / (hi - lo), 0, 1)


def reads_as(xray, img, bits: int) -> bool:
    return float(np.abs(xray.pixels - stretched(img)).max()) < 2.0 / (2 ** bits - 1) + 1e-3


SUPPORTED = {"png": ["L", "RGB", "RGBA", "P", "I;16", "LA"], "tiff": ["L", "RGB", "RGBA", "P", "CMYK", "I;16", "LA"],
             "bmp": ["L", "RGB", "P"], "jpeg": ["L", "RGB", "CMYK"], "jp2": ["L", "RGB"], "webp": ["L", "RGB"]}


@pytest.mark.parametrize("fmt,mode", [(f, m) for f, modes in SUPPORTED.items() for m in modes])
def test_every_raster_flavour_reads_as_the_same_picture(tmp_path, fmt, mode):
    base = Image.fromarray((IMG * 255).round().astype(np.uint8), "L")
    im = Image.fromarray((IMG * 65535).astype(np.uint16)) if mode == "I;16" else base.convert(mode)
    path = tmp_path / f"x.{fmt}"
    im.save(path, **({"quality": 95} if fmt == "jpeg" else {}))
    xray = load(path)
    assert xray.pixels.dtype == np.float32 and xray.pixels.shape == IMG.shape
    assert 0 <= xray.pixels.min() and xray.pixels.max() <= 1
    assert close_to_reference(xray)
    assert xray.meta["colourfulness"] < 0.02


def test_sixteen_bit_png_keeps_its_depth(tmp_path):
    save_png16(tmp_path / "x.png", IMG)
    xray = load(tmp_path / "x.png")
    assert xray.meta["bits"] == 16
    assert reads_as(xray, IMG, 16)


@pytest.mark.parametrize("fmt", ["png", "tiff"])
@pytest.mark.parametrize("bits", [10, 12, 14])
def test_a_detectors_film_written_unscaled_into_sixteen_bits_reads_as_that_film(tmp_path, fmt, bits):
    # Exports from a PACS often put a 12-bit detector's values into a 16-bit PNG or TIFF as they are.
    # Against 65,535 such a film was all but black, and the gate refused it as "a blank image".
    from covidxray_desktop.model.ood import cheap_reason

    path = tmp_path / f"film.{fmt}"
    Image.fromarray(np.round(IMG * (2 ** bits - 1)).astype(np.uint16)).save(path)
    xray = load(path)
    assert xray.meta["bits"] == bits
    assert reads_as(xray, IMG, bits)
    assert cheap_reason(xray) is None


def test_a_sixteen_bit_films_brightness_does_not_depend_on_the_size_it_is_read_at(tmp_path):
    # Its bits were once judged after the picture was reduced: one bright pixel averaged away made
    # the same film twice as bright when read for the network as when read whole.
    film = np.full((1100, 1100), 20000, np.uint16)
    film[5, 5] = 33000  # one value past 15 bits
    Image.fromarray(film).save(tmp_path / "film.png")
    whole, reduced = load(tmp_path / "film.png"), load(tmp_path / "film.png", max_side=256)
    assert whole.meta["bits"] == reduced.meta["bits"] == 16
    assert abs(float(reduced.pixels.mean()) - float(whole.pixels.mean())) < 0.01


@pytest.mark.parametrize("how", ["a dead pixel at full scale", "an offset", "signed values", "big-endian bytes"])
def test_a_twelve_bit_film_reads_as_that_film_whatever_its_detector_or_software_wrote(tmp_path, how):
    # Scaled by its brightest value, one dead pixel at 65,535 squeezed a 12-bit film into a sliver of
    # grey: refused as "a blank image", or its answer moved. An offset (ImageJ's signed data) did the
    # same; signed values lost the lungs to black; a big-endian TIFF was called damaged.
    from covidxray_desktop.model.ood import cheap_reason

    film = np.round(IMG * 4095)
    path = tmp_path / "film.tif"
    if how == "a dead pixel at full scale":
        film[3, 3] = 65535
        Image.fromarray(film.astype(np.uint16)).save(path)
    elif how == "an offset":
        Image.fromarray((film + 32768).astype(np.uint16)).save(path)
    elif how == "signed values":
        Image.fromarray((film - 2048).astype(np.int16)).save(path)
    else:
        raw = film.astype(">u2")
        Image.frombuffer("I;16B", raw.shape[::-1], raw.tobytes(), "raw", "I;16B", 0, 1).save(path)
    xray = load(path)
    assert cheap_reason(xray) is None
    same = np.ones(IMG.shape, bool)
    same[3, 3] = how != "a dead pixel at full scale"
    assert float(np.abs(xray.pixels - stretched(IMG))[same].max()) < 2.0 / 4095 + 1e-3


def test_a_dicom_film_with_a_dead_pixel_or_a_window_that_misses_it_reads_as_that_film(tmp_path):
    from covidxray_desktop.model.ood import cheap_reason

    hot = IMG * 4095 / 65535
    hot[3, 3] = 1.0  # one pixel at 65,535 in a 12-bit film, no window to say where the film lies
    missed = write_dicom(tmp_path / "missed.dcm", IMG, window=(40000, 10))  # the whole film below it: one grey
    for path in (write_dicom(tmp_path / "hot.dcm", hot, bits=16), missed):
        xray = load(path)
        assert cheap_reason(xray) is None, path.name
        same = np.ones(IMG.shape, bool)
        same[3, 3] = False
        assert float(np.abs(xray.pixels - stretched(IMG))[same].max()) < 2.0 / 4095 + 1e-3, path.name


def test_exif_orientation_is_honoured(tmp_path):
    im = Image.fromarray((IMG * 255).astype(np.uint8), "L").rotate(-90, expand=True)  # stored sideways
    exif = Image.Exif()
    exif[0x0112] = 8  # viewers turn it back 90 degrees counter-clockwise
    im.save(tmp_path / "x.jpg", exif=exif.tobytes(), quality=95)
    assert close_to_reference(load(tmp_path / "x.jpg"))


def test_a_file_without_extension_is_recognised_by_content(tmp_path):
    save_png8(tmp_path / "scan", IMG)
    write_dicom(tmp_path / "IM0001", IMG)
    assert load(tmp_path / "scan").meta["format"] == "png"
    assert load(tmp_path / "IM0001").meta["format"] == "dicom"


def test_big_jpeg_decodes_at_reduced_size(tmp_path):
    big = np.kron(IMG, np.ones((16, 16), np.float32))  # 2048 px
    save_jpeg(tmp_path / "big.jpg", big)
    xray = load(tmp_path / "big.jpg", max_side=512)
    assert max(xray.pixels.shape) <= 512
    assert xray.meta["width"] == 2048


def test_float_tiff_with_nan_and_inf_reads_finite(tmp_path):
    a = IMG.copy()
    a[0, 0], a[1, 1], a[2, 2] = np.nan, np.inf, -np.inf
    Image.fromarray(a, "F").save(tmp_path / "f.tif")
    xray = load(tmp_path / "f.tif")
    assert np.isfinite(xray.pixels).all()


def test_a_sixteen_bit_tiff_stored_white_is_zero_reads_as_the_film(tmp_path):
    # Pillow turns an 8-bit MinIsWhite TIFF the right way round, not a 16-bit one: that film was
    # refused as "a negative".
    Image.fromarray(np.round((1.0 - IMG) * 4095).astype(np.uint16)).save(tmp_path / "film.tif", tiffinfo={262: 0})
    xray = load(tmp_path / "film.tif")
    assert float(np.abs(xray.pixels - (1.0 - stretched(1.0 - IMG))).max()) < 2.0 / 4095 + 1e-3
    Image.fromarray(np.round(IMG * 4095).astype(np.uint16)).save(tmp_path / "plain.tif")  # black-is-zero as before
    assert reads_as(load(tmp_path / "plain.tif"), IMG, 12)


def test_a_multi_page_tiff_says_which_page_was_judged(tmp_path):
    film = Image.fromarray((IMG * 255).round().astype(np.uint8))
    film.save(tmp_path / "two.tif", save_all=True, append_images=[Image.fromarray(np.zeros((64, 64), np.uint8))])
    xray = load(tmp_path / "two.tif")
    assert close_to_reference(xray)
    assert xray.notes == ["multi-page TIFF (2 pages): the first page was used."]
    film.save(tmp_path / "one.tif")
    assert load(tmp_path / "one.tif").notes == []
    # one page whose link to a next page points nowhere: the page reads, as before the count
    raw = bytearray((tmp_path / "one.tif").read_bytes())
    ifd = struct.unpack_from("<I", raw, 4)[0]
    struct.pack_into("<I", raw, ifd + 2 + 12 * struct.unpack_from("<H", raw, ifd)[0], 0x7FFFFFF0)
    (tmp_path / "broken-link.tif").write_bytes(bytes(raw))
    assert close_to_reference(load(tmp_path / "broken-link.tif"))


# --- DICOM -----------------------------------------------------------------------------------

def test_monochrome1_is_inverted_to_look_like_monochrome2(tmp_path):
    m2 = load(write_dicom(tmp_path / "m2.dcm", IMG))
    m1 = load(write_dicom(tmp_path / "m1.dcm", IMG, photometric="MONOCHROME1"))
    assert np.abs(m1.pixels - m2.pixels).max() < 1e-3
    assert close_to_reference(m1)


def test_rescale_and_window_are_applied(tmp_path):
    xray = load(write_dicom(tmp_path / "r.dcm", IMG, slope=2.0, intercept=-1024.0, window=(1024, 4096)))
    assert close_to_reference(xray)
    assert xray.meta["patient_id"] == "TEST-0001" and xray.meta["study_date"] == "20200401"
    assert xray.meta["modality"] == "DX"


@pytest.mark.parametrize("syntax", ["rle", "jpeg", "jpegls", "j2k", "jpeg-lossless"])
def test_compressed_dicom_decodes(tmp_path, syntax):
    from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

    if syntax == "jpeg-lossless":
        path = jpeg_lossless_via_gdcm(write_dicom(tmp_path / "u.dcm", IMG), tmp_path / "jl.dcm")
    else:
        if syntax == "jpegls":
            pytest.importorskip("jpeg_ls", reason="pyjpegls (test extra) writes the JPEG-LS file")
        uid = {"rle": RLELossless, "jpeg": "jpeg", "jpegls": JPEGLSLossless, "j2k": JPEG2000Lossless}[syntax]
        path = write_dicom(tmp_path / f"{syntax}.dcm", IMG, syntax=uid)
    xray = load(path)
    assert close_to_reference(xray)


@pytest.mark.parametrize("left_out", ["PhotometricInterpretation", "SamplesPerPixel", "PixelRepresentation",
                                      "BitsStored", "everything that describes the pixels", "lower case"])
def test_a_dicom_an_older_system_wrote_without_the_tags_that_describe_its_pixels_reads_as_the_film(tmp_path, left_out):
    # pydicom needs these to decode; ACR-NEMA exports and some scanners' own writers leave them out,
    # and such a film was "DICOM pixel data could not be decoded (Missing required element ...)".
    import pydicom

    path = write_dicom(tmp_path / "old.dcm", IMG, photometric="MONOCHROME1")
    ds = pydicom.dcmread(path)
    if left_out == "lower case":
        ds.PhotometricInterpretation = "monochrome1"
    else:
        for tag in (["PhotometricInterpretation", "SamplesPerPixel", "PixelRepresentation", "BitsStored",
                     "HighBit", "BitsAllocated"] if left_out.startswith("everything") else [left_out]):
            delattr(ds, tag)
    ds.save_as(path)
    xray = load(path)
    if left_out in ("PhotometricInterpretation", "everything that describes the pixels"):
        as_monochrome2 = load(write_dicom(tmp_path / "m2.dcm", 1.0 - IMG))  # its stored values, as they are
        assert np.abs(xray.pixels - as_monochrome2.pixels).max() < 1e-3
    else:
        assert close_to_reference(xray)


def test_a_compressed_dicom_without_its_bit_depth_is_refused_not_guessed_from_its_compressed_size(tmp_path):
    # Guessed from the stream's length, a 16-bit JPEG 2000 film decoded as 8-bit garbage, and a
    # guess of 32 bits reached a decoder that aborts the process on it.
    import pydicom
    from pydicom.uid import JPEG2000Lossless

    path = write_dicom(tmp_path / "j2k.dcm", IMG, syntax=JPEG2000Lossless)
    ds = pydicom.dcmread(path)
    del ds.BitsAllocated
    ds.save_as(path)
    with pytest.raises(ImagingError) as error:
        load(path)
    assert "j2k.dcm" in str(error.value)


def test_an_rgb_dicom_without_its_layout_tags_reads_as_the_film(tmp_path):
    import pydicom

    path = write_dicom(tmp_path / "rgb.dcm", IMG)
    ds = pydicom.dcmread(path)
    grey = ds.pixel_array.astype(np.uint16)
    ds.PixelData = np.repeat(grey[..., None], 3, axis=-1).astype("<u2").tobytes()  # by pixel: RGBRGB...
    ds.PhotometricInterpretation = "RGB"
    del ds.SamplesPerPixel
    ds.save_as(path)
    assert close_to_reference(load(path))


def test_dicom_files_an_older_system_wrote_without_the_preamble_are_read_and_found_in_folders(tmp_path):
    # Without the 128-byte preamble and "DICM" the reader said "not a readable DICOM file (... Use
    # force=True ...)", an option no user has; pydicom reads them when told they are DICOM.
    import pydicom

    from covidxray_desktop.imaging.detect import walk

    write_dicom(tmp_path / "full.dcm", IMG)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "IM0001").write_bytes((tmp_path / "full.dcm").read_bytes()[132:])  # file meta first
    ds = pydicom.dcmread(tmp_path / "full.dcm")
    del ds.file_meta  # no file meta, so no transfer syntax named: implicit encoding, as ACR-NEMA wrote
    ds.save_as(folder / "IM0002", implicit_vr=True, little_endian=True, enforce_file_format=False)  # "DICM" kept
    ds.preamble = None
    ds.save_as(folder / "IM0003", implicit_vr=True, little_endian=True, enforce_file_format=False)
    assert (folder / "IM0003").read_bytes().startswith(b"\x08\x00")
    (folder / "records.bin").write_bytes(struct.pack("<II", 8, 3) + bytes(range(200)))  # one plausible length
    assert sorted(f.name for f in walk([folder]).files) == ["IM0001", "IM0002", "IM0003"]
    for name in ("IM0001", "IM0002", "IM0003"):
        xray = load(folder / name)
        assert xray.meta["format"] == "dicom" and xray.meta["patient_id"] == "TEST-0001"
        assert close_to_reference(xray)


def test_a_film_stored_as_a_negative_with_an_inverse_presentation_reads_as_the_film(tmp_path):
    # MONOCHROME2 with Presentation LUT Shape INVERSE is shown inverted by every viewer; the reader
    # ignored the tag, and the negative was refused as "a lateral view or a CT slice".
    write_dicom(tmp_path / "negative.dcm", 1.0 - IMG, tags={"PresentationLUTShape": "INVERSE"})
    assert close_to_reference(load(tmp_path / "negative.dcm"))
    # DX requires INVERSE beside MONOCHROME1: that names the one inversion, not a second
    write_dicom(tmp_path / "dx.dcm", IMG, photometric="MONOCHROME1", tags={"PresentationLUTShape": "INVERSE"})
    assert close_to_reference(load(tmp_path / "dx.dcm"))


def test_a_palette_colour_dicom_is_read_through_its_palette(tmp_path):
    # Its pixels are indices into the file's own colour table; read as grey levels, this film (its
    # table runs white to black) was refused as "a negative".
    levels = np.arange(256)
    write_dicom(tmp_path / "palette.dcm", IMG, photometric="PALETTE COLOR", bits=8, tags={
        "RedPaletteColorLookupTableDescriptor": [256, 0, 16], "GreenPaletteColorLookupTableDescriptor": [256, 0, 16],
        "BluePaletteColorLookupTableDescriptor": [256, 0, 16],
        **{f"{c}PaletteColorLookupTableData": ((255 - levels) * 257).astype("<u2").tobytes()
           for c in ("Red", "Green", "Blue")}})  # stored as 1 - IMG
    xray = load(tmp_path / "palette.dcm")
    assert close_to_reference(xray) and xray.meta["colourfulness"] < 0.02


def test_a_film_with_oblong_pixels_is_read_as_a_viewer_shows_it(tmp_path):
    # Rows 0.4 mm apart, columns 0.1 mm: as stored, the chest was squeezed four to one sideways and
    # refused for its shape.
    from covidxray_desktop.model.ood import cheap_reason

    wide = np.asarray(Image.fromarray(IMG).resize((512, 128), Image.BILINEAR))
    xray = load(write_dicom(tmp_path / "oblong.dcm", wide, tags={"PixelSpacing": [0.4, 0.1]}))
    assert xray.pixels.shape == (128, 128) and cheap_reason(xray) is None
    assert xray.notes == ["its pixels are not square (0.4 x 0.1 mm): it was read as a viewer shows it."]
    assert load(write_dicom(tmp_path / "square.dcm", IMG, tags={"PixelSpacing": [0.14, 0.14]})).notes == []


def test_a_refusal_for_shape_names_the_files_own_size(tmp_path):
    from covidxray_desktop.model.ood import cheap_reason

    xray = load(write_dicom(tmp_path / "strip.dcm", np.tile(IMG[:7], (1, 24))), max_side=1024)
    assert cheap_reason(xray) == "shape 3072 x 7 is far from a chest film's"


def test_a_dicom_cut_short_in_its_header_says_so_not_that_it_holds_no_image(tmp_path):
    whole = write_dicom(tmp_path / "whole.dcm", IMG).read_bytes()
    for cut in (300, 400, 700):  # inside the file meta, inside an element's value, inside an element's header
        (tmp_path / "cut.dcm").write_bytes(whole[:cut])
        with pytest.raises(ImagingError, match="cut short or damaged"):
            load(tmp_path / "cut.dcm")


def test_multiframe_dicom_uses_the_first_frame_and_says_so(tmp_path):
    xray = load(write_dicom(tmp_path / "mf.dcm", IMG, frames=3))
    assert xray.pixels.shape == IMG.shape
    assert "first frame" in " ".join(xray.notes)


# --- what cannot be read says why --------------------------------------------------------------

def _png_header(width, height) -> bytes:
    """A PNG that claims width x height pixels but carries almost no data: a decompression bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("name,content,expect", [
    ("empty.png", b"", "empty"),
    ("notes.png", b"patient list, do not lose\n" * 10, "not an image"),
    ("noise.dcm", bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)), "not an image despite"),
    ("notes.dcm", b"patient list, do not lose\n" * 10, "not an image despite its .dcm name"),
    ("bomb.png", _png_header(20000, 20000), "limit"),
])
def test_unreadable_files_give_a_readable_error(tmp_path, name, content, expect):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ImagingError, match=expect) as info:
        load(tmp_path / name)
    assert str(info.value).startswith(name) and "force" not in str(info.value)  # pydicom's option is no user's


def test_truncated_jpeg_is_an_error_not_a_crash(tmp_path):
    buf = io.BytesIO()
    Image.fromarray((IMG * 255).astype(np.uint8)).save(buf, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    with pytest.raises(ImagingError, match="damaged or truncated"):
        load(tmp_path / "cut.jpg")


def test_a_png_with_a_broken_chunk_is_called_a_damaged_png_not_some_other_file(tmp_path):
    buf = io.BytesIO()
    Image.fromarray((IMG * 255).astype(np.uint8)).save(buf, "PNG")
    raw = bytearray(buf.getvalue())
    raw[raw.index(b"IDAT") + 3] ^= 0xFF  # the pixel chunk's name garbled: Pillow cannot tell what the file is
    (tmp_path / "film.png").write_bytes(bytes(raw))
    with pytest.raises(ImagingError) as info:
        load(tmp_path / "film.png")
    assert str(info.value) == "film.png: a damaged PNG file; its structure cannot be read."


def test_dicom_without_pixels_and_dicom_bomb(tmp_path):
    with pytest.raises(ImagingError, match="no pixel data"):
        load(write_dicom(tmp_path / "sr.dcm", IMG, pixel_data=False))
    (tmp_path / "padded.dcm").write_bytes((tmp_path / "sr.dcm").read_bytes() + bytes(16))  # whole, padded
    with pytest.raises(ImagingError, match="no pixel data"):
        load(tmp_path / "padded.dcm")
    with pytest.raises(ImagingError, match="limit"):
        load(write_dicom(tmp_path / "huge.dcm", IMG, rows=20000, columns=20000))


def test_missing_file(tmp_path):
    with pytest.raises(ImagingError, match="file not found"):
        load(tmp_path / "gone.png")


def test_a_phone_photo_turned_by_its_exif_tag_gives_its_size_as_it_stands(tmp_path):
    # Width and height were read before the turn: the zoom of a 2000 x 3000 photo read 1.5 times off,
    # and a refusal for shape named it 3000 x 2000.
    from covidxray_desktop.imaging import DECODE_SIDE

    upright = Image.fromarray((chest_like(300) * 255).astype(np.uint8)).resize((2000, 3000))
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn a quarter clockwise to show"
    upright.transpose(Image.ROTATE_90).save(tmp_path / "photo.jpg", exif=exif)
    xray = load(tmp_path / "photo.jpg", max_side=DECODE_SIDE)
    assert (xray.meta["width"], xray.meta["height"]) == (2000, 3000) and xray.pixels.shape[0] > xray.pixels.shape[1]
