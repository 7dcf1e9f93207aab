"""The pointer format customer writes and domain reads, and the R2 keys both use."""

import json

import pytest

from shared import site_layout
from shared.site_layout import Entry, Live, decode, encode

SITE = "s_" + "1" * 32
SHA = "a" * 64


def full_pointer() -> Live:
    return Live(
        SITE,
        7,
        {"/": Entry(SHA, "text/html; charset=utf-8", 1234), "/assets/x.png": Entry("b" * 64, "image/png", 99)},
        Entry("c" * 64, "text/html; charset=utf-8", 321),
        {"/old/": "/new/", "/away": "https://example.com/"},
        "default-src 'none'",
        hsts=True,
        noindex=False,
        origin="https://www.example.com",
    )


@pytest.mark.parametrize(
    "live",
    [
        full_pointer(),
        Live(SITE, 0, {}, None, noindex=True, origin="https://p-abc.smartpages.site"),
        Live(SITE, hsts=True, redirect="https://www.example.com"),
        Live(SITE, redirect="http://shop.localhost:8788"),
    ],
)
def test_round_trip(live):
    assert decode(encode(live)) == live


def test_keys():
    assert site_layout.pointer_key("www.example.com") == "hosts/www.example.com.json"
    assert site_layout.file_key(SITE, SHA) == f"sites/{SITE}/files/{SHA}"
    assert site_layout.file_key(SITE, SHA).startswith(site_layout.files_prefix(SITE))


def test_customer_writes_what_domain_reads():
    from customer import publish
    from domain import hosts

    manifest = {
        "files": {"/": [SHA, "text/html", 5]},
        "not_found": ["c" * 64, "text/html", 3],
        "redirects": {},
        "csp": "default-src 'none'",
        "origin": "https://shop.smartpages.site",
    }
    live = decode(publish.pointer(SITE, 3, manifest, hsts=False))
    assert live == Live(
        SITE,
        3,
        {"/": Entry(SHA, "text/html", 5)},
        Entry("c" * 64, "text/html", 3),
        csp="default-src 'none'",
        origin="https://shop.smartpages.site",
    )
    assert hosts.Live is Live  # domain reads the same type
    assert decode(publish.redirect_pointer(SITE, "https://shop.example", True)).redirect == "https://shop.example"


def mutate(**changes):
    doc = json.loads(encode(full_pointer()))
    doc.update(changes)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "body",
    [
        mutate(format=2),
        mutate(site="../other"),
        mutate(files={"/": ["not-a-hash", "text/html", 1]}),
        mutate(files={"/": [SHA, "text/html\r\nx-evil: 1", 1]}),
        mutate(files={"/": [SHA, "text/html"]}),
        mutate(redirects={"/a": "/b\nx"}),
        mutate(csp="a\r\nb"),
        mutate(redirect="javascript:alert(1)"),
        mutate(redirect="https://ex ample.com"),
        b"[]",
    ],
)
def test_decode_refuses_what_customer_never_writes(body):
    with pytest.raises(ValueError):  # noqa: PT011 (the one error decode raises; its message is a field name)
        decode(body)
