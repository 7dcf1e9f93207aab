"""What billing's business modules (subscribing, plan_switch, overview, account_data) are handed:
the clients and stores the composition root (billing/app.py) built from the ports."""

from __future__ import annotations

from dataclasses import dataclass

from billing.events import EventProcessor
from billing.stripe import StripeClient
from billing.subscriptions import SubscriptionStore
from shared.ports import Clock, Crypto

ENDED = frozenset({"canceled", "incomplete_expired"})


@dataclass(frozen=True)
class Billing:
    store: SubscriptionStore
    stripe: StripeClient
    processor: EventProcessor
    clock: Clock
    crypto: Crypto
    prices: dict[tuple[str, str], str]  # (plan, interval) -> Stripe price id
    portal_origin: str  # where Stripe sends the customer back
