"""Analytics without cookies on the runtime lane: 100 page views and 3 enquiries go through the real
pieces (the domain worker on Pyodide writing to the lane's Analytics Engine dataset binding, the
form through core to customer, customer reading the SQL API stand-in with its account token) and
show up in Insights with the right counts; the stored data points hold nothing personal."""

from __future__ import annotations

import json

import httpx

from tests import loopback
from tests.lane.client import subscribed, view
from tests.lane.harness import Lane

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
TABLET = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 SmartPagesLaneDesktop"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def test_a_hundred_views_and_three_enquiries_show_up_in_insights(lane: Lane) -> None:
    owner = subscribed(lane, "insights@example.com", plan="starter")
    site = owner.post("/api/v1/sites", {"name": "Counted Bakery", "slug": "counted-bakery"}).json()
    sid, home, host = site["id"], site["pages"][0]["id"], site["default_host"]
    blocks = [{"type": "rich_text", "markdown": "Bread"}, {"type": "lead_form", "heading": "Write to us"}]
    saved = owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks})
    assert saved.status_code == 200, saved.text
    about = owner.post(f"/api/v1/sites/{sid}/pages", {"title": "About", "slug": "about", "blocks": []})
    assert about.status_code == 201, about.text
    assert owner.post(f"/api/v1/sites/{sid}/publish").status_code == 201
    assert view(lane, host, "/about/", want=b"About").status_code == 200  # published (httpx's agent: a bot)
    assert loopback.get(f"{lane.admin}/drain", timeout=60).status_code == 200
    before = points(lane)

    with httpx.Client(base_url=lane.domain, verify=loopback.TLS, timeout=60) as client:
        for i in range(100):
            ua, country = [(PHONE, "DE"), (TABLET, "FR"), (DESKTOP, "NL")][i % 3]
            referer = "https://www.google.com/search?q=anna%40example.com" if i < 40 else ""
            if 40 <= i < 60:
                referer = f"http://{host}/"  # from the site's own home page: a view, not a new visit
            headers = {
                "host": host,
                "user-agent": ua,
                "cf-ipcountry": country,
                "cf-connecting-ip": f"198.51.100.{i + 1}",
                "cookie": "tracking=should-never-be-read",
                **({"referer": referer} if referer else {}),
            }
            path = "/about/" if i % 4 == 0 else "/"
            reply = client.get(f"{path}?utm_source=newsletter&email=anna%40example.com", headers=headers)
            assert reply.status_code == 200
        for _ in range(5):  # a crawler, files and a HEAD: not views
            assert client.get("/", headers={"host": host, "user-agent": CRAWLER}).status_code == 200
        assert client.head("/", headers={"host": host, "user-agent": DESKTOP}).status_code == 200
        assert client.get("/robots.txt", headers={"host": host, "user-agent": DESKTOP}).status_code == 200

    form = next(
        b for b in owner.call("GET", f"/api/v1/sites/{sid}/pages/{home}").json()["blocks"] if b["type"] == "lead_form"
    )
    for n in range(3):
        sent = loopback.post(
            f"{lane.core}/api/v1/forms/{sid}/{form['id']}",
            data={"name": f"Visitor {n}", "email": f"v{n}@example.net", "message": "Cake?", "page": "/", "website": ""},
            headers={"origin": f"http://{host}", "cf-connecting-ip": f"203.0.113.{n + 10}"},
            timeout=60,
        )
        assert sent.status_code == 303, sent.text
    assert loopback.get(f"{lane.admin}/drain", timeout=60).status_code == 200

    stored = points(lane)[len(before) :]
    assert len(stored) == 100 + 5  # every GET of a page; the crawler's are flagged
    assert sum(p["blobs"][5] == "1" for p in stored) == 5
    insight = owner.call("GET", f"/api/v1/sites/{sid}/insights?period=7d")
    assert insight.status_code == 200, insight.text
    body = insight.json()
    # 40 views from Google and 40 direct ones start a visit; 20 came from the site's own home page
    assert body["totals"] == {"visitors": 80, "views": 100, "enquiries": 3, "enquiry_rate": round(3 / 80, 4)}
    assert body["days"][-1] == {"date": body["to"], "visitors": 80, "views": 100, "enquiries": 3}
    assert {p["path"]: p["views"] for p in body["pages"]} == {"/": 75, "/about/": 25}
    assert body["referrers"] == [{"host": "www.google.com", "views": 40}]
    assert {c["country"]: c["views"] for c in body["countries"]} == {"DE": 34, "FR": 33, "NL": 33}
    assert {d["device"]: d["views"] for d in body["devices"]} == {"mobile": 34, "tablet": 33, "desktop": 33}

    # Nothing personal stored: exactly the documented fields, no address, agent, query, cookie or e-mail.
    for point in stored:
        assert set(point) == {"dataset", "timestamp", "index1", "blobs", "doubles", "_sample_interval"}
        assert point["index1"] == sid
        assert len(point["blobs"]) == 8
        assert point["doubles"] == [1]
        assert point["blobs"][1] in ("/", "/about/")
    text = json.dumps(stored)
    for personal in ("198.51.100", "203.0.113", "127.0.0.1", "Mozilla", "iPhone", "Googlebot", "anna", "example.com",
                     "utm_source", "newsletter", "tracking", "search", "v0@", "Visitor"):  # fmt: skip
        assert personal not in text, personal


def points(lane: Lane) -> list[dict]:
    dataset = lane.build.parent / "state" / "analytics" / "smartpages_views.jsonl"
    if not dataset.exists():
        return []
    return [json.loads(line) for line in dataset.read_text().splitlines() if line]
