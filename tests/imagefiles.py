"""Small real image files for tests, made with the standard library: a PNG that decodes, and
JPEG / WebP headers that carry the size the way encoders write it."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(seed: int = 0, size: int = 64, width: int = 4, height: int = 3) -> bytes:
    """A decodable grey PNG, different per seed, padded with a text chunk of `size` bytes."""
    rows = b"".join(b"\x00" + bytes([seed % 256]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"tEXt", b"seed\x00" + str(seed).encode() + bytes(size))
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int, seed: int = 0) -> bytes:
    """SOI, a JFIF APP0, a baseline frame header with the size, EOI (enough to size and sniff)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + bytes([seed % 256]) * 8 + b"\xff\xd9"


def webp(width: int, height: int, seed: int = 0) -> bytes:
    """A lossy (VP8) WebP header with the size."""
    vp8 = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + bytes([seed % 256]) * 8
    body = b"WEBP" + b"VP8 " + struct.pack("<I", len(vp8)) + vp8
    return b"RIFF" + struct.pack("<I", len(body)) + body


def gif(width: int, height: int, frames: list[tuple[int, int, int, int]] | None = None, comment: bytes = b"") -> bytes:
    """A GIF89a with a `width` x `height` screen and one 1x1-coded frame per (left, top, w, h) in
    `frames` (default: one frame covering the screen); `comment` adds a comment extension."""
    out = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    if comment:
        out += b"\x21\xfe" + bytes([len(comment)]) + comment + b"\x00"
    for left, top, w, h in frames or [(0, 0, width, height)]:
        out += b"\x2c" + struct.pack("<HHHHB", left, top, w, h, 0) + b"\x02\x02\x44\x01\x00"
    return out + b"\x3b"


def jpeg_with_exif(width: int, height: int) -> bytes:
    """`jpeg()` with an APP1 Exif segment (a GPS tag's text) and an APP1 XMP packet after APP0."""
    plain = jpeg(width, height)
    exif = b"Exif\x00\x00" + b"GPSLatitude 48.8584 N" + bytes(8)
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>exif:GPSLongitude 2.2945 E</x:xmpmeta>"
    segments = b"".join(b"\xff\xe1" + struct.pack(">H", len(p) + 2) + p for p in (exif, xmp))
    return plain[:20] + segments + plain[20:]


def png_with_metadata(width: int = 4, height: int = 3) -> bytes:
    """`png()` with an eXIf chunk and an XMP iTXt chunk (as phones and editors write them)."""
    plain = png(width=width, height=height, size=0)
    extra = _chunk(b"eXIf", b"MM\x00*GPSLatitude 48.8584") + _chunk(
        b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>GPSLongitude</x:xmpmeta>"
    )
    ihdr_end = 8 + 25
    return plain[:ihdr_end] + extra + plain[ihdr_end:]


def webp_with_metadata(width: int, height: int) -> bytes:
    """An extended (VP8X) WebP with EXIF and XMP chunks around its VP8 image."""
    vp8 = webp(width, height)[12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x0C, 0, 0, 0]) + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    exif = b"EXIF" + struct.pack("<I", 12) + b"GPSLatitude!"
    xmp = b"XMP " + struct.pack("<I", 12) + b"<x:xmpmeta/>"
    body = b"WEBP" + vp8x + vp8 + exif + xmp
    return b"RIFF" + struct.pack("<I", len(body)) + body
