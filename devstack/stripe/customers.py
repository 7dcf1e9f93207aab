"""Customers and their payment methods."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from devstack.stripe.common import _id, _metadata, _resources, fixtures_path, shape
from devstack.stripe.state import StandinState


class Customers(StandinState):
    """`/v1/customers`, and the card a customer pays with (`/v1/payment_methods`).
    Mixed into StripeStandin (standin.py), which holds the state."""

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.new_customer(params.get("email"), _metadata(params.get("metadata")))

    def new_customer(self, email: str | None, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        customer = shape(
            "customer",
            id=_id("cus"),
            email=email,
            created=int(self.now()),
            metadata=metadata or {},
            discount=None,
            currency="eur",
            invoice_prefix=secrets.token_hex(4).upper(),
        )
        self.customers[customer["id"]] = customer
        self._emit("customer.created", customer)
        return customer

    def _new_card(self, customer_id: str) -> str:
        """The card paid with on the hosted page (4242 4242 4242 4242)."""
        pm_id = _id("pm")
        card = copy.deepcopy(_resources(fixtures_path())["payment_method"]["card"])
        card.update(brand="visa", display_brand="visa", last4="4242", exp_month=12, exp_year=2030)
        self.payment_methods[pm_id] = shape("payment_method", id=pm_id, customer=customer_id, type="card", card=card)
        return pm_id
