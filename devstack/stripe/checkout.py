"""Checkout Sessions: created by billing, completed when the customer pays on the hosted page."""

from __future__ import annotations

import html
import secrets
from typing import Any

from devstack.stripe.common import _metadata, _page, bad_param, missing, shape, unset
from devstack.stripe.state import StandinState


class Checkout(StandinState):
    """`/v1/checkout/sessions`, and the hosted page where the customer pays.
    Mixed into StripeStandin (standin.py), which holds the state."""

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            raise bad_param(
                "Missing required param: mode." if mode is None else f"Invalid mode: {mode}",
                "mode",
                "parameter_missing" if mode is None else "parameter_invalid",
            )
        if not params.get("success_url") and params.get("ui_mode") not in ("embedded", "custom"):
            raise bad_param("Missing required param: success_url.", "success_url", "parameter_missing")
        if params.get("customer") and params.get("customer_email"):
            raise bad_param("You may only specify one of these parameters: customer, customer_email.", "customer")
        customer = params.get("customer")
        if customer and customer not in self.customers:
            raise missing("customer", customer, "customer")
        reference = params.get("client_reference_id")
        if reference is not None and not 1 <= len(reference) <= 200:
            raise bad_param("client_reference_id must be 1 to 200 characters.", "client_reference_id")
        items = params.get("line_items")
        if mode == "subscription" and not isinstance(items, list):
            raise bad_param("line_items is required in subscription mode.", "line_items", "parameter_missing")
        total = 0
        for i, item in enumerate(items or []):
            price_id = item.get("price") if isinstance(item, dict) else None
            if price_id not in self.prices:
                raise missing("price", str(price_id), f"line_items[{i}][price]")
            quantity = item.get("quantity", "1")
            if not str(quantity).isdigit() or int(quantity) < 1:
                raise bad_param("quantity must be a positive integer.", f"line_items[{i}][quantity]")
            total += self.prices[price_id]["unit_amount"] * int(quantity)
        session_id = "cs_test_" + secrets.token_hex(24)
        session = shape(
            "checkout.session",
            id=session_id,
            object="checkout.session",
            mode=mode,
            status="open",
            payment_status="unpaid",
            url=f"{self.public_base}/checkout/{session_id}",
            # Stripe fills in the session's id where the URL asks for it.
            success_url=(params.get("success_url") or "").replace("{CHECKOUT_SESSION_ID}", session_id) or None,
            cancel_url=params.get("cancel_url"),
            client_reference_id=reference,
            customer=customer,
            customer_email=params.get("customer_email"),
            customer_details=None,
            metadata=_metadata(params.get("metadata")),
            created=int(self.now()),
            expires_at=int(self.now()) + 24 * 3600,
            amount_subtotal=total,
            amount_total=total,
            currency="eur",
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            **unset(
                "subscription",
                "invoice",
                "payment_intent",
                "shipping_cost",
                "shipping_address_collection",
                "currency_conversion",
                "collected_information",
            ),
        )
        self.sessions[session_id] = session
        subscription_data = params.get("subscription_data") or {}
        self._session_extras[session_id] = {
            "line_items": items or [],
            "subscription_metadata": _metadata(subscription_data.get("metadata")),
            "trial_period_days": subscription_data.get("trial_period_days"),
        }
        return session

    async def complete_checkout(self, session_id: str, email: str | None = None) -> list[dict[str, Any]]:
        """The customer pays on the hosted page: customer, subscription, paid invoice, completed
        session, and their events (delivered now unless `auto_deliver` is False)."""
        session = self._get(self.sessions, "checkout.session", session_id)
        if session["status"] != "open":
            raise ValueError(f"checkout session {session_id} is {session['status']}")
        first = len(self.events)
        customer_id = session["customer"]
        if customer_id is None:
            customer_id = self.new_customer(session["customer_email"] or email or "customer@example.com")["id"]
        customer = self.customers[customer_id]
        sub = self._new_subscription(customer_id, session_id)
        self._emit("customer.subscription.created", sub)
        invoice = self._new_invoice(sub, paid=True, reason="subscription_create")
        self._emit("invoice.paid", invoice)
        session.update(
            status="complete",
            payment_status="paid" if invoice["amount_due"] else "no_payment_required",
            customer=customer_id,
            subscription=sub["id"],
            invoice=invoice["id"],
            customer_details={
                "address": None,
                "email": customer["email"],
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
        )
        self._emit("checkout.session.completed", session)
        return await self._settle_from(first)

    def _checkout_page(self, session: dict[str, Any]) -> str:
        extras = self._session_extras.get(session["id"], {"line_items": []})
        rows = ""
        for item in extras["line_items"]:
            price = self.prices[item["price"]]
            every = html.escape(str(price["recurring"]["interval"]))
            rows += (
                f"<p><b>{html.escape(str(price['nickname']))}</b>: {price['unit_amount'] / 100:.2f} EUR / {every}</p>"
            )
        if session["status"] != "open":
            back = html.escape(session["success_url"] or "/")
            body = f'<p>This checkout is {session["status"]}.</p><p><a href="{back}">Back</a></p>'
            return _page("Checkout", body)
        email = session["customer_email"] or (self.customers.get(session["customer"] or "", {}).get("email") or "")
        body = (
            f'{rows}<form method="post" action="/checkout/{session["id"]}/pay">'
            f'<label>Email <input name="email" value="{html.escape(email)}"></label>'
            "<p>Card 4242 4242 4242 4242 (the stand-in takes no card details)</p>"
            '<button type="submit">Pay</button></form>'
            f'<p><a href="{html.escape(session["cancel_url"] or "/")}">Cancel and go back</a></p>'
        )
        return _page("Checkout (Stripe stand-in)", body)
