"""What the stand-in's parts (customers, checkout, billing_portal, subscriptions, invoices, events)
share: StripeStandin's state and the methods one part calls on another. Each part inherits it, so the
type checker knows `self` is the whole stand-in (StripeStandin defines all of it)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.stripe.events import Delivery, Webhook

Objects = dict[str, dict[str, Any]]


class StandinState:
    webhook_secret: str
    public_base: str
    webhook: Webhook | None
    webhook_url: str | None
    auto_deliver: bool
    events: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    deliveries: list[Delivery]
    customers: Objects
    sessions: Objects
    subscriptions: Objects
    invoices: Objects
    payment_methods: Objects
    portal_sessions: Objects
    prices: Objects
    _session_extras: Objects
    _tasks: set[asyncio.Task[None]]

    if TYPE_CHECKING:  # defined by the parts (and StripeStandin); declared here for the type checker

        def now(self) -> float: ...

        @staticmethod
        def _get(store: Objects, kind: str, object_id: str) -> dict[str, Any]: ...

        def new_customer(self, email: str | None, metadata: dict[str, str] | None = None) -> dict[str, Any]: ...

        def _new_card(self, customer_id: str) -> str: ...

        def _emit(self, type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]: ...

        async def _settle_from(self, first: int) -> list[dict[str, Any]]: ...

        def _new_invoice(self, sub: dict[str, Any], *, paid: bool, reason: str) -> dict[str, Any]: ...

        def _item_changes(self, sub: dict[str, Any], items: Any, field: str) -> list[tuple[dict[str, Any], str]]: ...

        def _new_subscription(self, customer_id: str, session_id: str) -> dict[str, Any]: ...
