"""Issue 29 on the runtime lane (real D1 under concurrent requests, R2 through Miniflare): editor
writes need If-Match, concurrent creates never exceed the plan, and a publish refuses to report a
site whose uploaded picture R2 lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests import loopback
from tests.imagefiles import png
from tests.lane.client import PortalClient, signed_in
from tests.lane.harness import Lane

pytestmark = pytest.mark.lane


def upload(lane: Lane, owner: PortalClient, sid: str, data: bytes, name: str) -> httpx.Response:
    return loopback.post(
        f"{lane.core}/api/v1/sites/{sid}/assets?name={name}",
        content=data,
        headers={"origin": lane.core, "sec-fetch-site": "same-origin", "cookie": owner.cookie},
        timeout=60,
    )


def test_an_editor_write_without_if_match_is_428_and_a_stale_one_412(lane: Lane) -> None:
    owner = signed_in(lane, "lane-ifmatch@example.com")
    site = owner.post("/api/v1/sites", {"name": "If Match Bakery"}).json()
    page = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    body = {"blocks": [{"type": "rich_text", "markdown": "blind"}]}
    blind = owner.call("PUT", page, body, if_match="")
    assert (blind.status_code, blind.json()["error"]["code"]) == (428, "precondition_required")
    etag = owner.call("GET", page).headers["etag"]
    with ThreadPoolExecutor(2) as pool:  # two tabs saving the same version at once
        tabs = list(
            pool.map(
                lambda n: owner.call(
                    "PUT", page, {"blocks": [{"type": "rich_text", "markdown": f"tab {n}"}]}, if_match=etag
                ),
                (1, 2),
            )
        )
    assert sorted(t.status_code for t in tabs) == [200, 412]


def test_twenty_concurrent_creates_never_exceed_the_plan(lane: Lane) -> None:
    owner = signed_in(lane, "lane-races@example.com")  # Free: 1 site, 3 pages a site
    with ThreadPoolExecutor(10) as pool:
        sites = list(pool.map(lambda n: owner.post("/api/v1/sites", {"name": f"Race {n}"}), range(20)))
    assert sorted(r.status_code for r in sites) == [201] + [402] * 19
    assert len(owner.call("GET", "/api/v1/sites").json()["sites"]) == 1
    sid = next(r for r in sites if r.status_code == 201).json()["id"]
    with ThreadPoolExecutor(10) as pool:
        pages = list(pool.map(lambda n: owner.post(f"/api/v1/sites/{sid}/pages", {"title": f"Page {n}"}), range(20)))
    assert sorted(r.status_code for r in pages) == [201] * 2 + [402] * 18  # the home page is the third
    assert len(owner.call("GET", f"/api/v1/sites/{sid}").json()["pages"]) == 3


def test_a_picture_lost_from_r2_refuses_the_publish_until_uploaded_again(lane: Lane) -> None:
    owner = signed_in(lane, "lane-lost-picture@example.com")
    site = owner.post("/api/v1/sites", {"name": "Lost Picture Bakery"}).json()
    sid, home = site["id"], site["pages"][0]["id"]
    photo = png(41, width=40, height=30)
    stored = upload(lane, owner, sid, photo, "shopfront.png")
    assert stored.status_code == 201, stored.text
    sha = stored.json()["sha256"]
    blocks = [{"type": "hero", "heading": "Bread", "image": sha, "image_alt": "Our shop"}]
    assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{home}", {"blocks": blocks}).status_code == 200
    key = f"sites/{sid}/files/{sha}"
    assert loopback.delete(f"{lane.admin}/r2/smartpages-sites/{key}", timeout=30).status_code == 204
    refused = owner.post(f"/api/v1/sites/{sid}/publish")
    assert refused.status_code == 409, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["missing"]) == (
        "images_missing",
        ["shopfront.png"],
    )
    (item,) = owner.call("GET", f"/api/v1/sites/{sid}/assets").json()["assets"]
    assert item["missing"] is True
    assert upload(lane, owner, sid, photo, "shopfront.png").status_code == 201
    assert owner.post(f"/api/v1/sites/{sid}/publish").status_code == 201
    assert loopback.get(f"{lane.admin}/r2/smartpages-sites/{key}", timeout=30).status_code == 200
