"""Subscriptions: made by a completed checkout, changed and cancelled through the API or the portal."""

from __future__ import annotations

import copy
from typing import Any

from devstack.stripe.common import (
    PERIOD_SECONDS,
    StripeFailure,
    _check_proration,
    _id,
    _metadata,
    bad_param,
    interval_of,
    missing,
    period_of,
    shape,
    unset,
)
from devstack.stripe.state import StandinState


class Subscriptions(StandinState):
    """`/v1/subscriptions/{id}` (read, update, cancel), and what Stripe does to them on its own.
    Mixed into StripeStandin (standin.py), which holds the state."""

    def _update_subscription(self, params: dict[str, Any], subscription_id: str) -> dict[str, Any]:
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        if sub["status"] in ("canceled", "incomplete_expired"):
            raise StripeFailure(
                400,
                "invalid_request_error",
                "A canceled subscription can only update its cancellation_details and metadata.",
            )
        previous: dict[str, Any] = {}
        if "cancel_at_period_end" in params:
            flag = params["cancel_at_period_end"] == "true"
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            sub["cancel_at_period_end"] = flag
            sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if flag else None
            sub["canceled_at"] = int(self.now()) if flag else None
        if "metadata" in params:
            previous["metadata"] = dict(sub["metadata"])
            sub["metadata"].update(_metadata(params["metadata"]))
        _check_proration(params, "")
        new_cycle, credit = False, 0
        for target, price_id in self._item_changes(sub, params.get("items"), "items"):
            previous.setdefault("items", copy.deepcopy(sub["items"]))
            new_price = self.prices[price_id]
            if interval_of(new_price) != interval_of(target["price"]):
                # As Stripe does: another interval resets the billing cycle to now and invoices at once
                # (the unused time on the old price credited).
                when = int(params.get("proration_date") or self.now())
                start, end = target["current_period_start"], target["current_period_end"]
                credit = round(target["price"]["unit_amount"] * (end - when) / max(end - start, 1))
                target.update(current_period_start=when, current_period_end=when + period_of(new_price))
                sub["billing_cycle_anchor"] = when
                new_cycle = True
            target["price"] = copy.deepcopy(new_price)
        if new_cycle:
            invoice = self._new_invoice(sub, paid=True, reason="subscription_update")
            charged = max(invoice["amount_due"] - credit, 0)
            invoice.update(amount_due=charged, amount_paid=charged, subtotal=charged, total=charged)
            self._emit("invoice.paid", invoice)
        self._emit("customer.subscription.updated", sub, previous)
        return sub

    def _item_changes(self, sub: dict[str, Any], items: Any, field: str) -> list[tuple[dict[str, Any], str]]:
        """`items[i][id]` names an item of this subscription (a price change without it would add a
        second item, which this stand-in, like our billing, does not do); `items[i][price]` exists."""
        if items is None:
            return []
        if not isinstance(items, list):
            raise bad_param("Invalid array", field)
        changes = []
        for i, item in enumerate(items):
            target = next((it for it in sub["items"]["data"] if it["id"] == item.get("id")), None)
            if target is None:
                raise bad_param(
                    f"No such subscription item: '{item.get('id')}'", f"{field}[{i}][id]", "resource_missing"
                )
            price_id = item.get("price")
            if price_id not in self.prices:
                raise missing("price", str(price_id), f"{field}[{i}][price]")
            changes.append((target, str(price_id)))
        return changes

    def _cancel(self, subscription_id: str) -> dict[str, Any]:
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        if sub["status"] == "canceled":
            raise StripeFailure(400, "invalid_request_error", "This subscription is already canceled.")
        now = int(self.now())
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at=None)
        sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": "cancellation_requested"}
        self._emit("customer.subscription.deleted", sub)
        return sub

    def _new_subscription(self, customer_id: str, session_id: str) -> dict[str, Any]:
        extras = self._session_extras[session_id]
        now = int(self.now())
        trial_days = extras.get("trial_period_days")
        trial_end = now + int(trial_days) * 86400 if trial_days else None
        first_price = self.prices[extras["line_items"][0]["price"]] if extras["line_items"] else {}
        period_end = trial_end or now + (period_of(first_price) if first_price else PERIOD_SECONDS)
        sub_id = _id("sub")
        items = [
            shape(
                "subscription_item",
                id=_id("si"),
                price=copy.deepcopy(self.prices[item["price"]]),
                quantity=int(item.get("quantity", "1")),
                subscription=sub_id,
                created=now,
                current_period_start=now,
                current_period_end=period_end,
                **unset("plan", "billing_thresholds"),
            )
            for item in extras["line_items"]
        ]
        sub = shape(
            "subscription",
            id=sub_id,
            customer=customer_id,
            status="trialing" if trial_end else "active",
            items={
                "data": items,
                "has_more": False,
                "object": "list",
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            metadata=dict(extras["subscription_metadata"]),
            created=now,
            start_date=now,
            billing_cycle_anchor=period_end,
            currency="eur",
            **unset("cancel_at", "canceled_at", "ended_at"),
            cancel_at_period_end=False,
            cancellation_details={"comment": None, "feedback": None, "reason": None},
            trial_start=now if trial_end else None,
            trial_end=trial_end,
            **unset(
                "pending_update",
                "pause_collection",
                "transfer_data",
                "next_pending_invoice_item_invoice",
                "pending_invoice_item_interval",
                "billing_cycle_anchor_config",
            ),
            billing_schedules=[],
            default_payment_method=self._new_card(customer_id),
        )
        self.subscriptions[sub_id] = sub
        return sub

    async def cancel(self, subscription_id: str, *, at_period_end: bool = False) -> list[dict[str, Any]]:
        first = len(self.events)
        if at_period_end:
            self._update_subscription({"cancel_at_period_end": "true"}, subscription_id)
        else:
            self._cancel(subscription_id)
        return await self._settle_from(first)

    async def trial_will_end(self, subscription_id: str) -> list[dict[str, Any]]:
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        self._emit("customer.subscription.trial_will_end", sub)
        return await self._settle_from(first)
