"""Insights for one site: visits and views per day, top pages, referrers, countries, devices,
enquiries and the enquiry rate, over the last 7, 30 or 90 days (UTC days, today included).

Views come from Workers Analytics Engine, where the domain worker writes one data point per page
view (domain/views.py names the columns), read back through the SQL API with an account token
(Account Analytics: Read) under a deadline; enquiries come from this worker's own leads table.
Nothing here identifies a visitor: a "visit" is a view that did not come from another page of the
same site (Cloudflare Web Analytics counts visits the same way), which needs no cookie. Bots (by
their User-Agent) are left out of every figure.

`figures(...)` is the pure part (tests feed it rows); `insights(...)` does the I/O."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from customer.deps import CustomerDeps
from customer.model import Owner, Site
from shared import plans
from shared.deadline import DeadlineExceeded
from shared.errors import HttpError
from shared.http import Request
from shared.log import log
from shared.schema import Choice, Field

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
QUERY: dict[str, Field] = {"period": Choice(options=tuple(PERIODS), default="7d")}
TOP = 10  # rows in each "top" list
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,96}$")  # an index is at most 96 bytes; ids never hold quotes
_SAFE_DATASET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

# blob columns of a view (domain/views.py)
BREAKDOWNS = {"pages": ("blob2", "path"), "referrers": ("blob3", "host"), "countries": ("blob4", "country"),
              "devices": ("blob5", "device")}  # fmt: skip


@dataclass(frozen=True)
class Window:
    days: int
    first: datetime  # midnight UTC of the first day

    @classmethod
    def ending(cls, now: float, days: int) -> Window:
        today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return cls(days, today - timedelta(days=days - 1))

    @property
    def dates(self) -> list[str]:
        return [(self.first + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(self.days)]

    @property
    def since_sql(self) -> str:
        return self.first.strftime("%Y-%m-%d %H:%M:%S")


def queries(dataset: str, site_id: str, window: Window) -> dict[str, str]:
    """The SQL the product sends (devstack/analytics_standin.py answers exactly this subset)."""
    if not _SAFE_ID.match(site_id) or not _SAFE_DATASET.match(dataset):
        raise ValueError("unexpected site id or dataset name")
    where = (
        f"WHERE index1 = '{site_id}' AND blob7 = 'view' AND blob6 = '0'"
        f" AND timestamp >= toDateTime('{window.since_sql}')"
    )
    # The SQL API takes no bound parameters: every value spliced in was checked just above.
    out = {
        "days": f"SELECT formatDateTime(timestamp, '%Y-%m-%d') AS day, blob8 AS visit,"  # noqa: S608
        f" SUM(_sample_interval) AS views FROM {dataset} {where}"
        " GROUP BY day, visit ORDER BY day ASC LIMIT 1000 FORMAT JSON",
    }
    for name, (column, _) in BREAKDOWNS.items():
        extra = f" AND {column} != ''" if name == "referrers" else ""
        out[name] = (
            f"SELECT {column} AS value, SUM(_sample_interval) AS views FROM {dataset} {where}{extra}"  # noqa: S608
            f" GROUP BY value ORDER BY views DESC, value ASC LIMIT {TOP} FORMAT JSON"
        )
    return out


def _count(value: Any) -> int:
    """A sum as the SQL API returns it: UInt64 comes quoted ("12"), Float64 as a number."""
    return round(float(value))


def figures(
    window: Window,
    period: str,
    day_rows: Sequence[dict[str, Any]],
    breakdowns: Mapping[str, Sequence[dict[str, Any]]],
    lead_times: Sequence[float],
) -> dict[str, Any]:
    days: dict[str, dict[str, Any]] = {d: {"date": d, "visitors": 0, "views": 0, "enquiries": 0} for d in window.dates}
    for row in day_rows:
        day = days.get(str(row["day"]))
        if day is None:
            continue
        views = _count(row["views"])
        day["views"] += views
        if str(row["visit"]) == "1":
            day["visitors"] += views
    for stamp in lead_times:
        day = days.get(datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d"))
        if day is not None:
            day["enquiries"] += 1
    series = list(days.values())
    visitors = sum(d["visitors"] for d in series)
    enquiries = sum(d["enquiries"] for d in series)
    out: dict[str, Any] = {
        "period": period,
        "from": window.dates[0],
        "to": window.dates[-1],
        "totals": {
            "visitors": visitors,
            "views": sum(d["views"] for d in series),
            "enquiries": enquiries,
            # enquiries per visit (0 to 1; the portal shows a percentage)
            "enquiry_rate": round(enquiries / visitors, 4) if visitors else 0.0,
        },
        "days": series,
    }
    for name, (_, label) in BREAKDOWNS.items():
        out[name] = [{label: str(r["value"]), "views": _count(r["views"])} for r in breakdowns.get(name, ())]
    return out


async def _sql(deps: CustomerDeps, sql: str) -> list[dict[str, Any]]:
    s = deps.settings
    url = f"{s.cf_api_base}/accounts/{s.cf_account_id}/analytics_engine/sql"
    request = Request(
        "POST", url, headers={"authorization": f"Bearer {s.analytics_api_token}", "content-type": "text/plain"}
    )
    response = await deps.http.fetch(request.replace(body=sql.encode()))  # Timed in CustomerDeps.of
    if response.status != 200:
        log("analytics_query_failed", status=response.status, body=response.body[:300].decode(errors="replace"))
        raise HttpError(503, "insights_unavailable", "Insights cannot be read just now. Please try again shortly.")
    try:
        data = json.loads(response.body)["data"]
        if not isinstance(data, list):
            raise TypeError("data is not a list")
        return data
    except (ValueError, KeyError, TypeError) as exc:
        log("analytics_answer_unreadable", exc)
        raise HttpError(503, "insights_unavailable", "Insights cannot be read just now.") from None


async def insights(deps: CustomerDeps, owner: Owner, site: Site, query: dict[str, Any]) -> dict[str, Any]:
    plans.require(owner.plan, "insights")
    s = deps.settings
    if not (s.cf_account_id and s.analytics_api_token):
        raise HttpError(503, "insights_not_configured", "Insights are not set up on this installation.")
    period = str(query.get("period") or "7d")
    window = Window.ending(deps.clock.now(), PERIODS[period])
    sql = queries(s.analytics_dataset, site.id, window)
    names = list(sql)
    try:
        answers = await asyncio.gather(*(_sql(deps, sql[n]) for n in names))
    except DeadlineExceeded:
        raise HttpError(504, "insights_timeout", "Insights took too long to read. Please try again.") from None
    by_name = dict(zip(names, answers, strict=True))
    leads = await deps.site_db(site).all(
        "SELECT created_at FROM leads WHERE site_id = ? AND created_at >= ?", (site.id, window.first.timestamp())
    )
    result = figures(window, period, by_name.pop("days"), by_name, [float(r["created_at"]) for r in leads])
    return {"site_id": site.id, **result}
