"""A damaged compressed DICOM is called damaged; a plugin is named only when it is really missing."""
import pytest
from factory import chest_like, jpeg_lossless_via_gdcm, write_dicom

from covidxray_desktop.errors import ImagingError
from covidxray_desktop.imaging import load


@pytest.mark.parametrize("syntax", ["jpeg", "j2k"])
def test_a_damaged_compressed_dicom_does_not_blame_an_installed_plugin(tmp_path, syntax):
    from pydicom.uid import JPEG2000Lossless

    path = write_dicom(tmp_path / "ward3.dcm", chest_like(128), syntax="jpeg" if syntax == "jpeg" else JPEG2000Lossless)
    data = bytearray(path.read_bytes())
    start = data.find(b"\xff\xd8\xff" if syntax == "jpeg" else b"\xff\x4f\xff\x51")
    data[start + 4:-10] = bytes(len(data) - start - 14)  # the codestream lost to a disk error
    path.write_bytes(bytes(data))
    with pytest.raises(ImagingError) as error:
        load(path)
    message = str(error.value)
    assert message.startswith("ward3.dcm: ") and "install" not in message
    # Said as damage: the decoders failed, or the stream's own header (checked first) holds no picture.
    assert "damaged or cut short" in message or "could not be decoded" in message or "no pixels" in message
    assert "plugins" not in message and "NoneType" not in message  # pydicom's own list of its decoders' errors


def test_a_twelve_bit_lossy_jpeg_dicom_is_said_to_need_another_decoder_not_to_be_damaged(tmp_path):
    # pydicom's decoders here refuse JPEG Extended with 12-bit samples, a valid file a CR unit writes;
    # the app called it "damaged or cut short" (GDCM's own reader decodes it, wrongly in places).
    pytest.importorskip("gdcm", reason="python-gdcm (test extra) writes the 12-bit JPEG file")
    from covidxray_desktop.imaging.dicom import _decodable

    path = jpeg_lossless_via_gdcm(write_dicom(tmp_path / "u.dcm", chest_like(128), bits=12), tmp_path / "cr.dcm",
                                  syntax="JPEGExtendedProcess2_4")
    try:
        load(path)
        pytest.skip("a decoder here reads 12-bit JPEG Extended (pylibjpeg-libjpeg is installed)")
    except ImagingError as error:
        message = str(error)
    assert _decodable("1.2.840.10008.1.2.4.51")
    assert "with 12-bit samples, which this app's decoders cannot read reliably" in message
    assert "ask the sender for an uncompressed" in message and "damaged" not in message


def test_a_cut_short_or_video_dicom_is_explained_in_words_in_both_languages(tmp_path):
    import pydicom
    from pydicom.encaps import encapsulate
    from pydicom.uid import MPEG2MPML

    from covidxray_desktop.results.language import message_translator

    cut = write_dicom(tmp_path / "cut.dcm", chest_like(128))
    cut.write_bytes(cut.read_bytes()[:-5000])  # a copy that stopped part way
    video = write_dicom(tmp_path / "clip.dcm", chest_like(128))
    ds = pydicom.dcmread(video)
    ds.file_meta.TransferSyntaxUID = MPEG2MPML
    ds.PixelData = encapsulate([b"\x00\x00\x01\xb3" + bytes(200)])  # an MPEG-2 sequence's first bytes
    ds.save_as(video)
    said = {}
    for path in (cut, video):
        with pytest.raises(ImagingError) as error:
            load(path)
        said[path.name] = str(error.value)
    assert said["cut.dcm"] == ("cut.dcm: its pixel data is shorter than its image size needs (27,768 of 32,768 "
                               "bytes); the file is cut short or damaged.")
    assert said["clip.dcm"] == "clip.dcm: its pixel data is in MPEG2 Main Profile / Main Level, which this app cannot decode."
    chinese = message_translator("zh_CN")
    assert chinese(said["cut.dcm"]).startswith("cut.dcm：像素数据短于") and "27,768 / 32,768" in chinese(said["cut.dcm"])
    assert chinese(said["clip.dcm"]) == "clip.dcm：像素数据为 MPEG2 Main Profile / Main Level 格式，本程序无法解码。"


def test_a_syntax_with_no_decoder_installed_names_the_plugin(tmp_path, monkeypatch):
    from covidxray_desktop.imaging import dicom

    path = write_dicom(tmp_path / "ward3.dcm", chest_like(128), syntax="jpeg")
    # a machine without Pillow's or GDCM's JPEG decoder
    monkeypatch.setattr(dicom, "_decodable", lambda uid: False)
    monkeypatch.setattr(dicom, "_first_frame", lambda ds: (_ for _ in ()).throw(RuntimeError("Unable to decode: "
                                                                                              "no plugins")))
    with pytest.raises(ImagingError, match="ward3.dcm: .*needs a decoder plugin - install Pillow or python-gdcm"):
        load(path)
