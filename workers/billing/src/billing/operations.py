"""Billing's public operations (reached through core's gateway), with the request bodies its
handlers validate with and the typed commands they are parsed into; core serves them in
/api/v1/openapi.json (shared/openapi.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from billing import plan_change
from shared import attribution, plans
from shared.openapi import Operation
from shared.schema import Choice, Field, Str

_PLAN = Choice(tuple(plans.price_ids()), required=True)  # the plans on sale
_INTERVAL = Choice(plans.INTERVALS, default="month")  # billed monthly or yearly (one Stripe price each)
CHECKOUT: dict[str, Field] = {"plan": _PLAN, "interval": _INTERVAL, "attribution": attribution.Attribution()}
PLAN_SWITCH: dict[str, Field] = {
    "plan": _PLAN,
    "interval": Choice(plans.INTERVALS),  # default: the subscription's own interval
    "proration_date": plan_change.PRORATION_DATE,
}
CHECKOUT_CONFIRM: dict[str, Field] = {
    "session_id": Str(
        max_length=200,
        required=True,
        pattern=re.compile(r"^cs_[A-Za-z0-9_]+$"),
        hint="must be a Checkout Session id (cs_…)",
    )
}


@dataclass(frozen=True)
class Checkout:
    plan: str
    interval: str
    attribution: dict[str, str]


@dataclass(frozen=True)
class PlanSwitch:
    plan: str
    interval: str | None  # None: the subscription's own
    proration_date: int | None  # a preview's, so the switch charges exactly what was shown


@dataclass(frozen=True)
class ConfirmCheckout:
    session_id: str


_ANY: dict[str, Any] = {"type": "object"}
_URL = {"type": "object", "required": ["url"], "properties": {"url": {"type": ["string", "null"]}}}
_STRIPE_DOWN = 502  # Stripe did not answer or refused

API: tuple[Operation, ...] = (
    Operation(
        "GET", "/api/v1/billing/subscription", "The account's plan and subscription, and the plans", response=_ANY
    ),
    Operation(
        "POST",
        "/api/v1/billing/checkout",
        "A Stripe Checkout Session for a plan, billed monthly or yearly (`interval`): open `url`",
        body=CHECKOUT,
        response=_URL,
        errors=(409, _STRIPE_DOWN),
    ),
    Operation(
        "POST",
        "/api/v1/billing/checkout/confirm",
        "Back from checkout: ask Stripe about the session and apply what its webhook would",
        body=CHECKOUT_CONFIRM,
        response=_ANY,
        errors=(404, _STRIPE_DOWN),
    ),
    Operation(
        "GET",
        "/api/v1/billing/details",
        "The next charge, the card's brand and last digits, the last invoices",
        response=_ANY,
        errors=(_STRIPE_DOWN,),
    ),
    Operation(
        "POST",
        "/api/v1/billing/plan/preview",
        "What switching to another paid plan or billing interval costs now (its `proration_date` makes the switch"
        " charge exactly that)",
        body=PLAN_SWITCH,
        response=_ANY,
        errors=(409, _STRIPE_DOWN),
    ),
    Operation(
        "POST",
        "/api/v1/billing/plan",
        "Switch to another paid plan or billing interval now, prorated (a new interval is charged at once)",
        body=PLAN_SWITCH,
        response=_ANY,
        errors=(409, _STRIPE_DOWN),
    ),
    Operation(
        "POST",
        "/api/v1/billing/portal",
        "A Stripe billing-portal session: open `url`",
        response=_URL,
        errors=(409, _STRIPE_DOWN),
    ),
    Operation(
        "POST",
        "/api/v1/webhooks/stripe",
        "Stripe's events, signed (Stripe-Signature); forwarded as raw bytes",
        raw_body="application/json",
        response=_ANY,
        errors=(400,),
        security=("stripe_signature",),
    ),
)
