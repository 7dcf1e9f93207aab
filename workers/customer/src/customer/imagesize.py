"""An image's pixel size read from its own header bytes (PNG, GIF, JPEG, WebP), never from what
the client claims. None when the header is missing or broken: such a file is not an image."""

from __future__ import annotations

import struct

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _png(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


MAX_GIF_FRAMES = 1000


def _gif(data: bytes) -> tuple[int, int] | None:
    """The logical screen, once every frame has been read: a frame larger than the screen (or past
    its edge) is what decoders allocate for, so such a file is refused as broken (issue 23, L5:
    a 35-byte GIF with a 20000x20000 frame recorded as 10x10). No frame at all: not an image."""
    if len(data) < 13:
        return None
    width, height, packed = struct.unpack("<HHB", data[6:11])
    i = 13 + (3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0)
    frames = 0
    while i < len(data):
        block = data[i]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # an extension: label, then data sub-blocks
            i = gif_sub_blocks(data, i + 2)
        elif block == 0x2C and i + 10 <= len(data):
            left, top, w, h, local = struct.unpack("<HHHHB", data[i + 1 : i + 10])
            if w == 0 or h == 0 or left + w > width or top + h > height:
                return None
            frames += 1
            if frames > MAX_GIF_FRAMES:
                return None
            start = i + 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            i = gif_sub_blocks(data, start + 1)  # after the LZW minimum code size
        else:
            return None
        if i < 0:
            return None
    return (int(width), int(height)) if frames else None


def gif_sub_blocks(data: bytes, i: int) -> int:
    """The index after a chain of data sub-blocks starting at `i`; -1 if it runs off the end."""
    while i < len(data):
        size = data[i]
        i += 1 + size
        if size == 0:
            return i
    return -1


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            return None
        if marker in _JPEG_SOF:
            if i + 9 > len(data):
                return None
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(w), int(h)
        if marker == 0xDA:  # start of scan before any frame header
            return None
        i += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return int(w & 0x3FFF), int(h & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return None


_READERS = {"image/png": _png, "image/gif": _gif, "image/jpeg": _jpeg, "image/webp": _webp}


def dimensions(data: bytes, content_type: str) -> tuple[int, int] | None:
    reader = _READERS.get(content_type)
    size = reader(data) if reader else None
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size
