"""Seeding the lane's stores at scale, fast and not through sign-up (tests/lane/test_scale.py and
tools/bench/scale.py): rows go straight into D1 through the admin door's `/d1/<database>` (a
recursive CTE makes N rows in one statement), files into R2 through `/r2/<bucket>/<key>`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests import loopback
from tests.lane.harness import Lane

DAY = 86400
CUSTOMER_DB, BILLING_DB, MAILER_DB, SITES = (
    "smartpages-customer",
    "smartpages-billing",
    "smartpages-mailer",
    "smartpages-sites",
)

# Row i of N (1-based) from a recursive CTE whose bound is the first parameter.
K = "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?) "


def d1(lane: Lane, database: str, statements: list[tuple[str, list[Any]]]) -> list[Any]:
    reply = loopback.post(f"{lane.admin}/d1/{database}", json={"statements": statements}, timeout=600)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["results"])


def rows(lane: Lane, database: str, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    (result,) = d1(lane, database, [(sql, params or [])])
    return list(result["results"])


def count(lane: Lane, database: str, table_where: str, params: list[Any] | None = None) -> int:
    """`SELECT count(*) FROM <table_where>`; table_where is the test's own constant text."""
    return int(rows(lane, database, "SELECT count(*) AS n FROM " + table_where, params)[0]["n"])  # noqa: S608 (constant text)


def r2_put(lane: Lane, key: str, body: bytes = b"x") -> None:
    assert loopback.put(f"{lane.admin}/r2/{SITES}/{key}", content=body, timeout=30).status_code == 204


def r2_status(lane: Lane, key: str) -> int:
    return loopback.get(f"{lane.admin}/r2/{SITES}/{key}", timeout=30).status_code


def sha(i: int, kind: str) -> str:
    return f"{kind}{i:0{64 - len(kind)}x}"


def site_id(i: int) -> str:
    return f"s{i:06d}"


def seed_sites(lane: Lane, n: int, now: float, stale_domains: int, fresh_domains: int) -> None:
    """N customers with a site each; pending domains: `stale_domains` claimed 15 days ago (to be
    released), `fresh_domains` a day ago (kept)."""
    d1(lane, CUSTOMER_DB, [
        (K + "INSERT INTO customers (id, account_id, created_at)"  # noqa: S608 (constant text)
             " SELECT 'c' || printf('%06d', i), 'a' || printf('%06d', i), ? FROM k", [n, now]),
        # Sites as sign-up makes them now: in their own store (customer/sitestore.py), which copies
        # the rows seeded here into itself when a job first opens it.
        (K + "INSERT INTO sites (id, customer_id, slug, name, created_at, updated_at, store)"  # noqa: S608 (constant text)
             " SELECT 's' || printf('%06d', i), 'c' || printf('%06d', i), 'scale-' || i, 'Scale ' || i, ?, ?, 'site'"
             " FROM k",
         [n, now, now]),
        (K + "INSERT INTO domains (hostname, site_id, status, created_at, cf_id)"  # noqa: S608 (constant text)
             " SELECT 'stale-' || i || '.example.com', 's' || printf('%06d', i), 'pending', ?, 'cf-stale-' || i FROM k",
         [stale_domains, now - 15 * DAY]),
        (K + "INSERT INTO domains (hostname, site_id, status, created_at)"  # noqa: S608 (constant text)
             " SELECT 'fresh-' || i || '.example.com', 's' || printf('%06d', i), 'pending', ? FROM k",
         [fresh_domains, now - DAY]),
    ])  # fmt: skip


def seed_candidates(lane: Lane, now: float, orphans: list[tuple[str, str]], kept: list[tuple[str, str]]) -> None:
    """Files recorded as orphan candidates 2 h ago (past the grace): `orphans` referenced by
    nothing, `kept` referenced by an upload (an assets row)."""
    for site, digest in orphans + kept:
        r2_put(lane, f"sites/{site}/files/{digest}")
    d1(lane, CUSTOMER_DB, [
        *(("INSERT INTO orphan_files (site_id, sha256, first_seen) VALUES (?, ?, ?)", [s, h, now - 7200])
          for s, h in orphans + kept),
        # An upload row seeded into D1 for the site's store to copy at its first opening: D1 refuses
        # writes to a site marked as in its store (migration 0017), so the mark is lifted meanwhile.
        *(("UPDATE sites SET store = NULL WHERE id = ?", [s]) for s, _ in kept),
        *(("INSERT INTO assets (site_id, sha256, content_type, size, created_at) VALUES (?, ?, 'image/png', 1, ?)",
           [s, h, now]) for s, h in kept),
        *(("UPDATE sites SET store = 'site' WHERE id = ?", [s]) for s, _ in kept),
    ])  # fmt: skip


def seed_subscriptions(lane: Lane, n: int, now: float, downgraded: int, cut_due: int) -> None:
    """N paying subscriptions (accounts b000001…); the first `downgraded` cancelled an hour ago
    (the plan_downgraded notice is due), the last `cut_due` 15 days ago with their notices sent
    (the day-14 cut-over is due)."""
    d1(lane, BILLING_DB, [
        (K + "INSERT INTO subscriptions (account_id, stripe_customer_id, stripe_subscription_id, plan, status,"  # noqa: S608 (constant text)
             " current_period_end, updated_at, email) SELECT 'b' || printf('%06d', i), 'cus_' || i, 'sub_scale_' || i,"
             " 'pro', 'active', ?, ?, 'paid' || i || '@example.com' FROM k", [n, now + 20 * DAY, now]),
        (K + "UPDATE subscriptions SET status = 'canceled', current_period_end = ?"  # noqa: S608 (constant text)
             " WHERE account_id IN (SELECT 'b' || printf('%06d', i) FROM k)", [downgraded, now - 3600]),
        (K + "UPDATE subscriptions SET status = 'canceled', current_period_end = ?"  # noqa: S608 (constant text)
             " WHERE account_id IN (SELECT 'b' || printf('%06d', ? + 1 - i) FROM k)", [cut_due, now - 15 * DAY, n]),
        (K + "INSERT INTO downgrades (account_id, subscription_id, plan, downgraded_at,"  # noqa: S608 (constant text)
             " notice_sent_at, reminder_sent_at) SELECT 'b' || printf('%06d', ? + 1 - i),"
             " 'sub_scale_' || CAST(? + 1 - i AS INTEGER), 'pro', ?, ?, ? FROM k",
         [cut_due, n, n, now - 15 * DAY, now - 15 * DAY, now - 3 * DAY]),
    ])  # fmt: skip


def run_cron(lane: Lane, worker: str, at: float) -> dict[str, Any]:
    reply = loopback.post(f"{lane.admin}/scheduled/{worker}", params={"time": f"{at:.0f}"}, timeout=600)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def figures(lane: Lane, worker: str) -> dict[str, dict[str, Any]]:
    """The lane's per-invocation maxima of the worker's Cron and queue handlers."""
    routes = loopback.get(f"{lane.admin}/limits", timeout=30).json()["routes"]
    return {k: v for k, v in routes.items() if k in (f"{worker} Default.scheduled", f"{worker} Default.queue")}


def wait_until(check: Callable[[], bool], timeout: float = 300) -> float:
    """Polls `check`; returns the seconds it took."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "the scheduled work did not finish in time"
        time.sleep(0.5)
    return time.monotonic() - start
