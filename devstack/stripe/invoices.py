"""Invoices and the payments behind them."""

from __future__ import annotations

from typing import Any

from devstack.stripe.common import _check_proration, _id, _list, bad_param, interval_of, period_of, shape, unset
from devstack.stripe.state import StandinState


class Invoices(StandinState):
    """`/v1/invoices` (list, read, preview a change), and renewal payments that fail, need action or recover.
    Mixed into StripeStandin (standin.py), which holds the state."""

    def _list_invoices(self, params: dict[str, Any]) -> dict[str, Any]:
        """`GET /v1/invoices?customer=…&limit=…`, newest first, as Stripe lists them."""
        limit = params.get("limit", "10")
        if not str(limit).isdigit() or not 1 <= int(limit) <= 100:
            raise bad_param("Invalid integer: limit must be between 1 and 100", "limit")
        found = [i for i in self.invoices.values() if params.get("customer") in (None, i["customer"])]
        found.sort(key=lambda i: (i["created"], i["id"]), reverse=True)
        listed = _list(found[: int(limit)], "/v1/invoices")
        listed["has_more"] = len(found) > int(limit)
        return listed

    def _preview_invoice(self, params: dict[str, Any]) -> dict[str, Any]:
        """`POST /v1/invoices/create_preview` for a subscription change: the proration lines (unused
        time on the old price credited, the rest of the period on the new one charged, each with
        `parent.subscription_item_details.proration = true`) and the next period's charge."""
        sub_id = params.get("subscription")
        if not sub_id:
            raise bad_param("Missing required param: subscription.", "subscription", "parameter_missing")
        sub = self._get(self.subscriptions, "subscription", str(sub_id))
        if params.get("customer") not in (None, sub["customer"]):
            raise bad_param("The subscription does not belong to this customer.", "customer")
        details = params.get("subscription_details") or {}
        _check_proration(details, "subscription_details")
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        when = int(details.get("proration_date") or self.now())
        if not start <= when <= end:
            raise bad_param("proration_date must be within the current period.", "subscription_details[proration_date]")
        lines: list[dict[str, Any]] = []
        new_price = item["price"]
        new_cycle = False  # another interval: Stripe starts a new period now and invoices at once
        for target, price_id in self._item_changes(sub, details.get("items"), "subscription_details[items]"):
            old, new_price = target["price"], self.prices[price_id]
            new_cycle = new_cycle or interval_of(old) != interval_of(new_price)
            if details.get("proration_behavior", "create_prorations") != "none" and old["id"] != price_id:
                share = (end - when) / (end - start)
                changes = (
                    ((old, -1, "Unused time on"),)
                    if new_cycle
                    else ((old, -1, "Unused time on"), (new_price, 1, "Remaining time on"))
                )
                for price, sign, text in changes:
                    lines.append(
                        {
                            "object": "line_item",
                            "amount": sign * round(price["unit_amount"] * share),
                            "currency": "eur",
                            "description": f"{text} {price['nickname']}",
                            "period": {"start": when, "end": end},
                            "parent": {
                                "subscription_item_details": {"proration": True, "subscription_item": target["id"]}
                            },
                        }
                    )
        lines.append(
            {
                "object": "line_item",
                "amount": new_price["unit_amount"],
                "currency": "eur",
                "description": f"1 × {new_price['nickname']}",
                "period": {
                    "start": when if new_cycle else end,
                    "end": (when if new_cycle else end) + period_of(new_price),
                },
                "parent": {"subscription_item_details": {"proration": False, "subscription_item": item["id"]}},
            }
        )
        total = sum(line["amount"] for line in lines)
        preview = shape(
            "invoice",
            id=None,
            customer=sub["customer"],
            currency="eur",
            amount_due=max(total, 0),
            subtotal=total,
            total=total,
            period_start=when if new_cycle else start,
            period_end=when if new_cycle else end,
            next_payment_attempt=when if new_cycle else end,
            status="draft",
            parent={
                "quote_details": None,
                "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]},
                "type": "subscription_details",
            },
        )
        preview["lines"] = {"object": "list", "data": lines, "has_more": False, "url": "/v1/invoices/upcoming/lines"}
        return preview

    def _new_invoice(self, sub: dict[str, Any], *, paid: bool, reason: str) -> dict[str, Any]:
        now = int(self.now())
        customer = self.customers.get(sub["customer"], {})
        amount_due = sum(it["price"]["unit_amount"] * it["quantity"] for it in sub["items"]["data"])
        if sub["status"] == "trialing" and reason == "subscription_create":
            amount_due = 0
        invoice_id = _id("in")
        invoice = shape(
            "invoice",
            id=invoice_id,
            customer=sub["customer"],
            customer_email=customer.get("email"),
            currency="eur",
            amount_due=amount_due,
            amount_paid=amount_due if paid else 0,
            amount_remaining=0 if paid else amount_due,
            attempt_count=1,
            attempted=True,
            billing_reason=reason,
            created=now,
            status="paid" if paid else "open",
            hosted_invoice_url=f"{self.public_base}/invoices/{invoice_id}",
            parent={
                "quote_details": None,
                "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]},
                "type": "subscription_details",
            },
            period_start=sub["items"]["data"][0]["current_period_start"],
            period_end=sub["items"]["data"][0]["current_period_end"],
            next_payment_attempt=None if paid else now + 3 * 86400,
            subtotal=amount_due,
            total=amount_due,
            **unset("from_invoice", "last_finalization_error", "shipping_cost"),
            amount_overpaid=0,
        )
        invoice["lines"]["data"] = []
        self.invoices[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    async def fail_payment(self, subscription_id: str) -> list[dict[str, Any]]:
        """A renewal payment fails: an open invoice, the subscription `past_due`."""
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        previous = {"status": sub["status"]}
        sub["status"] = "past_due"
        invoice = self._new_invoice(sub, paid=False, reason="subscription_cycle")
        self._emit("invoice.payment_failed", invoice)
        self._emit("customer.subscription.updated", sub, previous)
        return await self._settle_from(first)

    async def require_action(self, subscription_id: str) -> list[dict[str, Any]]:
        """The bank asks for 3-D Secure on a renewal."""
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        invoice = self._new_invoice(sub, paid=False, reason="subscription_cycle")
        self._emit("invoice.payment_action_required", invoice)
        return await self._settle_from(first)

    async def recover(self, subscription_id: str) -> list[dict[str, Any]]:
        """The open invoice is paid after all: the subscription is `active` again."""
        sub = self._get(self.subscriptions, "subscription", subscription_id)
        first = len(self.events)
        invoice = self.invoices.get(sub.get("latest_invoice") or "")
        if invoice is not None and invoice["status"] == "open":
            invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0)
            self._emit("invoice.paid", invoice)
        previous = {"status": sub["status"]}
        sub["status"] = "active"
        self._emit("customer.subscription.updated", sub, previous)
        return await self._settle_from(first)
