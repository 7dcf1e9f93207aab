"""The operator report: which channels bring sign-ups, verified accounts, checkouts and paying
customers. `GET /api/v1/operator/report?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]` with
`Authorization: Bearer <OPERATOR_TOKEN>`; 404 when the secret is unset (the route does not exist).
Accounts are counted by the day they signed up (UTC, both ends included), grouped by the
attribution kept at sign-up (shared/attribution.py): source, campaign, and the plan the link chose."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from core.gateway import Gateway
from shared import csvsafe, internal_auth
from shared.errors import Unavailable
from shared.http import Request
from shared.ports import Database
from shared.schema import Choice, Date, Field, invalid

COLUMNS = ("utm_source", "utm_campaign", "plan", "signups", "verified", "checkouts", "paying")
MAX_DAYS = 366
QUERY: dict[str, Field] = {
    "from": Date(required=True),
    "to": Date(required=True),
    "format": Choice(("json", "csv"), default="json"),
}


def rows(accounts: list[dict[str, Any]], funnel: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for account in accounts:
        seen = json.loads(str(account["attribution"] or "{}"))
        key = (seen.get("utm_source", ""), seen.get("utm_campaign", ""), seen.get("plan", ""))
        row = groups.setdefault(key, dict(zip(COLUMNS, (*key, 0, 0, 0, 0), strict=True)))
        steps = funnel.get(str(account["id"]), {})
        row["signups"] += 1
        row["verified"] += account["email_verified_at"] is not None
        row["checkouts"] += steps.get("checkout_at") is not None
        row["paying"] += steps.get("first_paid_at") is not None
    return sorted(groups.values(), key=lambda r: (-r["paying"], -r["signups"], r["utm_source"], r["utm_campaign"]))


def period(start_day: str, end_day: str) -> tuple[datetime, datetime]:
    """The report's first and last day (UTC, both included), at most MAX_DAYS apart."""
    start, end = (datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) for day in (start_day, end_day))
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise invalid("to", f"must be on or after from, at most {MAX_DAYS} days later")
    return start, end


async def report(db: Database, gateway: Gateway, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One row per (source, campaign, plan) of the accounts that signed up from `start` to `end`."""
    accounts = await db.all(
        "SELECT id, attribution, email_verified_at FROM accounts WHERE created_at >= ? AND created_at < ?",
        (start.timestamp(), (end + timedelta(days=1)).timestamp()),
    )
    answer = await gateway.call("billing", Request("GET", "/internal/funnel"), internal_auth.Identity())
    if answer.status != 200:
        raise Unavailable("billing_unavailable", "Billing did not answer; try again in a minute.")
    funnel = {str(a["account_id"]): a for a in answer.json()["accounts"]}
    return rows(accounts, funnel)


def as_csv(table: list[dict[str, Any]]) -> bytes:
    return csvsafe.write(COLUMNS, [[row[c] for c in COLUMNS] for row in table]).encode()  # quoted, no formulas
