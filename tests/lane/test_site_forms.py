"""Issue 27.1 on the lane (Pyodide, the Workers SDK, Miniflare's service bindings, D1 and R2): a
published lead form posted to the site's own host goes through the domain worker's CUSTOMER binding
to customer, and every outcome comes back on the site's own page: refused with every field kept and
the problem next to its field, over the limit with the words kept, taken with a 303 to the thank-you
on the same host, and the lead in the owner's inbox."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from tests import loopback
from tests.lane.client import subscribed, view
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane
FORM = {"name": "   ", "email": "ida@example.com", "phone": "+49 30 99", "message": "Cake for 12\n<please>"}
FORM["page"] = "/"


def post(lane: Lane, host: str, block: str, fields: dict[str, str], ip: str) -> httpx.Response:
    return loopback.post(
        f"{lane.domain}/_smartpages/forms/{block}",
        data=fields,
        headers={"host": host, "cf-connecting-ip": ip},
        timeout=60,
    )


def test_every_outcome_of_a_sites_form_comes_back_on_its_own_page(lane: Lane) -> None:
    owner = subscribed(lane, "lane-site-forms@example.com")
    site = owner.post("/api/v1/sites", {"name": "Lane Cakes"}).json()
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    saved = owner.call("PUT", page, {"blocks": [{"type": "lead_form", "heading": "Order a cake", "ask_phone": True}]})
    assert saved.status_code == 200, saved.text
    block = saved.json()["blocks"][0]["id"]
    assert owner.post(f"/api/v1/sites/{site['id']}/publish").status_code == 201
    host = str(site["default_host"])
    home = view(lane, host, want=f'action="/_smartpages/forms/{block}"'.encode())
    assert f'action="/_smartpages/forms/{block}"' in home.text

    refused = post(lane, host, block, FORM, "198.51.100.31")
    assert refused.status_code == 400
    assert refused.headers["cache-control"] == "no-store"
    assert refused.headers["content-security-policy"] == home.headers["content-security-policy"]
    assert "Order a cake" in refused.text
    assert 'value="ida@example.com"' in refused.text
    message = re.search(r'<textarea[^>]*name="message"[^>]*>([^<]*)</textarea>', refused.text)
    assert message
    assert unescape(message.group(1)) == FORM["message"]
    assert f'<span class="field-error" id="{block}-name-error">Please fill this in.</span>' in refused.text

    taken = post(lane, host, block, {**FORM, "name": "Ida"}, "198.51.100.31")
    assert taken.status_code == 303
    assert taken.headers["location"] == f"/#thanks-{block}"
    leads = owner.call("GET", f"/api/v1/sites/{site['id']}/leads").json()["leads"]
    assert [(x["name"], x["email"], x["message"]) for x in leads] == [("Ida", "ida@example.com", FORM["message"])]

    for _ in range(3):  # five posts an hour from one address: two were made above
        assert post(lane, host, block, {**FORM, "name": "Ida"}, "198.51.100.31").status_code == 303
    limited = post(lane, host, block, {**FORM, "name": "Ida"}, "198.51.100.31")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3600"
    assert "Too many messages" in limited.text
    assert "Cake for 12" in limited.text

    assert loopback.get(f"{lane.domain}/_smartpages/forms/{block}", headers={"host": host}).status_code == 405
    missing = post(lane, host, "b_0000000000000000", FORM, "198.51.100.32")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
