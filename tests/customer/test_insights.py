"""Insights: the figures from Analytics Engine rows and leads, the SQL the product sends answered by
the SQL API stand-in, and the endpoint end to end on the CPython stack (views through the domain
worker into the dataset, enquiries through the form, read back through the SQL API)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest

from customer import insights
from customer.operations import API
from devstack.adapters import drained
from devstack.analytics_standin import AnalyticsSqlStandin, FileDataset, SqlError, read_points, run_query
from devstack.stack import Stack
from shared.http import Request
from shared.ports import DataPoint
from tests.conftest import FakeClock
from tests.customer.conftest import Owner
from tests.customer.test_forms import LEAD, form_site, submit

DAY = 86_400
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
BOT = "Mozilla/5.0 (compatible; Googlebot/2.1)"


def view(path: str, ref: str = "", country: str = "DE", device: str = "desktop", bot: str = "0", visit: str = "1"):
    return DataPoint("s_1", ("s_1", path, ref, country, device, bot, "view", visit), (1.0,))


def test_figures_count_visits_views_enquiries_and_the_rate_per_day() -> None:
    window = insights.Window.ending(1_800_000_000.0, 7)  # 2027-01-15 is the last day
    assert (window.dates[0], window.dates[-1]) == ("2027-01-09", "2027-01-15")
    rows = [
        {"day": "2027-01-14", "visit": "1", "views": "4"},  # UInt64 comes quoted
        {"day": "2027-01-14", "visit": "0", "views": "6"},
        {"day": "2027-01-15", "visit": "1", "views": 10},
        {"day": "2026-12-01", "visit": "1", "views": "99"},  # outside the window: ignored
    ]
    leads = [window.first.timestamp() + 5 * DAY + 3600, window.first.timestamp() + 6 * DAY]
    out = insights.figures(window, "7d", rows, {"pages": [{"value": "/", "views": "12"}]}, leads)
    assert out["totals"] == {"visitors": 14, "views": 20, "enquiries": 2, "enquiry_rate": round(2 / 14, 4)}
    assert [d["views"] for d in out["days"]] == [0, 0, 0, 0, 0, 10, 10]
    assert [d["enquiries"] for d in out["days"]] == [0, 0, 0, 0, 0, 1, 1]
    assert out["pages"] == [{"path": "/", "views": 12}]
    assert out["referrers"] == out["countries"] == out["devices"] == []
    empty = insights.figures(window, "7d", [], {}, [])
    assert empty["totals"]["enquiry_rate"] == 0.0


def test_the_products_queries_answered_by_the_stand_in(tmp_path: Path, clock: FakeClock) -> None:
    dataset = FileDataset(tmp_path, "smartpages_views", clock.now)
    for point in [
        view("/", "www.google.com", "DE", "mobile"),
        view("/", "www.google.com", "FR"),
        view("/about/", visit="0"),
        view("/", bot="1"),  # a crawler: left out
        DataPoint("s_2", ("s_2", "/", "", "DE", "desktop", "0", "view", "1"), (1.0,)),  # another site
    ]:
        dataset.write(point)
    clock.advance(-10 * DAY)
    dataset.write(view("/old/"))  # before the window
    clock.advance(10 * DAY)
    sql = insights.queries("smartpages_views", "s_1", insights.Window.ending(clock.now(), 7))
    days = run_query(sql["days"], tmp_path)
    assert days["meta"] == [
        {"name": "day", "type": "String"},
        {"name": "visit", "type": "String"},
        {"name": "views", "type": "UInt64"},
    ]
    assert sorted((r["visit"], r["views"]) for r in days["data"]) == [("0", "1"), ("1", "2")]
    pages = run_query(sql["pages"], tmp_path)
    assert pages["data"] == [{"value": "/", "views": "2"}, {"value": "/about/", "views": "1"}]
    assert (pages["rows"], pages["rows_before_limit_at_least"]) == (2, 2)
    assert run_query(sql["referrers"], tmp_path)["data"] == [{"value": "www.google.com", "views": "2"}]
    assert run_query(sql["devices"], tmp_path)["data"][0] == {"value": "desktop", "views": "2"}
    with pytest.raises(ValueError, match="unexpected"):
        insights.queries("smartpages_views", "s_1' OR 1=1 --", insights.Window.ending(clock.now(), 7))


@pytest.mark.parametrize(
    "sql",
    ["DROP TABLE smartpages_views", "SELECT blob1 FROM t WHERE blob1 LIKE 'x%'",
     "SELECT blob1, SUM(_sample_interval) FROM t",
     "SELECT quantileWeighted(0.5)(double1, _sample_interval) FROM t", "SELECT blob21 FROM t",
     "SELECT blob1 FROM t FORMAT CSV"],
)  # fmt: skip
def test_the_stand_in_refuses_what_it_does_not_implement(tmp_path: Path, sql: str) -> None:
    with pytest.raises(SqlError):
        run_query(sql, tmp_path)


async def test_the_stand_in_answers_cloudflares_errors(tmp_path: Path) -> None:
    api = AnalyticsSqlStandin("tok", "acc", tmp_path)
    url = "https://api.cloudflare.com/client/v4/accounts/acc/analytics_engine/sql"
    body = b"SELECT blob1 FROM smartpages_views"
    missing = await api.fetch(Request("POST", url, body=body))
    assert (missing.status, json.loads(missing.body)["errors"][0]["code"]) == (400, 9106)
    wrong = await api.fetch(Request("POST", url, headers={"authorization": "Bearer nope"}, body=body))
    assert (wrong.status, json.loads(wrong.body)["errors"][0]["code"]) == (403, 10000)
    other = url.replace("/acc/", "/someone-else/")
    assert (await api.fetch(Request("POST", other, headers={"authorization": "Bearer tok"}, body=body))).status == 403
    bad = await api.fetch(Request("POST", url, headers={"authorization": "Bearer tok"}, body=b"SELEC nothing"))
    assert bad.status == 422
    ok = await api.fetch(Request("POST", url, headers={"authorization": "Bearer tok"}, body=body))
    assert json.loads(ok.body) == {"meta": [{"name": "blob1", "type": "String"}], "data": [], "rows": 0,
                                   "rows_before_limit_at_least": 0}  # fmt: skip


async def page_view(stack: Stack, path: str, ua: str, referer: str = "", country: str = "") -> int:
    headers = {"host": "bakery-rosa.localhost", "user-agent": ua, **({"referer": referer} if referer else {})}
    request = Request("GET", path, "utm_source=mail&email=anna%40example.com", headers, country=country)
    return (await drained(await stack.domain.handle(request))).status


async def test_views_and_enquiries_show_up_in_insights(owner: Owner, stack: Stack, clock: FakeClock) -> None:
    site, block = await form_site(owner)
    for i in range(6):
        ua = PHONE if i % 2 else DESKTOP
        assert await page_view(stack, "/", ua, "https://www.google.com/search?q=bread", "NL") == 200
    assert await page_view(stack, "/", DESKTOP, "http://bakery-rosa.localhost/", "NL") == 200  # within the site
    assert await page_view(stack, "/", BOT) == 200  # a crawler
    assert (await submit(stack, site["id"], block, LEAD)).status == 303
    clock.advance(DAY)
    assert await page_view(stack, "/", DESKTOP, country="BE") == 200
    insight = await owner.ok("GET", f"/api/v1/sites/{site['id']}/insights?period=30d")
    assert insight["totals"] == {"visitors": 7, "views": 8, "enquiries": 1, "enquiry_rate": round(1 / 7, 4)}
    assert [d for d in insight["days"] if d["views"]][-2:] == [
        {"date": insight["days"][-2]["date"], "visitors": 6, "views": 7, "enquiries": 1},
        {"date": insight["to"], "visitors": 1, "views": 1, "enquiries": 0},
    ]
    assert len(insight["days"]) == 30
    # the answer is what the OpenAPI document declares (the API tier's account is on Free: 402 only)
    [operation] = [op for op in API if op.path.endswith("/insights")]
    assert operation.response is not None
    jsonschema_rs.validate(operation.response, insight)
    assert jsonschema_rs.is_valid(operation.response, insight | {"totals": {}}) is False
    assert insight["pages"] == [{"path": "/", "views": 8}]
    assert insight["referrers"] == [{"host": "www.google.com", "views": 6}]
    assert insight["countries"] == [{"country": "NL", "views": 7}, {"country": "BE", "views": 1}]
    assert insight["devices"] == [{"device": "desktop", "views": 5}, {"device": "mobile", "views": 3}]
    stored = json.dumps(read_points(stack_state(stack), "smartpages_views"))
    for personal in ("anna", "utm_source", "bread", "203.0.113", "iPhone", "Googlebot"):
        assert personal not in stored

    bad = await owner.call("GET", f"/api/v1/sites/{site['id']}/insights?period=1y")
    assert bad.status == 400
    owner.plan = "free"
    refused = await owner.call("GET", f"/api/v1/sites/{site['id']}/insights")
    assert (refused.status, refused.json()["error"]["code"]) == (402, "requires_starter_plan")


def stack_state(stack: Stack) -> Path:
    assert stack.blobs is not None
    return stack.blobs._root.parent.parent / "analytics"


async def test_a_wrong_token_is_a_503_not_a_crash(owner: Owner, stack: Stack) -> None:
    site, _ = await form_site(owner)
    settings = stack.settings["customer"]
    stack.settings["customer"] = type(settings)(**{**settings.__dict__, "analytics_api_token": "wrong"})
    stack.swap_ports("customer")
    answer = await owner.call("GET", f"/api/v1/sites/{site['id']}/insights")
    assert (answer.status, answer.json()["error"]["code"]) == (503, "insights_unavailable")
