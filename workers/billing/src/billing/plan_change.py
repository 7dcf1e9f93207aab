"""Switching between paid plans, and what the billing view shows of Stripe's objects.

The parameters Stripe's subscription update and preview invoice (`POST /v1/invoices/create_preview`,
under `subscription_details`) share: prorations go on the next invoice (`create_prorations`), and
previewing and switching with the same `proration_date` makes the charge exactly what was shown."""

from __future__ import annotations

from typing import Any

from shared.schema import Int, invalid

PRORATION_WINDOW = 3600  # a preview's proration date stays usable for an hour
_PRORATION_HINT = "must be the date of a preview from the last hour; preview again"
# The body field; whether it is within the last hour is proration_date()'s check.
PRORATION_DATE = Int(minimum=0, hint=_PRORATION_HINT)


def details(sub: dict[str, Any], price_id: str, when: int) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    return {
        "items": [{"id": item["id"], "price": price_id}],
        "proration_behavior": "create_prorations",
        "proration_date": when,
    }


def proration_date(value: Any, now: float) -> int:
    """The preview's date (within the last hour), or now."""
    if value is None:
        return int(now)
    if not isinstance(value, int) or isinstance(value, bool) or not now - PRORATION_WINDOW <= value <= now:
        raise invalid("proration_date", _PRORATION_HINT)
    return value


def summary(preview: dict[str, Any]) -> dict[str, Any]:
    lines = (preview.get("lines") or {}).get("data") or []

    def prorated(line: dict[str, Any]) -> bool:
        parent = line.get("parent") or {}
        return bool((parent.get("subscription_item_details") or {}).get("proration"))

    return {
        "currency": preview.get("currency"),
        "proration_amount": sum(int(line.get("amount", 0)) for line in lines if prorated(line)),
        "amount_due": preview.get("amount_due"),
        "next_charge_at": preview.get("next_payment_attempt") or preview.get("period_end"),
        "lines": [{"description": line.get("description"), "amount": line.get("amount")} for line in lines],
    }


def card(method: dict[str, Any]) -> dict[str, Any] | None:
    """A payment method as the billing view shows it: brand and last four digits, nothing more."""
    details = method.get("card") or {}
    if not details.get("last4"):
        return None
    return {
        "brand": details.get("display_brand") or details.get("brand"),
        "last4": details.get("last4"),
        "exp_month": details.get("exp_month"),
        "exp_year": details.get("exp_year"),
    }


def invoice(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": item.get("number"),
        "created": item.get("created"),
        "status": item.get("status"),
        "amount": item.get("amount_paid") if item.get("status") == "paid" else item.get("amount_due"),
        "currency": item.get("currency"),
        "url": item.get("hosted_invoice_url"),
    }
