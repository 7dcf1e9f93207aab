"""Billing-portal sessions: where a customer cancels, or (on the stand-in) fails a payment."""

from __future__ import annotations

import html
from typing import Any

from devstack.stripe.common import _id, _page, bad_param, missing, shape
from devstack.stripe.state import StandinState


class BillingPortal(StandinState):
    """`/v1/billing_portal/sessions`, and the hosted portal page.
    Mixed into StripeStandin (standin.py), which holds the state."""

    def _create_portal(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = params.get("customer")
        if not customer:
            raise bad_param("Missing required param: customer.", "customer", "parameter_missing")
        if customer not in self.customers:
            raise missing("customer", customer, "customer")
        portal_id = _id("bps")
        portal = shape(
            "billing_portal.session",
            id=portal_id,
            customer=customer,
            return_url=params.get("return_url"),
            created=int(self.now()),
            livemode=False,
            flow=None,
            configuration="bpc_standin",
            url=f"{self.public_base}/portal/{portal_id}",
        )
        self.portal_sessions[portal_id] = portal
        return portal

    def _portal_page(self, portal: dict[str, Any]) -> str:
        rows = ""
        for sub in self.subscriptions.values():
            if sub["customer"] != portal["customer"]:
                continue
            buttons = "".join(
                f'<form method="post" action="/portal/{portal["id"]}/{action}/{sub["id"]}" style="display:inline">'
                f"<button>{label}</button></form> "
                for action, label in (
                    ("cancel_at_period_end", "Cancel at period end"),
                    ("cancel", "Cancel now"),
                    ("fail_payment", "Simulate a failed payment"),
                    ("recover", "Pay the open invoice"),
                )
            )
            name = html.escape(str(sub["items"]["data"][0]["price"]["nickname"]))
            ending = " (ends at period end)" if sub["cancel_at_period_end"] else ""
            rows += f"<p>{name}: <b>{sub['status']}</b>{ending} {buttons}</p>"
        back = html.escape(portal["return_url"] or "/")
        return _page(
            "Billing portal (Stripe stand-in)",
            f'{rows or "<p>No subscriptions.</p>"}<p><a href="{back}">Return</a></p>',
        )
