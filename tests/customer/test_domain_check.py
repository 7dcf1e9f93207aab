"""The domains' live check (issue 28.1): what was understood, only the records her case needs, and
record by record what the world sees now (DNS over HTTPS, the stand-in) against what is needed;
her DNS provider told from the name servers; bounded, cached lookups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from customer import connect, dnscheck, registrars
from devstack.stack import Stack
from shared.http import Request, Response
from tests.conftest import FakeClock
from tests.customer.conftest import Owner
from tests.customer.test_domains import live_site

TARGET = "edge.localhost"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    dnscheck.forget()
    yield
    dnscheck.forget()


def by_name(check: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["type"], r["name"]): r for r in check["records"]}


async def refresh(owner: Owner, host: str) -> dict[str, Any]:
    return await owner.ok("POST", f"/api/v1/domains/{host}/refresh", {})  # type: ignore[no-any-return]


async def test_a_pasted_url_is_understood_and_goes_green_record_by_record(
    owner: Owner, stack: Stack, clock: FakeClock
) -> None:
    assert stack.dns is not None
    site = await live_site(owner)
    added = await owner.ok(
        "POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "https://WWW.Harbourlane-Bakery.ch/"}, 201
    )
    assert added["hostname"] == "www.harbourlane-bakery.ch"
    assert added["understood"] == (
        "We'll connect www.harbourlane-bakery.ch. Visitors who type harbourlane-bakery.ch will be sent to it."
    )
    assert (added["live"], added["status"]) == (False, "pending")
    needed = {(r["type"], r["host"], r["required"]) for r in added["dns_records"]}
    assert ("CNAME", "www", True) in needed
    assert ("CNAME", "@", False) in needed  # the apex only redirects: recommended
    assert ("TXT", "_cf-custom-hostname.www", True) in needed

    stack.dns.set("harbourlane-bakery.ch", "NS", ["ns1.infomaniak.ch", "ns2.infomaniak.ch"])
    first = await refresh(owner, "www.harbourlane-bakery.ch")
    check = first["check"]
    assert check["zone"] == "harbourlane-bakery.ch"
    assert (check["provider"]["name"], check["provider"]["detected"]) == ("Infomaniak", True)
    assert "https://www.harbourlane-bakery.ch" in check["provider"]["apex"]  # its forwarding, for the apex
    assert {r["state"] for r in check["records"]} == {"missing"}
    www = by_name(check)[("CNAME", "www.harbourlane-bakery.ch")]
    assert (www["value"], www["seen"]) == (TARGET, [])

    # She sets the records at her provider, one wrong at first.
    stack.dns.set("www.harbourlane-bakery.ch", "CNAME", ["old-host.example.net"])
    clock.advance(dnscheck.CACHE_SECONDS + 1)
    wrong = by_name((await refresh(owner, "www.harbourlane-bakery.ch"))["check"])
    assert (
        wrong[("CNAME", "www.harbourlane-bakery.ch")]["state"],
        wrong[("CNAME", "www.harbourlane-bakery.ch")]["seen"],
    ) == (
        "different",
        ["old-host.example.net"],
    )
    stack.dns.set("www.harbourlane-bakery.ch", "CNAME", [TARGET])
    for record in added["dns_records"]:
        if record["type"] == "TXT" and record["required"]:
            stack.dns.set(record["name"], "TXT", [record["value"]])
    clock.advance(dnscheck.CACHE_SECONDS + 1)
    live = await refresh(owner, "www.harbourlane-bakery.ch")
    assert live["live"] is True  # Cloudflare (the stand-in) saw the records too
    assert live["status"] == "pending"  # the apex still waits for its own record
    records = by_name(live["check"])
    assert records[("CNAME", "www.harbourlane-bakery.ch")]["state"] == "ok"
    assert records[("CNAME", "harbourlane-bakery.ch")]["state"] == "missing"
    # Proven: the www TXT records are not asked for any more.
    assert not any(r["type"] == "TXT" and r["name"].endswith("www.harbourlane-bakery.ch") for r in live["dns_records"])


async def test_a_flattened_apex_counts_when_it_shows_the_targets_addresses(
    owner: Owner, stack: Stack, clock: FakeClock
) -> None:
    assert stack.dns is not None
    site = await live_site(owner)
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "example.com"}, 201)
    stack.dns.set(TARGET, "A", ["104.16.1.1", "104.16.1.2"])
    stack.dns.set("example.com", "A", ["104.16.1.2"])  # ALIAS / CNAME flattening
    apex = by_name((await refresh(owner, "example.com"))["check"])[("CNAME", "example.com")]
    assert (apex["state"], apex["seen"]) == ("ok", ["104.16.1.2"])
    stack.dns.set("example.com", "A", ["203.0.113.9"])  # a parking page's address
    clock.advance(dnscheck.CACHE_SECONDS + 1)
    apex = by_name((await refresh(owner, "example.com"))["check"])[("CNAME", "example.com")]
    assert (apex["state"], apex["seen"]) == ("different", ["203.0.113.9"])


async def test_a_subdomain_needs_its_own_records_only(owner: Owner, stack: Stack) -> None:
    site = await live_site(owner)
    added = await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "Shop.Example.com/"}, 201)
    assert added["understood"] == "We'll connect shop.example.com. Other addresses of your domain stay as they are."
    assert {(r["type"], r["host"]) for r in added["dns_records"]} == {
        ("CNAME", "shop"),
        ("TXT", "_cf-custom-hostname.shop"),
        ("TXT", "_acme-challenge.shop"),
    }
    check = (await refresh(owner, "shop.example.com"))["check"]
    assert (check["provider"]["id"], check["provider"]["detected"]) == ("other", False)  # generic steps
    assert check["provider"]["apex"] == ""  # no word about the domain itself: not her case


async def test_lookups_are_bounded_and_cached(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    assert stack.dns is not None
    site = await live_site(owner)
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "example.com"}, 201)
    before = len(stack.dns.requests)
    await refresh(owner, "www.example.com")
    asked = len(stack.dns.requests) - before
    assert 0 < asked <= dnscheck.MAX_LOOKUPS  # NS, the target, 2 routing (+A at the apex), 4 TXT
    await refresh(owner, "www.example.com")  # a panel polling again within the cache time
    assert len(stack.dns.requests) - before == asked
    clock.advance(dnscheck.CACHE_SECONDS + 1)
    await refresh(owner, "www.example.com")
    assert len(stack.dns.requests) - before == 2 * asked


async def test_a_resolver_that_cannot_answer_says_unknown_never_missing(owner: Owner, stack: Stack) -> None:
    assert stack.dns is not None
    site = await live_site(owner)
    await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": "shop.example.com"}, 201)

    async def broken(request: Request) -> Response:
        return Response(502, [("content-type", "text/html")], b"<html>bad gateway</html>")

    stack.dns.fetch = broken  # type: ignore[method-assign]
    check = (await refresh(owner, "shop.example.com"))["check"]
    assert {r["state"] for r in check["records"]} == {"unknown"}


def test_answers_are_read_as_she_would_type_them() -> None:
    assert dnscheck.clean("TXT", '"abc" "def"') == "abcdef"  # long TXT values come split in strings
    assert dnscheck.clean("CNAME", "Edge.SmartPages.site.") == "edge.smartpages.site"
    assert dnscheck.parse("A", {"Status": 2}) is None  # SERVFAIL: cannot tell
    assert dnscheck.parse("A", {"Status": 3}) == []  # NXDOMAIN: nothing there
    assert dnscheck.parse("A", {"Status": 0, "Answer": [{"type": 1, "data": 5}]}) is None
    assert dnscheck.parse("A", "nonsense") is None


@pytest.mark.parametrize(
    ("servers", "expected"),
    [
        (["ns51.domaincontrol.com."], "godaddy"),
        (["dns1.registrar-servers.com"], "namecheap"),
        (["ns1045.ui-dns.de"], "ionos"),
        (["ns-cloud-a1.googledomains.com"], "squarespace"),
        (["lara.ns.cloudflare.com"], "cloudflare"),
        (["dns10.ovh.net"], "ovh"),
        (["ns-12-a.gandi.net"], "gandi"),
        (["ns1.dns-parking.com"], "hostinger"),
        (["ns2.wixdns.net"], "wix"),
        (["ns11.infomaniak.ch"], "infomaniak"),
        (["ns1.example-hosting.net"], None),
        (["evil-domaincontrol.com"], None),  # a suffix, not any ending
    ],
)
def test_providers_are_told_from_their_name_servers(servers: list[str], expected: str | None) -> None:
    found = registrars.detect(servers)
    assert (found.id if found else None) == expected


def test_relative_names_as_providers_want_them_typed() -> None:
    assert connect.relative("example.com", "example.com") == "@"
    assert connect.relative("_acme-challenge.www.example.com", "example.com") == "_acme-challenge.www"
    assert connect._zone_candidates("shop.example.co.uk") == ["example.co.uk", "co.uk"]
