"""The plans: the one definition core (paywall), customer (limits), billing (Stripe prices) and the
portal (via GET /api/v1/plans) all read.

Each paid plan is sold monthly and yearly: one Stripe price per interval. Stripe price ids differ
per Stripe account and mode; the defaults below are the local stand-in's. A deployment sets its own
with the `STRIPE_PRICES` var (`starter=price_…,pro=price_…,starter:year=price_…,pro:year=price_…`;
`starter=` is short for `starter:month=`), read by `prices`.

`Plan.limits()` says what a plan includes in sentences a shop owner understands; the portal shows
them as they are (no copy of the wording in JavaScript)."""

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
    storage_mb: int  # uploaded pictures and their variants, all sites together (issue 23, L11)
    insights: bool = False  # the Insights view (visitors, pages, referrers, enquiry rate): docs/sites.md
    seats: int = 0  # people besides the owner invited to her sites (issue 28: customer/team.py)

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
    default_price_id: str | None  # the monthly price; None: not sold (free)
    yearly_price_eur: int = 0
    default_yearly_price_id: str | None = None

    def price_eur(self, interval: str) -> int:
        return self.yearly_price_eur if interval == "year" else self.monthly_price_eur

    def limits(self) -> list[str]:
        """What the plan includes, one plain sentence per entitlement (the portal shows these)."""
        e = self.entitlements
        each = " on each website" if e.sites > 1 else ""
        return [
            "1 website" if e.sites == 1 else f"up to {e.sites} websites",
            f"up to {e.pages_per_site} pages{each}",
            "a free smartpages.site address only"
            if e.custom_domains == 0
            else "your own domain"
            if e.custom_domains == 1
            else f"up to {e.custom_domains} of your own domains",
            "contact forms that send you enquiries" if e.lead_forms else "no contact forms",
            "the SmartPages badge removed" if e.remove_badge else "a small SmartPages badge on your site",
            f"the last {e.kept_versions} published versions kept",
            f"{e.storage_mb:,} MB for your pictures".replace(",", " "),
            "Insights: your visitors, pages and enquiries" if e.insights else "no Insights",
            "just you, no team members"
            if e.seats == 0
            else "1 team member to help you edit"
            if e.seats == 1
            else f"up to {e.seats} team members to help you edit",
        ]

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "monthly_price_eur": self.monthly_price_eur,
            "yearly_price_eur": self.yearly_price_eur,
            "limits": self.limits(),
            "entitlements": asdict(self.entitlements),
        }


FREE = Plan(
    "free",
    "Free",
    0,
    Entitlements(
        sites=1,
        pages_per_site=3,
        custom_domains=0,
        remove_badge=False,
        lead_forms=False,
        kept_versions=2,
        storage_mb=20,
    ),
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
        storage_mb=200,
        insights=True,
        seats=1,
    ),
    "price_smartpages_starter",
    90,
    "price_smartpages_starter_yearly",
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
        storage_mb=1000,
        insights=True,
        seats=5,
    ),
    "price_smartpages_pro",
    290,
    "price_smartpages_pro_yearly",
)

PLANS: tuple[Plan, ...] = (FREE, STARTER, PRO)  # cheapest first
BY_ID = {plan.id: plan for plan in PLANS}
FEATURES = tuple(Entitlements.__dataclass_fields__)


def get(plan_id: str | None) -> Plan:
    """Unknown or missing plan ids fall back to Free: never grant more than was paid for."""
    return BY_ID.get(plan_id or "", FREE)


def cheapest_with(feature: str) -> Plan | None:
    return next((plan for plan in PLANS if plan.entitlements.allows(feature)), None)


INTERVALS = ("month", "year")  # Stripe's `recurring.interval` of the prices we sell


def prices(override: str = "") -> dict[tuple[str, str], str]:
    """(plan id, interval) -> Stripe price id, from the defaults and an optional override
    (`plan=price` for the monthly price, `plan:month=price`, `plan:year=price`, comma-separated)."""
    found: dict[tuple[str, str], str] = {}
    for plan in PLANS:
        if plan.default_price_id:
            found[(plan.id, "month")] = plan.default_price_id
        if plan.default_yearly_price_id:
            found[(plan.id, "year")] = plan.default_yearly_price_id
    for pair in filter(None, (p.strip() for p in override.split(","))):
        name, sep, price = pair.partition("=")
        plan_id, _, interval = name.strip().partition(":")
        key = (plan_id, interval or "month")
        if not sep or key not in found or not price.strip().startswith("price_"):
            raise ValueError(f"STRIPE_PRICES: bad entry {pair!r}")
        found[key] = price.strip()
    if len(set(found.values())) != len(found):
        raise ValueError("STRIPE_PRICES: one price named for two plans or intervals")
    return found


def price_ids(override: str = "") -> dict[str, str]:
    """plan id -> its monthly Stripe price id (the plans on sale)."""
    return {plan_id: price for (plan_id, interval), price in prices(override).items() if interval == "month"}


def price_of(price_id: str, override: str = "") -> tuple[Plan, str] | None:
    """The plan and interval a Stripe price sells, or None for a price we do not sell."""
    for (plan_id, interval), price in prices(override).items():
        if price == price_id:
            return BY_ID[plan_id], interval
    return None


def plan_for_price(price_id: str, override: str = "") -> Plan | None:
    found = price_of(price_id, override)
    return found[0] if found else None


FEATURE_LABELS = {
    "custom_domains": "custom domains",
    "lead_forms": "lead forms",
    "remove_badge": "removing the SmartPages badge",
    "sites": "more sites",
    "pages_per_site": "more pages",
    "kept_versions": "more kept versions",
    "storage_mb": "more storage for pictures",
    "insights": "Insights",
    "seats": "more team members",
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
