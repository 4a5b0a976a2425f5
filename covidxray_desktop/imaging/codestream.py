"""What a compressed DICOM frame claims about its size, read from its header before any decoder runs.

Decoders allocate what the stream's own header says, whatever Rows and Columns say: a 1 KB JPEG 2000
stream claiming 60000 x 60000 costs gigabytes. Headers read: JPEG (every SOF, JPEG-LS's SOF55 too)
and JPEG 2000 (a raw codestream, or one inside a JP2 file)."""
import struct

_SOF = (set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}) | {0xF7}
_STANDALONE = set(range(0xD0, 0xD8)) | {0x01}  # markers with no length field
_J2K_SEARCH = 1 << 16  # a JP2 file's header boxes (ICC profiles included) come before its codestream


def claimed_size(stream: bytes) -> tuple[int, int, int] | None:
    """(width, height, components) as the stream's header claims them; None when not found."""
    try:
        if stream[:2] == b"\xff\xd8":
            return _jpeg(stream)
        at = stream.find(b"\xff\x4f\xff\x51", 0, _J2K_SEARCH)  # SOC, then SIZ
        if at >= 0:
            x, y, x0, y0 = struct.unpack_from(">IIII", stream, at + 8)
            return max(0, x - x0), max(0, y - y0), struct.unpack_from(">H", stream, at + 40)[0]
    except struct.error:  # a header cut short: the decoder will say so
        pass
    return None


def _jpeg(stream: bytes):
    pos = 2
    while pos + 4 <= len(stream):
        if stream[pos] != 0xFF:
            return None
        marker = stream[pos + 1]
        if marker == 0xFF:  # a fill byte
            pos += 1
        elif marker in _STANDALONE:
            pos += 2
        elif marker in _SOF:
            height, width = struct.unpack_from(">HH", stream, pos + 5)
            return width, height, stream[pos + 9]
        else:
            pos += 2 + struct.unpack_from(">H", stream, pos + 2)[0]
    return None
