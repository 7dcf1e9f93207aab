"""Uploads: the type comes from the bytes, SVG is refused, the same bytes are stored once."""

from __future__ import annotations

import pytest

from customer.assets import sniff
from devstack.stack import Stack
from tests.customer.conftest import Owner, png


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<html><script>", None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),
    ],
)
def test_sniff(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


async def test_upload_stores_once_under_the_sha256(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    first = await owner.upload(site["id"], png(7), "cat.jpg")  # the name lies; the bytes decide
    assert first.status == 201
    body = first.json()
    assert body["content_type"] == "image/png"
    assert stack.blobs is not None
    assert await stack.blobs.list(f"sites/{site['id']}/files/") == [f"sites/{site['id']}/files/{body['sha256']}"]
    again = await owner.upload(site["id"], png(7))
    assert (again.status, again.json()["stored"]) == (200, False)
    listed = await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets")
    assert len(listed["assets"]) == 1
    download = await owner.call("GET", f"/api/v1/sites/{site['id']}/assets/{body['sha256']}")
    assert download.body == png(7)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b'<?xml version="1.0"?><svg onload="alert(1)"/>', 415, "svg_not_allowed"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'></svg>", 415, "svg_not_allowed"),
        (b"%PDF-1.7", 415, "unsupported_image"),
        (b"", 400, "empty_upload"),
        (b"\x89PNG\r\n\x1a\n" + bytes(1_000_001), 413, "asset_too_large"),
    ],
)
async def test_bad_uploads_are_refused(owner: Owner, data: bytes, status: int, code: str) -> None:
    site = await owner.new_site()
    response = await owner.upload(site["id"], data)
    assert (response.status, response.json()["error"]["code"]) == (status, code)
