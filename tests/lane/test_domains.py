"""Custom domains end to end on the lane: a paying customer connects www.<domain> through
Cloudflare for SaaS (the stand-in over HTTP), adds the DNS records it is shown, and visitors get
the site at the custom hostname, the apex redirecting to www."""

from __future__ import annotations

import time

import pytest

from tests import loopback
from tests.lane.client import subscribed, view
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane


def test_connect_a_custom_domain_and_serve_the_site_there(lane: Lane) -> None:
    owner = subscribed(lane, "lane-domains@example.com")
    site = owner.post("/api/v1/sites", {"name": "Domain Bakery"}).json()
    assert owner.post(f"/api/v1/sites/{site['id']}/publish").status_code == 201

    added = owner.post("/api/v1/domains", {"site_id": site["id"], "hostname": "www.domain-bakery.test"})
    assert added.status_code in (200, 201), added.text
    domain = added.json()
    assert domain["status"] == "pending"
    records = {(r["type"], r["name"]) for r in domain["dns_records"]}
    assert ("CNAME", "www.domain-bakery.test") in records
    assert any(kind == "TXT" for kind, _ in records)  # ownership / certificate validation
    assert view(lane, "www.domain-bakery.test").status_code == 404  # not active yet: nobody's content

    for host in ("www.domain-bakery.test", "domain-bakery.test"):  # the customer's DNS is in place
        assert loopback.post(f"{lane.cloudflare}/_standin/activate/{host}", timeout=30).status_code == 200
    refreshed = owner.post("/api/v1/domains/www.domain-bakery.test/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["status"] == "active"

    page = view(lane, "www.domain-bakery.test", want=b"Domain Bakery")
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=")
    deadline = time.monotonic() + 10
    while (
        apex := loopback.get(f"{lane.domain}/", headers={"host": "domain-bakery.test"}, timeout=30)
    ).status_code != 301:
        assert time.monotonic() < deadline, apex.status_code
        time.sleep(0.3)
    assert apex.headers["location"].split("/")[2].split(":")[0] == "www.domain-bakery.test"


def test_with_nobody_watching_the_scheduled_check_makes_a_domain_live_and_mails_once(lane: Lane) -> None:
    """On real D1 and the queue: the records set at her registrar (the DoH stand-in), customer's
    Cron plans `domain_checks`, its step asks Cloudflare (which sees the records), the domain goes
    live and its owner gets the mail, once."""
    email = "lane-domain-cron@example.com"
    owner = subscribed(lane, email)
    site = owner.post("/api/v1/sites", {"name": "Cron Bakery"}).json()
    assert owner.post(f"/api/v1/sites/{site['id']}/publish").status_code == 201
    host = "shop.cron-bakery.test"
    added = owner.post("/api/v1/domains", {"site_id": site["id"], "hostname": f"https://{host.upper()}/"})
    assert added.status_code == 201, added.text
    for record in added.json()["dns_records"]:
        lane.set_dns(record["name"], record["type"], [record["value"]])
    assert loopback.post(f"{lane.admin}/scheduled/customer", timeout=60).status_code == 200
    deadline = time.monotonic() + 60
    while not owner.call("GET", f"/api/v1/domains/{host}").json()["live"]:
        assert time.monotonic() < deadline, "the scheduled check never made the domain live"
        time.sleep(0.5)
    assert view(lane, host, want=b"Cron Bakery").status_code == 200
    deadline = time.monotonic() + 30
    while not (mails := [m for m in owner.outbox() if m["template"] == "domain_live" and m["to"] == email]):
        assert time.monotonic() < deadline, "no domain_live mail"
        time.sleep(0.5)
    assert loopback.post(f"{lane.admin}/scheduled/customer", timeout=60).status_code == 200
    time.sleep(2)
    assert len([m for m in owner.outbox() if m["template"] == "domain_live" and m["to"] == email]) == len(mails) == 1
