"""Uploads: the type comes from the bytes, SVG is refused, the same bytes are stored once."""

from __future__ import annotations

import struct

import pytest

from customer import imagemeta
from customer.assets import sniff
from customer.imagesize import dimensions
from devstack.stack import Stack
from shared import plans
from tests.customer.conftest import Owner, history_bodies
from tests.imagefiles import gif, jpeg, jpeg_with_exif, png, png_with_metadata, webp, webp_with_metadata


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
        (png(size=1_000_001), 413, "asset_too_large"),
    ],
)
async def test_bad_uploads_are_refused(owner: Owner, data: bytes, status: int, code: str) -> None:
    site = await owner.new_site()
    response = await owner.upload(site["id"], data)
    assert (response.status, response.json()["error"]["code"]) == (status, code)


def test_dimensions_are_read_from_the_bytes() -> None:
    assert dimensions(png(width=40, height=30), "image/png") == (40, 30)
    assert dimensions(jpeg(1600, 1200), "image/jpeg") == (1600, 1200)
    assert dimensions(webp(960, 720), "image/webp") == (960, 720)
    assert dimensions(b"\xff\xd8\xff\xe0", "image/jpeg") is None  # no frame header: not an image
    assert dimensions(gif(10, 5), "image/gif") == (10, 5)
    assert dimensions(b"GIF89a\x0a\x00\x05\x00", "image/gif") is None  # no frames: not an image


