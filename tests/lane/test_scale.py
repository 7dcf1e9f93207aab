"""Scheduled work at scale on the lane (issue 22.1, 29.3): 2,000 sites and 2,000 subscriptions
seeded straight into the lane's D1 and R2 (the admin door's `/d1/<database>` and `/r2/...`), then
each worker's Cron Trigger run once. Every invocation that follows (the Cron's own and each queue
batch it fans out to) must stay inside the per-invocation limits the lane meters (any breach fails),
stale pending domains are released, orphaned files are collected and referenced ones kept, and
billing's downgrade notices and day-14 cut-over still happen.

On the code before the fan-out the customer Cron died at ~300 sites (1,001 binding operations) and
billing's at ~521 subscriptions, so both runs here ended with `outcome: exception`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.lane import harness

pytestmark = pytest.mark.lane

N = 2000
DAY = 86400
STALE_DOMAINS = 40  # pending for 15 days: released
FRESH_DOMAINS = 5  # pending for a day: kept
ORPHANS = 120  # files a killed publish left, recorded when written (orphan_files), past the grace
KEPT = 20  # candidates still referenced (an upload): never deleted
DOWNGRADED = 10  # cancelled, period over: the plan_downgraded notice
CUT_DUE = 5  # 15 days after the downgrade: the day-14 cut-over


@pytest.fixture(scope="module")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Lane]:
    with harness.running(tmp_path_factory.mktemp("scale")) as running:
        yield running


def d1(lane: harness.Lane, database: str, statements: list[tuple[str, list[Any]]]) -> list[Any]:
    reply = httpx.post(f"{lane.admin}/d1/{database}", json={"statements": statements}, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply.json()["results"]


def count(lane: harness.Lane, database: str, sql: str, params: list[Any] | None = None) -> int:
    (result,) = d1(lane, database, [(f"SELECT count(*) AS n FROM ({sql})", params or [])])  # noqa: S608
    return int(result["results"][0]["n"])


def numbers(n: int) -> str:
    return f"WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {int(n)})"


def run_cron(lane: harness.Lane, worker: str, at: float) -> dict[str, Any]:
    reply = httpx.post(f"{lane.admin}/scheduled/{worker}", params={"time": f"{at:.0f}"}, timeout=300)
    assert reply.status_code == 200, reply.text
    return reply.json()


def wait_until(check: Any, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the scheduled work did not finish in time"
        time.sleep(0.5)


def figures(lane: harness.Lane, worker: str) -> dict[str, dict[str, Any]]:
    routes = httpx.get(f"{lane.admin}/limits", timeout=30).json()["routes"]
    return {k: v for k, v in routes.items() if k.startswith(f"{worker} Default.scheduled") or k.startswith(f"{worker} Default.queue")}


def no_breach(lane: harness.Lane) -> None:
    harness.assert_no_limit_breach(lane)


def sha(i: int, kind: str) -> str:
    return f"{kind}{i:0{64 - len(kind)}x}"


def test_the_customer_cron_at_2000_sites_stays_inside_the_limits(lane: harness.Lane) -> None:
    now = time.time()
    db = "smartpages-customer"
    site = "'s' || printf('%05d', i)"
    d1(lane, db, [
        (f"{numbers(N)} INSERT INTO customers (id, account_id, created_at) SELECT 'c' || printf('%05d', i), 'a' || printf('%05d', i), ? FROM k", [now]),
        (f"{numbers(N)} INSERT INTO sites (id, customer_id, slug, name, created_at, updated_at)"
         f" SELECT {site}, 'c' || printf('%05d', i), 'scale-' || i, 'Scale ' || i, ?, ? FROM k", [now, now]),
        (f"{numbers(STALE_DOMAINS)} INSERT INTO domains (hostname, site_id, status, created_at, cf_id)"
         f" SELECT 'stale-' || i || '.example.com', {site}, 'pending', ?, 'cf-stale-' || i FROM k", [now - 15 * DAY]),
        (f"{numbers(FRESH_DOMAINS)} INSERT INTO domains (hostname, site_id, status, created_at)"
         f" SELECT 'fresh-' || i || '.example.com', {site}, 'pending', ? FROM k", [now - DAY]),
    ])  # fmt: skip
    orphans = [(f"s{i:05d}", sha(i, "dead")) for i in range(1, ORPHANS + 1)]
    kept = [(f"s{N - i:05d}", sha(i, "a55e7")) for i in range(KEPT)]
    for site_id, digest in orphans + kept:
        put = httpx.put(f"{lane.admin}/r2/smartpages-sites/sites/{site_id}/files/{digest}", content=b"x", timeout=30)
        assert put.status_code == 204
    d1(lane, db, [
        *(("INSERT INTO orphan_files (site_id, sha256, first_seen) VALUES (?, ?, ?)", [s, h, now - 7200]) for s, h in orphans + kept),
        *(("INSERT INTO assets (site_id, sha256, content_type, size, created_at) VALUES (?, ?, 'image/png', 1, ?)", [s, h, now]) for s, h in kept),
    ])  # fmt: skip

    ran = run_cron(lane, "customer", now)
    assert ran["outcome"] == "ok", "\n".join(lane.log[-30:])
    stale = "SELECT 1 FROM domains WHERE hostname LIKE 'stale-%'"
    wait_until(lambda: count(lane, db, stale) == 0 and count(lane, db, "SELECT 1 FROM orphan_files") == 0)
    assert count(lane, db, "SELECT 1 FROM domains WHERE hostname LIKE 'fresh-%'") == FRESH_DOMAINS
    for site_id, digest in orphans[:10] + orphans[-10:]:
        gone = httpx.get(f"{lane.admin}/r2/smartpages-sites/sites/{site_id}/files/{digest}", timeout=30)
        assert gone.status_code == 404
    for site_id, digest in kept:
        still = httpx.get(f"{lane.admin}/r2/smartpages-sites/sites/{site_id}/files/{digest}", timeout=30)
        assert still.status_code == 200
    no_breach(lane)
    seen = figures(lane, "customer")
    assert any("queue" in route for route in seen), seen  # the Cron planned, consumers did the work
    for route, f in seen.items():  # every invocation under half of each limit
        assert f["bindingOps"] <= 500 and f["subrequests"] <= 500, (route, f)


def test_the_billing_cron_at_2000_subscriptions_still_notifies_and_cuts_over(lane: harness.Lane) -> None:
    now = time.time()
    db = "smartpages-billing"
    paid = "INSERT INTO subscriptions (account_id, stripe_customer_id, stripe_subscription_id, plan, status, current_period_end, updated_at, email)"
    d1(lane, db, [
        (f"{numbers(N)} {paid} SELECT 'b' || printf('%05d', i), 'cus_' || i, 'sub_scale_' || i, 'pro', 'active', ?, ?, 'paid' || i || '@example.com' FROM k",
         [now + 20 * DAY, now]),
        (f"{numbers(DOWNGRADED)} UPDATE subscriptions SET status = 'canceled', current_period_end = ?"
         " WHERE account_id IN (SELECT 'b' || printf('%05d', i) FROM k)", [now - 3600]),
        (f"{numbers(CUT_DUE)} UPDATE subscriptions SET status = 'canceled', current_period_end = ?"
         " WHERE account_id IN (SELECT 'b' || printf('%05d', 100 + i) FROM k)", [now - 15 * DAY]),
        (f"{numbers(CUT_DUE)} INSERT INTO downgrades (account_id, subscription_id, plan, downgraded_at, notice_sent_at, reminder_sent_at)"
         " SELECT 'b' || printf('%05d', 100 + i), 'sub_scale_' || (100 + i), 'pro', ?, ?, ? FROM k", [now - 15 * DAY, now - 15 * DAY, now - 3 * DAY]),
    ])  # fmt: skip

    ran = run_cron(lane, "billing", now)
    assert ran["outcome"] == "ok", "\n".join(lane.log[-30:])
    notified = "SELECT 1 FROM downgrades WHERE notice_sent_at IS NOT NULL AND account_id <= 'b00010'"
    cut = "SELECT 1 FROM downgrades WHERE domains_cut_at IS NOT NULL"
    wait_until(lambda: count(lane, db, notified) == DOWNGRADED and count(lane, db, cut) == CUT_DUE)
    mails = "SELECT 1 FROM emails WHERE template = 'plan_downgraded'"
    wait_until(lambda: count(lane, "smartpages-mailer", mails) == DOWNGRADED)
    no_breach(lane)
    seen = figures(lane, "billing")
    assert any("queue" in route for route in seen), seen
    for route, f in seen.items():
        assert f["bindingOps"] <= 500 and f["subrequests"] <= 500, (route, f)
