"""A damaged compressed DICOM is called damaged; a plugin is named only when it is really missing."""
import pytest
from factory import chest_like, write_dicom

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
    # Said as damage: the decoder failed, or the stream's own header (checked first) holds no picture.
    assert "could not be decoded" in message or "no pixels" in message


def test_a_syntax_with_no_decoder_installed_names_the_plugin(tmp_path, monkeypatch):
    from covidxray_desktop.imaging import dicom

    path = write_dicom(tmp_path / "ward3.dcm", chest_like(128), syntax="jpeg")
    # a machine without Pillow's or GDCM's JPEG decoder
    monkeypatch.setattr(dicom, "_decodable", lambda uid: False)
    monkeypatch.setattr(dicom, "_first_frame", lambda ds: (_ for _ in ()).throw(RuntimeError("Unable to decode: "
                                                                                              "no plugins")))
    with pytest.raises(ImagingError, match="ward3.dcm: .*needs a decoder plugin - install Pillow or python-gdcm"):
        load(path)
