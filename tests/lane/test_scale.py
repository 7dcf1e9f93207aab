"""Scheduled work at scale on the lane (issue 22.1, 29.3): 2,000 sites and 2,000 subscriptions
seeded straight into the lane's D1 and R2 (tests/lane/scale.py, through the admin door), then each
worker's Cron Trigger run once. Every invocation that follows (the Cron's own and each queue step it
fans out to) must stay under half of the per-invocation limits the lane meters (and any breach of
the limits fails), stale pending domains are released, orphaned files collected and referenced ones
kept, and billing's downgrade notices and day-14 cut-over still happen.

On the code before the fan-out both Cron runs died with `LimitExceeded: Too many API requests by
single Worker invocation` (customer at ~300 sites, billing at ~521 subscriptions)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.lane import harness
from tests.lane.scale import (
    BILLING_DB,
    CUSTOMER_DB,
    MAILER_DB,
    count,
    figures,
    r2_status,
    run_cron,
    seed_candidates,
    seed_sites,
    seed_subscriptions,
    sha,
    site_id,
    wait_until,
)

pytestmark = pytest.mark.lane

N = 2000
STALE_DOMAINS = 40  # pending for 15 days: released
FRESH_DOMAINS = 5  # pending for a day: kept
ORPHANS = 120  # files a killed publish left, recorded when written, past the grace
KEPT = 20  # candidates still referenced (an upload): never deleted
DOWNGRADED = 10  # cancelled, period over: the plan_downgraded notice
CUT_DUE = 5  # 15 days after the downgrade: the day-14 cut-over
HALF = {"bindingOps": 500, "subrequests": 25}  # half of 1,000 operations and of the Free plan's 50


@pytest.fixture(scope="module")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.Lane]:
    with harness.running(tmp_path_factory.mktemp("scale"), probe=False) as running:
        yield running


def within_half(seen: dict[str, dict[str, float]]) -> None:
    for route, figure in seen.items():
        for limit, half in HALF.items():
            assert figure[limit] <= half, (route, limit, figure)


def test_the_customer_cron_at_2000_sites_stays_inside_the_limits(lane: harness.Lane) -> None:
    now = time.time()
    seed_sites(lane, N, now, STALE_DOMAINS, FRESH_DOMAINS)
    orphans = [(site_id(i), sha(i, "dead")) for i in range(1, ORPHANS + 1)]
    kept = [(site_id(N - i), sha(i, "a55e7")) for i in range(KEPT)]
    seed_candidates(lane, now, orphans, kept)

    ran = run_cron(lane, "customer", now)
    assert ran["outcome"] == "ok", "\n".join(lane.log[-30:])
    wait_until(
        lambda: count(lane, CUSTOMER_DB, "domains WHERE hostname LIKE 'stale-%'") == 0
        and count(lane, CUSTOMER_DB, "orphan_files") == 0
    )
    assert count(lane, CUSTOMER_DB, "domains WHERE hostname LIKE 'fresh-%'") == FRESH_DOMAINS
    assert {r2_status(lane, f"sites/{s}/files/{h}") for s, h in orphans} == {404}
    assert {r2_status(lane, f"sites/{s}/files/{h}") for s, h in kept} == {200}
    # locks, orphans (140 candidates: 60 + 60 + 20), domains (40: 25 + 15), retention
    wait_until(lambda: figures(lane, "customer").get("customer Default.queue", {}).get("calls", 0) >= 7)
    harness.assert_no_limit_breach(lane)
    seen = figures(lane, "customer")
    print("customer figures", seen)  # pytest -s shows the per-invocation maxima
    assert seen["customer Default.scheduled"]["calls"] >= 1  # the lane's own */10 trigger may fire too
    within_half(seen)


def test_the_billing_cron_at_2000_subscriptions_still_notifies_and_cuts_over(lane: harness.Lane) -> None:
    now = time.time()
    seed_subscriptions(lane, N, now, DOWNGRADED, CUT_DUE)

    ran = run_cron(lane, "billing", now)
    assert ran["outcome"] == "ok", "\n".join(lane.log[-30:])

    def state() -> tuple[int, int, int]:
        notified = count(lane, BILLING_DB, "downgrades WHERE notice_sent_at IS NOT NULL")
        cut = count(lane, BILLING_DB, "downgrades WHERE domains_cut_at IS NOT NULL")
        return notified, cut, figures(lane, "billing").get("billing Default.queue", {}).get("calls", 0)

    wait_until(lambda: state()[:2] == (DOWNGRADED + CUT_DUE, CUT_DUE))
    wait_until(lambda: count(lane, MAILER_DB, "emails WHERE template = 'plan_downgraded'") == DOWNGRADED)
    # The whole walk: 3 pages of accounts (1,000, 1,000, none), 80 batches of 25, reconcile, retention.
    steps = 3 + N // 25 + 2
    wait_until(lambda: figures(lane, "billing").get("billing Default.queue", {}).get("calls", 0) >= steps, 600)
    harness.assert_no_limit_breach(lane)
    seen = figures(lane, "billing")
    print("billing figures", seen)
    assert seen["billing Default.queue"]["calls"] >= steps  # more if the lane's own hourly trigger fired
    within_half(seen)
