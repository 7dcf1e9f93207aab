"""Billing's scheduled jobs on JOBS (shared.jobs): the Cron only plans; the downgrade timeline fans
out in batches of accounts from a cursor, so no invocation grows with the subscriptions; Stripe's
processed events are deleted past their retention."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from billing import downgrades
from billing.app import bootstrap_consumer, bootstrap_job
from devstack.queues import MemoryQueue
from devstack.stack import Stack
from tests.conftest import FakeClock

DAY = 86400


async def seed(stack: Stack, clock: FakeClock, n: int, cancelled: int) -> None:
    db = stack.databases["billing"]
    for i in range(n):
        ended = i < cancelled
        await db.run(
            "INSERT INTO subscriptions (account_id, stripe_customer_id, stripe_subscription_id, plan, status,"
            " current_period_end, updated_at, email) VALUES (?, ?, ?, 'pro', ?, ?, ?, ?)",
            [
                f"acct_{i:04d}",
                f"cus_{i}",
                f"sub_{i}",
                "canceled" if ended else "active",
                clock.now() - 60 if ended else clock.now() + 20 * DAY,
                clock.now(),
                f"owner{i}@example.com",
            ],
        )


async def test_the_timeline_fans_out_in_batches_and_every_cancelled_account_is_notified(
    stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downgrades, "PLAN_PAGE", 20)
    monkeypatch.setattr(downgrades, "BATCH", 5)
    await seed(stack, clock, 47, cancelled=7)
    queue = MemoryQueue("smartpages-billing-jobs", clock, max_batch_size=1, max_retries=5)
    ports = dataclasses.replace(stack.ports["billing"], jobs=queue)
    settings = stack.settings["billing"]
    at = clock.now()
    assert await bootstrap_job(settings, ports)("17 * * * *", at) == {"jobs_planned": 4}
    assert sorted(m.body["job"] for m in queue.messages) == ["checkouts", "downgrades", "reconcile", "retention"]
    consumer = bootstrap_consumer(settings, ports)
    seen: list[dict[str, Any]] = []

    async def recording(name: str, deliveries: list[Any]) -> Any:
        seen.extend(d.body for d in deliveries)
        return await consumer(name, deliveries)

    while queue.messages:
        await queue.deliver(recording)
    pages = [b for b in seen if b["job"] == "downgrades"]
    batches = [b for b in seen if b["job"] == "downgrades_batch"]
    assert [p.get("after", "") for p in pages] == ["", "acct_0019", "acct_0039"]  # 20 + 20 + 7
    assert sorted(len(b["accounts"]) for b in batches) == [2] + [5] * 9
    assert {b["at"] for b in batches} == {at}  # the trigger's time travels with the fan-out
    rows = await stack.databases["billing"].all("SELECT account_id FROM downgrades WHERE notice_sent_at IS NOT NULL")
    assert sorted(r["account_id"] for r in rows) == [f"acct_{i:04d}" for i in range(7)]


async def test_processed_stripe_events_are_kept_30_days(stack: Stack, clock: FakeClock) -> None:
    db = stack.databases["billing"]
    now = clock.now()
    await db.run(
        "INSERT INTO processed_events (event_id, type, processed_at, state) VALUES"
        " ('evt_old', 't', ?, 'done'), ('evt_new', 't', ?, 'done'), ('evt_claimed', 't', ?, 'processing')",
        [now - 31 * DAY, now - 29 * DAY, now - 31 * DAY],
    )
    ran = await bootstrap_job(stack.settings["billing"], stack.ports["billing"])("17 * * * *", now)
    assert ran["retention_processed_events"] == 1
    left = await db.all("SELECT event_id FROM processed_events ORDER BY event_id")
    assert [r["event_id"] for r in left] == ["evt_claimed", "evt_new"]


async def test_one_failing_account_does_not_hold_back_its_batch(
    stack: Stack, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from billing.subscriptions import SubscriptionStore

    await seed(stack, clock, 5, cancelled=5)
    original = SubscriptionStore.get

    async def broken(self: SubscriptionStore, account_id: str) -> Any:
        if account_id == "acct_0002":
            raise RuntimeError("a row D1 cannot read")
        return await original(self, account_id)

    monkeypatch.setattr(SubscriptionStore, "get", broken)
    ran = await bootstrap_job(stack.settings["billing"], stack.ports["billing"])("17 * * * *", clock.now())
    assert (ran["downgrades_notices"], ran["downgrades_failed"]) == (4, 1)