async def test_heic_and_broken_images_are_refused_in_plain_words(owner: Owner) -> None:
    site = await owner.new_site()
    heic = await owner.upload(site["id"], b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    assert (heic.status, heic.json()["error"]["code"]) == (415, "heic_not_supported")
    assert "JPEG" in heic.json()["error"]["message"]
    broken = await owner.upload(site["id"], b"\xff\xd8\xff\xe0" + bytes(64))
    assert (broken.status, broken.json()["error"]["code"]) == (415, "broken_image")


async def test_variants_are_checked_against_their_original(owner: Owner) -> None:
    site = await owner.new_site()
    original = (await owner.upload(site["id"], jpeg(1600, 1200))).json()
    assert (original["width"], original["height"]) == (1600, 1200)
    under = f"/{original['sha256']}/variants"
    for data in (webp(480, 360), jpeg(480, 360, seed=1), webp(960, 720), webp(1600, 1200)):
        assert (await owner.upload(site["id"], data, under=under)).status == 201
    refused = {
        "image_too_large": webp(2000, 1500),  # wider than anything the portal uploads (issue 23, L5)
        "variant_shape": webp(480, 480),
        "unsupported_variant": png(width=480, height=360),
        "broken_image": b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(4),
    }
    for code, data in refused.items():
        reply = await owner.upload(site["id"], data, under=under)
        assert reply.json()["error"]["code"] == code, code
    missing = await owner.upload(site["id"], webp(480, 360), under=f"/{'0' * 64}/variants")
    assert missing.status == 404
    library = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets"))["assets"]
    assert [(v["content_type"], v["width"]) for v in library[0]["variants"]] == [
        ("image/jpeg", 480),
        ("image/webp", 480),
        ("image/webp", 960),
        ("image/webp", 1600),
    ]
    thumbnail = await owner.call("GET", f"/api/v1/sites/{site['id']}/assets/{library[0]['variants'][1]['variant']}")
    assert (thumbnail.status, thumbnail.header("content-type"), thumbnail.body) == (200, "image/webp", webp(480, 360))


async def test_library_says_where_an_image_is_used_and_deletes_only_unused_ones(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    used = (await owner.upload(site["id"], png(1))).json()["sha256"]
    unused = (await owner.upload(site["id"], png(2))).json()["sha256"]
    await owner.upload(site["id"], webp(4, 3), under=f"/{unused}/variants")
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    await owner.ok("PUT", page, {"blocks": [{"type": "image", "asset": used, "alt": "Bread"}]})
    await owner.ok("PATCH", f"/api/v1/sites/{site['id']}", {"seo": {"favicon": used}})
    library = {a["sha256"]: a for a in (await owner.ok("GET", f"/api/v1/sites/{site['id']}/assets"))["assets"]}
    assert library[used]["used_in"] == ["Home", "Favicon"]
    assert library[unused]["used_in"] == []
    refused = await owner.call("DELETE", f"/api/v1/sites/{site['id']}/assets/{used}")
    assert (refused.status, refused.json()["error"]["code"]) == (409, "asset_in_use")
    assert "Home" in refused.json()["error"]["message"]
    assert (await owner.call("DELETE", f"/api/v1/sites/{site['id']}/assets/{unused}")).status == 204
    assert stack.blobs is not None
    files = {key.rsplit("/", 1)[1] for key in await stack.blobs.list(f"sites/{site['id']}/files/")}
    assert files - await history_bodies(stack, site["id"]) == {used}  # the page's history keeps its own files


@pytest.mark.parametrize(
    ("data", "leaks"),
    [
        (jpeg_with_exif(800, 600), (b"Exif", b"GPS", b"xmpmeta")),
        (png_with_metadata(), (b"eXIf", b"GPS", b"xmpmeta")),
        (webp_with_metadata(800, 600), (b"EXIF", b"GPS", b"xmpmeta")),
        (gif(8, 8, comment=b"shot at 48.8584 N"), (b"48.8584",)),
    ],
)
async def test_uploads_are_stored_and_published_without_their_metadata(
    owner: Owner, stack: Stack, data: bytes, leaks: tuple[bytes, ...]
) -> None:
    """Issue 23, L4: photos uploaded through the API were published with their EXIF GPS position."""
    site = await owner.new_site()
    reply = await owner.upload(site["id"], data)
    assert reply.status == 201, reply.body
    stored = await owner.call("GET", f"/api/v1/sites/{site['id']}/assets/{reply.json()['sha256']}")
    assert stored.status == 200
    for leak in leaks:
        assert leak not in stored.body, leak
    assert dimensions(stored.body, reply.json()["content_type"]) == dimensions(data, reply.json()["content_type"])
    assert reply.json()["size"] == len(stored.body) < len(data)


def test_colour_profiles_and_gif_looping_are_kept() -> None:
    icc = b"\xff\xe2" + struct.pack(">H", 2 + 14 + 4) + b"ICC_PROFILE\x00\x01\x01" + b"prof"
    plain = jpeg(10, 10)
    with_icc = plain[:20] + icc + plain[20:]
    assert imagemeta.strip(with_icc, "image/jpeg") == with_icc
    looping = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    animated = gif(4, 4)
    animated = animated[:19] + looping + animated[19:]
    assert imagemeta.strip(animated, "image/gif") == animated
    assert imagemeta.strip(gif(4, 4, comment=b"hello"), "image/gif") == gif(4, 4)


async def test_a_variant_wider_than_its_original_is_refused(owner: Owner) -> None:
    site = await owner.new_site()
    original = (await owner.upload(site["id"], jpeg(800, 600))).json()
    reply = await owner.upload(site["id"], webp(960, 720), under=f"/{original['sha256']}/variants")
    assert reply.json()["error"]["code"] == "variant_too_wide"


@pytest.mark.parametrize(
    "data",
    [
        gif(10, 10, frames=[(0, 0, 10, 10), (0, 0, 20000, 20000)]),  # the 35-byte bomb
        gif(10, 10, frames=[(5, 5, 10, 10)]),  # a frame past the screen's edge
        jpeg(2000, 1500),  # wider than the portal ever uploads
        png(width=1200, height=6000),
    ],
)
async def test_the_pixel_cap_holds_for_every_gif_frame(owner: Owner, data: bytes) -> None:
    """Issue 23, L5: a GIF's screen said 10x10 while a frame said 20000x20000, and the cap was 6000 px."""
    site = await owner.new_site()
    reply = await owner.upload(site["id"], data)
    assert reply.status in (413, 415), reply.body
    assert reply.json()["error"]["code"] in ("image_too_large", "broken_image")
    assert reply.json()["error"]["field"] == "body"


async def test_what_the_portal_uploads_still_fits(owner: Owner) -> None:
    site = await owner.new_site()
    for data in (jpeg(1600, 2400), webp(1600, 900), gif(480, 270, frames=[(0, 0, 480, 270), (10, 10, 100, 100)])):
        assert (await owner.upload(site["id"], data)).status == 201


async def test_each_plan_has_a_storage_quota(owner: Owner) -> None:
    """Issue 23, L11: a Free account uploaded 40 x 0.9 MB of noise; nothing stopped it."""
    owner.plan = "free"
    site = await owner.new_site()
    statuses = [(await owner.upload(site["id"], png(seed=i, size=900_000))).status for i in range(40)]
    quota = plans.FREE.entitlements.storage_mb * 1_000_000
    sizes = [len(png(seed=i, size=900_000)) for i in range(40)]
    fits = next(n for n in range(41) if n == 40 or sum(sizes[: n + 1]) > quota)
    assert statuses == [201] * fits + [413] * (40 - fits)
    refused = await owner.upload(site["id"], png(seed=99, size=900_000))
    error = refused.json()["error"]
    assert (refused.status, error["code"], error["field"]) == (413, "storage_full", "body")
    assert "Starter" in error["message"]  # says how to get more room, in words
    assert error["required_plan"] == "starter"
    again = await owner.upload(site["id"], png(seed=0, size=900_000))  # the same bytes again: no new room needed
    assert again.status == 200
    owner.plan = "starter"
    assert (await owner.upload(site["id"], png(seed=99, size=900_000))).status == 201
