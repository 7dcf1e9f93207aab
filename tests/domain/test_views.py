"""One Analytics Engine data point per page view, with nothing personal in it (domain/views.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from devstack.adapters import HashlibCrypto, MemoryCache, drained
from devstack.analytics_standin import FileDataset, read_points
from domain import views
from domain.app import Ports, bootstrap, settings_from
from shared.http import Request
from shared.ports import Analytics, DataPoint
from tests.domain.conftest import HOST, SITE, Site

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
TABLET = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
ANDROID_TABLET = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/120 Safari/537.36"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.mark.parametrize(
    ("ua", "device", "bot"),
    [(PHONE, "mobile", False), (TABLET, "tablet", False), (ANDROID_TABLET, "tablet", False),
     (DESKTOP, "desktop", False), (CRAWLER, "desktop", True), ("", "desktop", True), ("curl/8.5", "desktop", True)],
)  # fmt: skip
def test_device_class_and_bot_flag_from_the_user_agent(ua: str, device: str, bot: bool) -> None:
    assert views.device_class(ua) == device
    assert views.is_bot(ua) is bot


@pytest.mark.parametrize(
    ("referer", "host"),
    [("https://www.google.com/search?q=cake+anna%40example.com", "www.google.com"),
     ("https://user:pw@News.Example.ORG:8443/a/b?x=1#f", "news.example.org"),
     (f"https://{HOST}/about/", ""), ("", ""), ("not a url", ""), ("http://[::1", "")],
)  # fmt: skip
def test_only_an_outside_referrers_host_is_kept(referer: str, host: str) -> None:
    assert views.referrer_host(referer, HOST) == host


def test_a_point_holds_no_query_no_user_agent_no_address_no_cookie() -> None:
    request = Request(
        "GET",
        "/about/",
        "email=anna%40example.com&utm_source=x",
        {
            "host": HOST,
            "user-agent": PHONE,
            "referer": "https://www.google.com/search?q=anna",
            "cookie": "session=secret-cookie",
            "cf-connecting-ip": "203.0.113.7",
            "x-forwarded-for": "203.0.113.7",
        },
        country="de",
    )
    point = views.view_point(SITE, HOST, request)
    assert point == DataPoint(SITE, (SITE, "/about/", "www.google.com", "DE", "mobile", "0", "view", "1"), (1.0,))
    text = json.dumps(dataclasses.asdict(point))
    for personal in ("anna", "203.0.113", "secret-cookie", "iPhone", "utm_source", "search"):
        assert personal not in text


def test_a_view_from_another_page_of_the_site_does_not_start_a_visit_and_unknown_country_is_xx() -> None:
    request = Request("GET", "/", "", {"host": HOST, "user-agent": DESKTOP, "referer": f"https://{HOST}/about/"})
    point = views.view_point(SITE, HOST, request)
    assert point.blobs[2:] == ("", "XX", "desktop", "0", "view", "0")


def test_a_long_path_is_clipped_within_analytics_engines_limits() -> None:
    point = views.view_point(SITE, HOST, Request("GET", "/" + "é" * 5000, "", {"host": HOST}))
    assert len(point.blobs[1].encode()) <= views.MAX_PATH
    assert sum(len(b.encode()) for b in point.blobs) <= 16 * 1024


class Written:
    def __init__(self, fail: bool = False) -> None:
        self.points: list[DataPoint] = []
        self.fail = fail

    def write(self, point: DataPoint) -> None:
        if self.fail:
            raise TypeError("Maximum of 20 blobs supported.")
        self.points.append(point)


def with_analytics(site: Site, analytics: Analytics) -> Site:
    """The same published site, served by an app with `analytics` as its dataset."""
    ports = Ports(
        blobs=site.blobs, clock=site.clock, crypto=HashlibCrypto(), cache=MemoryCache(site.clock), analytics=analytics
    )
    return Site(bootstrap(settings_from({}), ports), site.blobs, site.clock)


async def test_one_point_per_page_view_and_none_for_files_heads_ranges_redirects_and_errors(site: Site) -> None:
    written = Written()
    s = with_analytics(site, written)
    assert (await s.get("/", {"user-agent": DESKTOP})).status == 200
    assert (await s.get("/about/", {"user-agent": PHONE})).status == 200
    assert (await s.get("/assets/" + "c" * 64 + ".png")).status == 200  # a file, not a page
    assert (await s.get("/robots.txt")).status == 200
    assert (await s.get("/", method="HEAD")).status == 200
    assert (await s.get("/old")).status == 301
    assert (await s.get("/nowhere/")).status == 404
    assert (await s.get("/", {"host": "nobody.example.net"}, host="nobody.example.net")).status == 404
    assert [p.blobs[1] for p in written.points] == ["/", "/about/"]
    assert all(p.index == SITE for p in written.points)


async def test_a_refused_write_never_costs_the_visitor_the_page(site: Site) -> None:
    s = with_analytics(site, Written(fail=True))
    response = await s.get("/")
    assert response.status == 200
    assert b"Home" in response.body


async def test_the_cpython_dataset_stores_exactly_the_point(tmp_path: Path, site: Site) -> None:
    dataset = FileDataset(tmp_path, "views", site.clock.now)
    s = with_analytics(site, dataset)
    await drained(
        await s.app.handle(Request("GET", "/", "q=secret", {"host": HOST, "user-agent": PHONE}, country="FR"))
    )
    [stored] = read_points(tmp_path, "views")
    assert stored["index1"] == SITE
    assert stored["blobs"] == [SITE, "/", "", "FR", "mobile", "0", "view", "1"]
    assert stored["doubles"] == [1.0]
    assert stored["timestamp"] == int(site.clock.now() * 1000)
    with pytest.raises(TypeError, match="20 blobs"):
        dataset.write(DataPoint("x", tuple("b" * 21)))
    with pytest.raises(TypeError, match="96 bytes"):
        dataset.write(DataPoint("i" * 97))
