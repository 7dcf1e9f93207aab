"""Metadata stripped from uploaded images before they are stored and published (issue 23, L4):
photos carry the camera's EXIF (GPS position, serial numbers, time) and XMP, and publishing them
shared where a small business owner lives. Pure byte surgery on the container, so the pixels are
untouched and nothing is decoded:

- JPEG: every APPn segment but APP0 (JFIF), APP2 `ICC_PROFILE` (colours) and APP14 (Adobe colour
  transform), and comments (COM), up to the first scan.
- PNG: `eXIf`, and text chunks holding XMP or EXIF (`XML:com.adobe.xmp`, ImageMagick's
  `Raw profile type …`).
- WebP: the `EXIF` and `XMP ` chunks (and their flags in `VP8X`).
- GIF: comment extensions and application extensions other than the looping ones (XMP travels in
  an application extension).

A file whose structure cannot be walked is returned as it is: the size check (imagesize.py) has
already refused anything broken."""

from __future__ import annotations

import struct

from customer.imagesize import gif_sub_blocks

_JPEG_KEEP_APP = {0xE0, 0xEE}  # APP0 JFIF, APP14 Adobe; APP2 only for ICC_PROFILE
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")
_PNG_METADATA_KEYWORDS = (b"XML:com.adobe.xmp", b"Raw profile type")
_GIF_LOOPING = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:  # not a marker: image data from here on, kept as it is
            break
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            out += data[i : i + 2]
            i += 2
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            return bytes(out + data[i:])
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        segment = data[i : i + 2 + length]
        if len(segment) < 2 + length:
            return data
        is_app = 0xE0 <= marker <= 0xEF
        keep = not is_app or marker in _JPEG_KEEP_APP or (marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00")
        if marker == 0xFE:  # comment
            keep = False
        if keep:
            out += segment
        i += 2 + length
    return bytes(out + data[i:])


def _png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    i = 8
    while i + 12 <= len(data):
        (length,) = struct.unpack(">I", data[i : i + 4])
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            return data
        body = data[i + 8 : i + 8 + length]
        drop = kind == b"eXIf" or (kind in _PNG_TEXT and body.startswith(_PNG_METADATA_KEYWORDS))
        if not drop:
            out += data[i:end]
        i = end
    return bytes(out + data[i:])


def _webp(data: bytes) -> bytes:
    if len(data) < 12:
        return data
    chunks = bytearray()
    i = 12
    while i + 8 <= len(data):
        kind = data[i : i + 4]
        (length,) = struct.unpack("<I", data[i + 4 : i + 8])
        end = i + 8 + length + (length & 1)
        if end > len(data):
            return data
        chunk = bytearray(data[i:end])
        if kind == b"VP8X" and length >= 1:
            chunk[8] &= ~(0x08 | 0x04) & 0xFF  # no EXIF, no XMP
        if kind not in (b"EXIF", b"XMP "):
            chunks += chunk
        i = end
    body = b"WEBP" + bytes(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _gif(data: bytes) -> bytes:
    if len(data) < 13:
        return data
    packed = data[10]
    i = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
    out = bytearray(data[:i])
    while i < len(data):
        block = data[i]
        if block == 0x3B:  # trailer
            return bytes(out + data[i:])
        if block == 0x21 and i + 2 <= len(data):
            label = data[i + 1]
            end = gif_sub_blocks(data, i + 2)
            if end < 0:
                return data
            application = data[i + 3 : i + 14] if label == 0xFF else b""
            if label != 0xFE and (label != 0xFF or application in _GIF_LOOPING):
                out += data[i:end]
            i = end
            continue
        if block == 0x2C and i + 10 <= len(data):
            local = data[i + 9]
            start = i + 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            end = gif_sub_blocks(data, start + 1)  # after the LZW minimum code size
            if end < 0:
                return data
            out += data[i:end]
            i = end
            continue
        return data
    return bytes(out)


_STRIPPERS = {"image/jpeg": _jpeg, "image/png": _png, "image/webp": _webp, "image/gif": _gif}


def strip(data: bytes, content_type: str) -> bytes:
    stripper = _STRIPPERS.get(content_type)
    return stripper(data) if stripper else data
