"""The operator report: which channels bring sign-ups, verified accounts, checkouts and paying
customers. `GET /api/v1/operator/report?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv]` with
`Authorization: Bearer <OPERATOR_TOKEN>`; 404 when the secret is unset (the route does not exist).
Accounts are counted by the day they signed up (UTC, both ends included), grouped by the
attribution kept at sign-up (shared/attribution.py): source, campaign, and the plan the link chose."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from core import health
from core.gateway import Gateway
from shared import csvsafe, internal_auth
from shared.errors import HttpError
from shared.http import Request, Response, json_response
from shared.ports import Database
from shared.schema import Choice, Date, Field, invalid, read_query

COLUMNS = ("utm_source", "utm_campaign", "plan", "signups", "verified", "checkouts", "paying")
MAX_DAYS = 366
QUERY: dict[str, Field] = {
    "from": Date(required=True),
    "to": Date(required=True),
    "format": Choice(("json", "csv"), default="json"),
}


def authorize(operator_token: str, request: Request) -> None:
    if not operator_token:
        raise HttpError(404, "not_found", f"No route for {request.path}.")
    health.require_operator(request, operator_token)


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


async def report(operator_token: str, db: Database, gateway: Gateway, request: Request) -> Response:
    authorize(operator_token, request)
    query = read_query(request, QUERY)
    start, end = (datetime.strptime(query[name], "%Y-%m-%d").replace(tzinfo=UTC) for name in ("from", "to"))
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise invalid("to", f"must be on or after from, at most {MAX_DAYS} days later")
    fmt = query["format"]
    accounts = await db.all(
        "SELECT id, attribution, email_verified_at FROM accounts WHERE created_at >= ? AND created_at < ?",
        (start.timestamp(), (end + timedelta(days=1)).timestamp()),
    )
    answer = await gateway.call("billing", Request("GET", "/internal/funnel"), internal_auth.Identity())
    if answer.status != 200:
        raise HttpError(503, "billing_unavailable", "Billing did not answer; try again in a minute.")
    funnel = {str(a["account_id"]): a for a in answer.json()["accounts"]}
    table = rows(accounts, funnel)
    if fmt == "csv":
        text = csvsafe.write(COLUMNS, [[row[c] for c in COLUMNS] for row in table])  # quoted, no formulas
        name = f"smartpages-funnel-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"
        return Response(
            200,
            [("content-type", "text/csv; charset=utf-8"), ("content-disposition", f'attachment; filename="{name}"')],
            text.encode(),
        )
    return json_response({"from": f"{start:%Y-%m-%d}", "to": f"{end:%Y-%m-%d}", "rows": table})
