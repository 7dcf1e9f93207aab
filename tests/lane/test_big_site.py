"""A 200-page site on the lane (its own lane, stopped once to copy pages past the Pro plan's 50 into
the site's store, as tools/bench/publish_lane.py does): it publishes through core (201, not core's 504
at its forwarding deadline), every page is served, and a one-block save's preview and republish
render that one page with the same binding operations as on a one-page site. Before, the publish
took 13.8 s of CPU, core answered 504 and nothing was recorded; each preview rendered every page."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests import loopback
from tests.lane.client import PortalClient, subscribed, view
from tests.lane.harness import Lane, assert_no_limit_breach, running
from tools.bench.lighthouse import site_blocks
from tools.bench.publish_lane import copy_pages, photo, upload

pytestmark = pytest.mark.lane
PAGES = 200


def build(owner: PortalClient, name: str, pages: int) -> tuple[str, str, list[str]]:
    """A site of `pages` pages (at most 50: the plan's) of 11 blocks: (id, host, page ids)."""
    site = owner.post("/api/v1/sites", {"name": name}).json()
    sid = site["id"]
    shas = [upload(owner, sid, photo(i, 20_000)).json()["sha256"] for i in range(6)]
    blocks = site_blocks(shas)
    ids = [site["pages"][0]["id"]]
    assert owner.call("PUT", f"/api/v1/sites/{sid}/pages/{ids[0]}", {"blocks": blocks}).status_code == 200
    for n in range(1, pages):
        made = owner.post(f"/api/v1/sites/{sid}/pages", {"title": f"Page {n}", "blocks": blocks})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    return sid, site["default_host"], ids


def customer_figures(lane: Lane, route: str) -> dict[str, Any]:
    routes = loopback.get(f"{lane.admin}/limits", timeout=60).json()["routes"]
    return dict(routes[f"customer POST /api/v1/sites/:id/{route}"]["last"])


def one_block_save(lane: Lane, owner: PortalClient, sid: str, page: str) -> dict[str, Any]:
    """The editor's loop on a published and previewed site: one block saved, then the preview, then
    a publish: what each rendered, wrote and cost in binding operations."""
    base = f"/api/v1/sites/{sid}"
    blocks = owner.call("GET", f"{base}/pages/{page}").json()["blocks"]
    blocks[1] = {**blocks[1], "markdown": blocks[1]["markdown"] + "\n\nOpen on Sundays too."}
    assert owner.call("PUT", f"{base}/pages/{page}", {"blocks": blocks}).status_code == 200
    cost = {}
    for step, status in (("preview", 200), ("publish", 201)):
        answer = owner.post(f"{base}/{step}")
        assert answer.status_code == status, answer.text
        ops = customer_figures(lane, step)["bindingOps"]
        cost[step] = (answer.json()["pages_rendered"], answer.json()["files_written"], ops)
    return cost


def test_a_200_page_site_publishes_and_a_one_block_save_renders_one_page(tmp_path: Path) -> None:
    with running(tmp_path, probe=False) as lane:
        owner = subscribed(lane, "big-site@example.com", plan="pro")
        small = build(owner, "Small Bakery", 1)
        big = build(owner, "Big Bakery", 50)
    copy_pages(tmp_path / "state", big[0], PAGES)
    shutil.rmtree(tmp_path / "build")  # staged again
    with running(tmp_path, probe=False) as lane:
        owner.base = lane.core
        sid, host, ids = big
        published = owner.post(f"/api/v1/sites/{sid}/publish")
        assert published.status_code == 201, published.text  # core's 504 before
        assert (published.json()["version"], published.json()["pages_rendered"]) == (1, PAGES + 1)
        assert view(lane, host).status_code == 200
        assert view(lane, host, f"/copy-{PAGES - 1}/").status_code == 200
        assert owner.post(f"/api/v1/sites/{sid}/preview").json()["pages_rendered"] == PAGES + 1

        small_id, _, small_ids = small
        assert owner.post(f"/api/v1/sites/{small_id}/publish").status_code == 201
        assert owner.post(f"/api/v1/sites/{small_id}/preview").status_code == 200
        on_small = one_block_save(lane, owner, small_id, small_ids[-1])
        on_big = one_block_save(lane, owner, sid, ids[-1])
        assert on_big == on_small
        assert on_big["preview"][:2] == on_big["publish"][:2] == (1, 1)  # the page, rendered and written
        assert_no_limit_breach(lane)
