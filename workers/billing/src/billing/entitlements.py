"""The effective plan: what an account may use now, from its stored subscription and the clock.

- `active`, `trialing`: the subscribed plan.
- `past_due`: the subscribed plan until GRACE_SECONDS after the first failed payment, then Free.
- anything else (`canceled`, `unpaid`, `incomplete`, `incomplete_expired`, `paused`, none): Free."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from billing.subscriptions import Record
from shared import plans

GRACE_SECONDS = 7 * 24 * 3600
GRANTING = ("active", "trialing")


@dataclass(frozen=True)
class Effective:
    account_id: str
    plan: plans.Plan
    status: str
    subscribed_plan: str | None
    grace_until: float | None
    current_period_end: float | None
    cancel_at_period_end: bool
    interval: str | None = None  # how often the subscribed plan bills: "month", "year"

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "plan": self.plan.id,
            "status": self.status,
            "subscribed_plan": self.subscribed_plan,
            "grace_until": _int(self.grace_until),
            "current_period_end": _int(self.current_period_end),
            "cancel_at_period_end": self.cancel_at_period_end,
            "interval": self.interval,
            "entitlements": asdict(self.plan.entitlements),
        }


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def grace_until(record: Record) -> float | None:
    if record.status != "past_due" or record.past_due_since is None:
        return None
    return record.past_due_since + GRACE_SECONDS


def effective(account_id: str, record: Record | None, now: float) -> Effective:
    if record is None or record.stripe_subscription_id is None:
        return Effective(account_id, plans.FREE, "none", None, None, None, False)
    subscribed = plans.get(record.plan)
    until = grace_until(record)
    granted = record.status in GRANTING or (until is not None and now < until)
    return Effective(
        account_id,
        subscribed if granted else plans.FREE,
        record.status,
        subscribed.id if subscribed is not plans.FREE else None,
        until,
        record.current_period_end,
        record.cancel_at_period_end,
        record.interval if subscribed is not plans.FREE else None,
    )
