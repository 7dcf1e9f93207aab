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
