"""The subscriptions table: one row per account that ever started a checkout, holding what Stripe
last said about its subscription. Billing's source of truth for entitlements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared import plans
from shared.ports import Database

LIVE = ("active", "trialing", "past_due")  # a subscription that still bills (and may still grant)


@dataclass(frozen=True)
class Record:
    account_id: str
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    plan: str = "free"
    status: str = "none"
    current_period_end: float | None = None
    email: str | None = None
    past_due_since: float | None = None
    cancel_at_period_end: bool = False
    trial_end: float | None = None
    interval: str | None = None  # "month" or "year": how often the subscription's price bills

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Record:
        return cls(
            account_id=str(row["account_id"]),
            stripe_customer_id=row["stripe_customer_id"],
            stripe_subscription_id=row["stripe_subscription_id"],
            plan=str(row["plan"]),
            status=str(row["status"]),
            current_period_end=row["current_period_end"],
            email=row["email"],
            past_due_since=row["past_due_since"],
            cancel_at_period_end=bool(row["cancel_at_period_end"]),
            trial_end=row["trial_end"],
            interval=row["billing_interval"],
        )


@dataclass(frozen=True)
class StripeSubscription:
    """The fields billing keeps from a Stripe subscription object."""

    id: str
    customer: str
    status: str
    plan: str
    current_period_end: float | None
    cancel_at_period_end: bool
    trial_end: float | None
    account_id: str | None  # metadata[account_id], set at checkout
    created: int
    interval: str | None = None  # the sold price's interval ("month", "year")

    @classmethod
    def parse(cls, obj: dict[str, Any], prices: str = "") -> StripeSubscription:
        items = obj.get("items", {}).get("data", []) if isinstance(obj.get("items"), dict) else []
        plan_id = "free"
        interval: str | None = None
        ends: list[float] = []
        for item in items:
            price = item.get("price") or {}
            found = plans.price_of(str(price.get("id", "")), prices)
            if found is not None and plan_id == "free":
                plan_id, interval = found[0].id, found[1]  # an unknown price grants nothing
            # Since 2025-03-31 the period lives on each item, not on the subscription.
            if isinstance(item.get("current_period_end"), int | float):
                ends.append(float(item["current_period_end"]))
        customer = obj.get("customer")
        if isinstance(customer, dict):
            customer = customer.get("id")
        metadata = obj.get("metadata") or {}
        account = metadata.get("account_id") if isinstance(metadata, dict) else None
        trial_end = obj.get("trial_end")
        return cls(
            id=str(obj["id"]),
            customer=str(customer or ""),
            status=str(obj.get("status") or "incomplete"),
            plan=plan_id,
            current_period_end=max(ends) if ends else None,
            cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
            trial_end=float(trial_end) if isinstance(trial_end, int | float) else None,
            account_id=account if isinstance(account, str) and account else None,
            created=int(obj.get("created") or 0),
            interval=interval,
        )


_COLUMNS = (
    "account_id, stripe_customer_id, stripe_subscription_id, plan, status, current_period_end, email, "
    "past_due_since, cancel_at_period_end, trial_end, billing_interval"
)
# Every write that can create a row names its account last: a deleted account is never re-created.
_ALIVE = "WHERE NOT EXISTS (SELECT 1 FROM deleted_accounts WHERE account_id = ?) "


@dataclass
class SubscriptionStore:
    db: Database

    async def _one(self, where: str, value: str) -> Record | None:
        rows = await self.db.all(f"SELECT {_COLUMNS} FROM subscriptions WHERE {where} = ? LIMIT 1", [value])  # noqa: S608
        return Record.from_row(rows[0]) if rows else None

    async def forget(self, account_id: str, now: float) -> None:
        """The account is deleted: its row goes, and no late event may write it again."""
        await self.db.batch(
            [
                (
                    "INSERT INTO deleted_accounts (account_id, deleted_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [account_id, now],
                ),
                ("DELETE FROM subscriptions WHERE account_id = ?", [account_id]),
            ]
        )

    async def is_deleted(self, account_id: str) -> bool:
        return bool(await self.db.all("SELECT 1 FROM deleted_accounts WHERE account_id = ?", [account_id]))

    async def get(self, account_id: str) -> Record | None:
        return await self._one("account_id", account_id)

    async def row(self, account_id: str) -> dict[str, Any] | None:
        """The account's row as stored, every column (an account export)."""
        rows = await self.db.all("SELECT * FROM subscriptions WHERE account_id = ?", [account_id])
        return rows[0] if rows else None

    async def by_subscription(self, subscription_id: str) -> Record | None:
        return await self._one("stripe_subscription_id", subscription_id)

    async def by_customer(self, customer_id: str) -> Record | None:
        return await self._one("stripe_customer_id", customer_id)

    async def remember_email(self, account_id: str, email: str, now: float) -> None:
        """The address notices go to: the account's, as core vouched for it on the latest call."""
        await self.db.run(
            "INSERT INTO subscriptions (account_id, email, updated_at) SELECT ?, ?, ? "
            + _ALIVE
            + "ON CONFLICT (account_id) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at",
            [account_id, email, now, account_id],
        )

    async def link(self, account_id: str, customer_id: str, email: str | None, now: float) -> None:
        """Account ↔ Stripe customer (checkout.session.completed)."""
        await self.db.run(
            "INSERT INTO subscriptions (account_id, stripe_customer_id, email, updated_at) SELECT ?, ?, ?, ? "
            + _ALIVE
            + "ON CONFLICT (account_id) DO UPDATE SET stripe_customer_id = excluded.stripe_customer_id, "
            "email = COALESCE(subscriptions.email, excluded.email), updated_at = excluded.updated_at",
            [account_id, customer_id, email, now, account_id],
        )

    async def save(self, account_id: str, sub: StripeSubscription, past_due_since: float | None, now: float) -> None:
        """Stores what Stripe says about the account's subscription now."""
        await self.db.batch(
            [
                # A subscription id belongs to one account: free it wherever else it was recorded.
                (
                    "UPDATE subscriptions SET stripe_subscription_id = NULL "
                    "WHERE stripe_subscription_id = ? AND account_id != ?",
                    [sub.id, account_id],
                ),
                (
                    "INSERT INTO subscriptions (account_id, stripe_customer_id, stripe_subscription_id, plan, status, "
                    "current_period_end, past_due_since, cancel_at_period_end, trial_end, billing_interval, "
                    "updated_at) "
                    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? " + _ALIVE + "ON CONFLICT (account_id) DO UPDATE SET "
                    "stripe_customer_id = excluded.stripe_customer_id, "
                    "stripe_subscription_id = excluded.stripe_subscription_id, plan = excluded.plan, "
                    "status = excluded.status, current_period_end = excluded.current_period_end, "
                    "past_due_since = excluded.past_due_since, cancel_at_period_end = excluded.cancel_at_period_end, "
                    "trial_end = excluded.trial_end, billing_interval = excluded.billing_interval, "
                    "updated_at = excluded.updated_at",
                    [
                        account_id,
                        sub.customer or None,
                        sub.id,
                        sub.plan,
                        sub.status,
                        sub.current_period_end,
                        past_due_since,
                        int(sub.cancel_at_period_end),
                        sub.trial_end,
                        sub.interval,
                        now,
                        account_id,
                    ],
                ),
                # The operator report's "paying" step: the first time the subscription grants its plan.
                (
                    "UPDATE subscriptions SET first_paid_at = ? "
                    "WHERE account_id = ? AND first_paid_at IS NULL AND status IN ('active', 'trialing')",
                    [now, account_id],
                ),
            ]
        )

    async def checkout_started(self, account_id: str, now: float, session_id: str) -> None:
        """The funnel's first checkout, and the session the reconcile settles if its webhooks are lost."""
        await self.db.run(
            "UPDATE subscriptions SET checkout_at = COALESCE(checkout_at, ?), pending_checkout = ?,"
            " pending_checkout_at = ? WHERE account_id = ?",
            [now, session_id or None, now, account_id],
        )

    async def pending_checkouts(self, before: float, limit: int) -> list[tuple[str, str, float]]:
        """(account, session, started) of checkouts started before `before`, not settled, oldest first."""
        rows = await self.db.all(
            "SELECT account_id, pending_checkout, pending_checkout_at FROM subscriptions"
            " WHERE pending_checkout IS NOT NULL AND pending_checkout_at < ? ORDER BY pending_checkout_at LIMIT ?",
            [before, limit],
        )
        return [(str(r["account_id"]), str(r["pending_checkout"]), float(r["pending_checkout_at"])) for r in rows]

    async def checkout_settled(self, account_id: str, session_id: str) -> None:
        await self.db.run(
            "UPDATE subscriptions SET pending_checkout = NULL, pending_checkout_at = NULL"
            " WHERE account_id = ? AND pending_checkout = ?",
            [account_id, session_id],
        )

    async def funnel(self) -> list[dict[str, object]]:
        rows = await self.db.all(
            "SELECT account_id, plan, checkout_at, first_paid_at FROM subscriptions"
            " WHERE checkout_at IS NOT NULL OR first_paid_at IS NOT NULL"
        )
        return [dict(r) for r in rows]
