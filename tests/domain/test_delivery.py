"""Delivery from the live pointer: content types, caching headers, 304, Range, HEAD, canonical
URLs, redirects, the site's 404, security headers, and R2 reads per view."""

from __future__ import annotations

import pytest

from devstack.adapters import read_stream
from shared.http import Request
from tests.domain.conftest import HOST, NOT_FOUND, PAGES, SITE, Site, publish


async def test_pages_and_assets_with_their_types_and_cache_rules(site: Site) -> None:
    home = await site.get("/")
    assert (home.status, home.body, home.header("content-type")) == (200, PAGES["/"], "text/html; charset=utf-8")
    assert home.header("cache-control") == "public, max-age=0, must-revalidate"
    image = await site.get("/assets/" + "c" * 64 + ".png")
    assert image.header("content-type") == "image/png"
    assert image.header("cache-control") == "public, max-age=31536000, immutable"
    for response in (home, image):
        assert response.header("x-content-type-options") == "nosniff"
        assert response.header("referrer-policy") == "strict-origin-when-cross-origin"
        assert response.header("content-security-policy") == "default-src 'none'"
        assert response.header("set-cookie") == ""
        assert response.header("strict-transport-security") == ""  # not a custom domain


async def test_etag_and_if_none_match_give_304_without_reading_the_file(site: Site) -> None:
    first = await site.get("/about/")
    etag = first.header("etag")
    assert etag.startswith('"')
    assert len(etag) == 34
    site.blobs.reads.clear()
    again = await site.get("/about/", {"if-none-match": f'W/"nope", {etag}'})
    assert (again.status, again.body, again.header("etag")) == (304, b"", etag)
    assert site.blobs.reads == []


async def test_range_requests_on_assets(site: Site) -> None:
    path = "/assets/" + "c" * 64 + ".png"
    body = PAGES[path]
    part = await site.get(path, {"range": "bytes=8-15"})
    assert (part.status, part.body, part.header("content-range")) == (206, body[8:16], f"bytes 8-15/{len(body)}")
    tail = await site.get(path, {"range": "bytes=-4"})
    assert tail.body == body[-4:]
    bad = await site.get(path, {"range": "bytes=99999-"})
    assert (bad.status, bad.header("content-range")) == (416, f"bytes */{len(body)}")
    stale = await site.get(path, {"range": "bytes=0-1", "if-range": '"other"'})
    assert stale.status == 200
    assert stale.body == body


async def test_head_has_headers_and_no_body(site: Site) -> None:
    head = await site.get("/", method="HEAD")
    assert (head.status, head.body, head.header("content-type")) == (200, b"", "text/html; charset=utf-8")


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/about", "/about/"),
        ("/about/index.html", "/about/"),
        ("/index.html", "/"),
        ("/old", "/about/"),
        ("/about?x=1", "/about/?x=1"),
    ],
)
async def test_one_canonical_url_per_page(site: Site, path: str, location: str) -> None:
    response = await site.get(path)
    assert (response.status, response.header("location")) == (301, location)


async def test_unknown_paths_get_the_sites_own_404(site: Site) -> None:
    response = await site.get("/nope/")
    assert (response.status, response.body) == (404, NOT_FOUND)


async def test_unknown_host_gets_smartpages_404(site: Site) -> None:
    response = await site.get("/", host="nobody.example.net")
    assert response.status == 404
    assert b"There is no site here" in response.body
    assert site.blobs.reads == ["hosts/nobody.example.net.json"]


async def test_hsts_on_custom_domains(site: Site) -> None:
    await publish(site.blobs, SITE, "www.custom.example", PAGES, hsts=True)
    response = await site.get("/", host="www.custom.example")
    assert response.header("strict-transport-security") == "max-age=31536000"


async def test_a_redirect_host_sends_every_path_to_the_canonical_origin(site: Site) -> None:
    doc = b'{"format":1,"site":"' + SITE.encode() + b'","redirect":"https://www.example.com","hsts":true}'
    await site.blobs.put("hosts/example.com.json", doc, "application/json")
    response = await site.get("/a b/\r\nx?q=1", host="example.com")
    assert response.status == 301
    assert response.header("location") == "https://www.example.com/a%20b/%0D%0Ax?q=1"


async def test_a_temporary_redirect_host_answers_302(site: Site) -> None:
    """A custom domain cut over after a downgrade: it may serve the site again, so nothing permanent."""
    doc = b'{"format":1,"site":"' + SITE.encode() + b'","redirect":"https://bakery.example","temporary":true}'
    await site.blobs.put("hosts/www.custom.example.json", doc, "application/json")
    response = await site.get("/menu/?q=1", host="www.custom.example")
    assert (response.status, response.header("location")) == (302, "https://bakery.example/menu/?q=1")


async def test_cold_view_reads_two_objects_and_a_warm_view_none(site: Site) -> None:
    await site.get("/")
    assert site.blobs.reads == [
        f"hosts/{HOST}.json",
        f"sites/{SITE}/files/" + __import__("hashlib").sha256(PAGES["/"]).hexdigest(),
    ]
    site.blobs.reads.clear()
    for _ in range(5):
        assert (await site.get("/")).body == PAGES["/"]
    assert site.blobs.reads == []
    site.clock.advance(31)  # the pointer is re-read after its TTL; the file stays cached
    await site.get("/")
    assert site.blobs.reads == [f"hosts/{HOST}.json"]


async def test_a_preview_is_never_served_stale_but_a_live_site_is_cached(site: Site) -> None:
    preview = "preview--" + "f" * 32 + ".localhost"
    await publish(site.blobs, SITE, preview, {"/": b"draft one"})
    await publish(site.blobs, SITE, HOST, {"/": b"live one"})
    assert (await site.get("/", host=preview)).body == b"draft one"
    assert (await site.get("/", host=HOST)).body == b"live one"
    await publish(site.blobs, SITE, preview, {"/": b"draft two"})
    await publish(site.blobs, SITE, HOST, {"/": b"live two"})
    assert (await site.get("/", host=preview)).body == b"draft two"  # the owner sees what they just saved
    assert (await site.get("/", host=HOST)).body == b"live one"  # within POINTER_CACHE_SECONDS


async def test_files_stream_through_and_ranges_read_only_their_bytes(site: Site) -> None:
    path = "/assets/" + "c" * 64 + ".png"
    body = PAGES[path]
    raw = await site.app.handle(Request("GET", path, "", {"host": HOST}))
    # Handed on unread: the app's answer carries the store's stream, not bytes.
    assert raw.stream is not None
    assert raw.body == b""
    assert raw.header("content-length") == str(len(body))
    assert await read_stream(raw.stream) == body
    part = await site.app.handle(Request("GET", path, "", {"host": HOST, "range": "bytes=8-15"}))
    assert part.stream is not None
    assert part.header("content-length") == "8"
    assert await read_stream(part.stream) == body[8:16]  # R2 served the range: nothing else was read
    head = await site.app.handle(Request("HEAD", path, "", {"host": HOST}))
    assert head.stream is None
    assert head.header("content-length") == str(len(body))


async def test_a_warm_view_streams_from_the_cache_without_r2(site: Site) -> None:
    await site.get("/")
    site.blobs.reads.clear()
    warm = await site.app.handle(Request("GET", "/", "", {"host": HOST}))
    assert warm.stream is not None
    assert await read_stream(warm.stream) == PAGES["/"]
    assert site.blobs.reads == []
