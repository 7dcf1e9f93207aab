"""The plans: the one definition core (paywall), customer (limits), billing (Stripe prices) and the
portal (via GET /api/v1/plans) all read.

Stripe price ids differ per Stripe account and mode; the defaults below are the local stand-in's.
A deployment sets its own with the `STRIPE_PRICES` var (`starter=price_…,pro=price_…`), read by
`price_ids`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from shared.errors import HttpError


@dataclass(frozen=True)
class Entitlements:
    sites: int
    pages_per_site: int
    custom_domains: int
    remove_badge: bool
    lead_forms: bool
    kept_versions: int
    insights: bool = False  # the Insights view (visitors, pages, referrers, enquiry rate): docs/sites.md

    def allows(self, feature: str) -> bool:
        """A feature is unlocked when its entitlement is true or a positive number."""
        value = getattr(self, feature)
        return bool(value)


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    monthly_price_eur: int
    entitlements: Entitlements
    default_price_id: str | None  # None: not sold (free)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "monthly_price_eur": self.monthly_price_eur,
            "entitlements": asdict(self.entitlements),
        }


FREE = Plan(
    "free",
    "Free",
    0,
    Entitlements(sites=1, pages_per_site=3, custom_domains=0, remove_badge=False, lead_forms=False, kept_versions=2),
    None,
)
STARTER = Plan(
    "starter",
    "Starter",
    9,
    Entitlements(
        sites=1,
        pages_per_site=10,
        custom_domains=1,
        remove_badge=False,
        lead_forms=True,
        kept_versions=5,
        insights=True,
    ),
    "price_smartpages_starter",
)
PRO = Plan(
    "pro",
    "Pro",
    29,
    Entitlements(
        sites=5,
        pages_per_site=50,
        custom_domains=5,
        remove_badge=True,
        lead_forms=True,
        kept_versions=20,
        insights=True,
    ),
    "price_smartpages_pro",
)

PLANS: tuple[Plan, ...] = (FREE, STARTER, PRO)  # cheapest first
BY_ID = {plan.id: plan for plan in PLANS}
FEATURES = tuple(Entitlements.__dataclass_fields__)


def get(plan_id: str | None) -> Plan:
    """Unknown or missing plan ids fall back to Free: never grant more than was paid for."""
    return BY_ID.get(plan_id or "", FREE)


def cheapest_with(feature: str) -> Plan | None:
    return next((plan for plan in PLANS if plan.entitlements.allows(feature)), None)


def price_ids(override: str = "") -> dict[str, str]:
    """plan id -> Stripe price id, from the defaults and an optional `plan=price,…` override."""
    prices = {plan.id: plan.default_price_id for plan in PLANS if plan.default_price_id}
    for pair in filter(None, (p.strip() for p in override.split(","))):
        plan_id, sep, price = pair.partition("=")
        if not sep or plan_id not in prices or not price.startswith("price_"):
            raise ValueError(f"STRIPE_PRICES: bad entry {pair!r}")
        prices[plan_id] = price
    return prices


def plan_for_price(price_id: str, override: str = "") -> Plan | None:
    by_price = {price: plan_id for plan_id, price in price_ids(override).items()}
    return BY_ID.get(by_price.get(price_id, ""))


FEATURE_LABELS = {
    "custom_domains": "custom domains",
    "lead_forms": "lead forms",
    "remove_badge": "removing the SmartPages badge",
    "sites": "more sites",
    "pages_per_site": "more pages",
    "kept_versions": "more kept versions",
    "insights": "Insights",
}


def require(plan: Plan, feature: str) -> None:
    """402 unless `plan` unlocks `feature`; the code names the cheapest plan that does
    (`requires_starter_plan`), with `required_plan` and `feature` in the error for the portal."""
    if plan.entitlements.allows(feature):
        return
    needed = cheapest_with(feature)
    label = FEATURE_LABELS.get(feature, feature)
    if needed is None:
        raise HttpError(402, "not_available", f"No plan includes {label}.")
    raise HttpError(
        402,
        f"requires_{needed.id}_plan",
        f"Upgrade to {needed.name} to use {label}.",
        details={"required_plan": needed.id, "feature": feature},
    )


def require_room(plan: Plan, feature: str, used: int) -> None:
    """402 when `used` already reaches the plan's numeric limit for `feature` (sites, pages_per_site,
    custom_domains); the code names the cheapest plan with room for one more."""
    limit = int(getattr(plan.entitlements, feature))
    if used < limit:
        return
    label = FEATURE_LABELS.get(feature, feature)
    needed = next((p for p in PLANS if int(getattr(p.entitlements, feature)) > used), None)
    if needed is None:
        raise HttpError(
            402,
            "limit_reached",
            f"Your plan allows {limit}: no plan offers {label}.",
            details={"feature": feature, "limit": limit},
        )
    raise HttpError(
        402,
        f"requires_{needed.id}_plan",
        f"Your {plan.name} plan allows {limit}. Upgrade to {needed.name} for {label}.",
        details={"required_plan": needed.id, "feature": feature, "limit": limit},
    )
