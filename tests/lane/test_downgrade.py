"""The downgrade policy's timeline on the lane (docs/billing.md): a Pro site with a lead form and a
custom domain, cancelled to Free, then billing's Cron job run on demand at day 0, day 11 and day 14
(the admin door's `time` moves the job's clock), with the mails sent and what visitors get at each
step."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests import loopback
from tests.lane.client import PortalClient, subscribed, view
from tests.lane.harness import Lane
from tests.lane.test_billing import portal_action, wait_for

pytestmark = pytest.mark.lane
DAY = 86400
EMAIL = "lane-downgrade@example.com"
HOST = "www.downgrade-bakery.test"


def run_billing_job(lane: Lane, at: float) -> dict:
    reply = loopback.post(f"{lane.admin}/scheduled/billing", params={"time": f"{at:.0f}"}, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply.json()


def mails(owner: PortalClient, template: str) -> list[dict]:
    return [m for m in owner.outbox() if m["template"] == template and m["to"] == EMAIL]


def test_a_pro_site_downgraded_to_free_through_every_step_of_the_timeline(lane: Lane) -> None:
    owner = subscribed(lane, EMAIL, plan="pro")
    site = owner.post("/api/v1/sites", {"name": "Downgrade Bakery"}).json()
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    saved = owner.call("PUT", page, {"blocks": [{"type": "lead_form", "heading": "Order a cake"}]})
    assert saved.status_code == 200, saved.text
    assert owner.post(f"/api/v1/sites/{site['id']}/publish").status_code == 201
    assert owner.post("/api/v1/domains", {"site_id": site["id"], "hostname": HOST}).status_code in (200, 201)
    for host in (HOST, HOST.removeprefix("www.")):
        loopback.post(f"{lane.cloudflare}/_standin/activate/{host}", timeout=30)
    assert owner.post(f"/api/v1/domains/{HOST}/refresh").json()["status"] == "active"
    served = view(lane, HOST, want=b"Order a cake")
    assert served.status_code == 200
    site_host = owner.call("GET", f"/api/v1/sites/{site['id']}").json()["default_host"]  # <slug>.localhost

    # Day 0: the plan ends. Nothing goes offline; the owner is told what stays and until when.
    portal_action(lane, owner, "cancel")
    wait_for(lambda: owner.call("GET", "/api/v1/billing/subscription").json()["plan"] == "free")
    day0 = time.time()
    assert run_billing_job(lane, day0)["outcome"] == "ok"
    wait_for(lambda: len(mails(owner, "plan_downgraded")) == 1)
    (notice,) = mails(owner, "plan_downgraded")
    assert "keep working until" in notice["text"]
    assert mails(owner, "domains_ending") == []
    page_now = view(lane, HOST, want=b"Order a cake")
    assert (page_now.status_code, b"Order a cake" in page_now.content) == (200, True)
    canonical = loopback.get(f"{lane.domain}/", headers={"host": site_host}, timeout=30)
    assert canonical.status_code == 301  # the site's own address still leads to its primary domain
    assert urlsplit(canonical.headers["location"]).hostname == HOST
    domains = owner.call("GET", "/api/v1/domains")
    assert domains.status_code == 200  # seen, and removable, on Free
    assert HOST in domains.text

    # Day 10: nothing new. Day 11: three days' notice, once however often the job runs.
    run_billing_job(lane, day0 + 10 * DAY)
    assert mails(owner, "domains_ending") == []
    run_billing_job(lane, day0 + 11 * DAY + 3600)
    run_billing_job(lane, day0 + 11 * DAY + 7200)
    wait_for(lambda: len(mails(owner, "domains_ending")) == 1)
    assert view(lane, HOST, want=b"Order a cake").status_code == 200

    # Day 14: the custom domain forwards (302, not cached as permanent) to the site's own address,
    # which keeps serving the page and its lead form; no mail is sent twice.
    run_billing_job(lane, day0 + 14 * DAY + 3600)
    deadline = time.monotonic() + 15
    while (moved := loopback.get(f"{lane.domain}/", headers={"host": HOST}, timeout=30)).status_code != 302:
        assert time.monotonic() < deadline, (moved.status_code, moved.text[:200])
        time.sleep(0.3)
    assert urlsplit(moved.headers["location"]).hostname == site_host
    assert view(lane, site_host, want=b"Order a cake").status_code == 200
    run_billing_job(lane, day0 + 15 * DAY)
    assert len(mails(owner, "plan_downgraded")) == 1
    assert len(mails(owner, "domains_ending")) == 1
