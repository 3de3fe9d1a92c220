"""Originals that already are what the upload pipeline writes, kept byte for byte (content file imports).

The pipeline (core/uploads.py) rebuilds every upload from its pixels. For PNG
and GIF that is a fixed point: re-encoding its own output gives the same
bytes. JPEG and WebP are lossy, so each pass changes the pixels (and the
bytes) again: a backup imported into an empty site would no longer match its
digest, and the round trip export -> import -> export would not give the
same bytes. So a JPEG or WebP file is kept as it is when it is made only of
the parts the pipeline writes (pixels, no metadata, nothing after the end);
it still has to pass the pipeline's checks (format, pixel limit, decodes
whole). Any other file is re-encoded, as an upload is.
"""

import io

from PIL import Image

from core.uploads import MODES, safe_reencode

# JPEG markers the encoder writes: APP0 (JFIF), DQT, SOF0-2, DHT, DRI, SOS.
# Every other APPn (EXIF, XMP, ICC, MPF, Adobe) and COM carry what the
# pipeline drops.
_JPEG_SEGMENTS = {0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA}
# WebP chunks the encoder writes; ICCP, EXIF and XMP are what it drops.
_WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}
_VP8X_METADATA = 0x20 | 0x08 | 0x04  # the ICC, EXIF and XMP flags


def reencode_or_keep(data):
    """Return (format, bytes): `data` itself when it already is what the pipeline writes, else its re-encoding.

    Raise ValidationError, as `safe_reencode` does, when it is no usable image.
    """
    fmt, encoded = safe_reencode(data)
    if encoded == data or (fmt in ("JPEG", "WEBP") and _bare(data, fmt)):
        return fmt, data
    return fmt, encoded


def _bare(data, fmt):
    with Image.open(io.BytesIO(data)) as image:
        if image.mode not in MODES[fmt]:
            return False
    return _bare_jpeg(data) if fmt == "JPEG" else _bare_webp(data)


def _bare_jpeg(data):
    if data[:2] != b"\xff\xd8":
        return False
    at = 2
    while at + 2 <= len(data):
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xD9:  # end of image: nothing may follow
            return at + 2 == len(data)
        if marker not in _JPEG_SEGMENTS:
            return False
        end = at + 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xE0 and (data[at + 4 : at + 9] != b"JFIF\x00" or end - at != 18):
            return False  # a JFIF header with no thumbnail, as the encoder writes it
        if marker == 0xDA:
            # The scan's coded data runs to the next marker (0xFF not followed by 0x00 or a restart).
            end = data.find(b"\xff", end)
            while end != -1 and end + 1 < len(data) and (data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7):
                end = data.find(b"\xff", end + 2)
            if end == -1:
                return False
        at = end
    return False


def _bare_webp(data):
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or int.from_bytes(data[4:8], "little") + 8 != len(data):
        return False
    at = 12
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if chunk not in _WEBP_CHUNKS or (chunk == b"VP8X" and data[at + 8] & _VP8X_METADATA):
            return False
        at += 8 + size + (size & 1)
    return at == len(data)
