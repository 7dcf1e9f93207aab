"""Bytes cross into the runtime as one buffer (shared/edge/bindings.py: js_buffer), and arrive whole:
a 137 KB upload holding every byte value, and a published page, are in R2 exactly as Python had them
(the object's SHA-256 is its key), and come back identical through customer and the domain worker."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from tests import loopback
from tests.lane.client import signed_in, view
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane
BUCKET = "smartpages-sites"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def photo_with_every_byte(size: int = 137 * 1024) -> bytes:
    """A decodable PNG of `size` bytes whose text chunk holds every byte value, over and over."""
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 0, 0, 0, 0))
    tail = _chunk(b"IDAT", zlib.compress(b"\x00\x80\x80\x80\x80" * 3)) + _chunk(b"IEND", b"")
    pad = size - len(head) - len(tail) - 12 - len(b"pad\x00")
    return head + _chunk(b"tEXt", b"pad\x00" + (bytes(range(256)) * (pad // 256 + 1))[:pad]) + tail


def stored(lane: Lane, key: str) -> bytes:
    reply = loopback.get(f"{lane.admin}/r2/{BUCKET}/{key}", timeout=60)
    assert reply.status_code == 200, key
    return reply.content


def test_an_upload_and_a_published_page_are_in_r2_byte_for_byte(lane: Lane) -> None:
    owner = signed_in(lane, "lane-bytes@example.com")
    site = owner.post("/api/v1/sites", {"name": "Byte Bakery"}).json()
    sid, home = site["id"], site["pages"][0]["id"]
    data = photo_with_every_byte()
    assert len(data) == 137 * 1024
    headers = {"origin": lane.core, "sec-fetch-site": "same-origin", "cookie": owner.cookie}
    upload = loopback.post(
        f"{lane.core}/api/v1/sites/{sid}/assets",
        content=data,
        headers={**headers, "content-type": "image/png"},
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    sha = upload.json()["sha256"]
    assert sha == hashlib.sha256(data).hexdigest()
    assert stored(lane, f"sites/{sid}/files/{sha}") == data
    download = loopback.get(f"{lane.core}/api/v1/sites/{sid}/assets/{sha}", headers=headers, timeout=60)
    assert (download.status_code, download.content) == (200, data)

    blocks = [{"type": "hero", "heading": "Bread – “fresh” ✓", "image": sha, "image_alt": "Loaf"}]
    assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks}).status_code == 200
    assert owner.post(f"/api/v1/sites/{sid}/publish").status_code == 201
    pointer = loopback.get(f"{lane.admin}/r2/{BUCKET}/hosts/{site['default_host']}.json", timeout=60).json()
    page_sha = pointer["files"]["/"][0]
    page = stored(lane, f"sites/{sid}/files/{page_sha}")
    assert hashlib.sha256(page).hexdigest() == page_sha
    assert "Bread – “fresh” ✓".encode() in page
    assert view(lane, site["default_host"]).content == page
    assert view(lane, site["default_host"], f"/assets/{sha}.png").content == data
