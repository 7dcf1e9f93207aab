"""Each page's history (customer/history.py): saved drafts and published versions with what
changed in words, restorable into the draft; only the site's owner may read or restore it."""

from __future__ import annotations

import json
from typing import Any

from customer import history
from customer.history import Body, describe
from customer.maintenance import ORPHAN_GRACE_SECONDS
from customer.publish import referenced
from devstack.stack import Stack
from tests.conftest import FakeClock
from tests.core.conftest import Outbox
from tests.customer.conftest import Owner, history_bodies
from tests.customer.test_domains import second_owner
from tests.customer.test_maintenance import files_of, run

HERO = {"type": "hero", "id": "b_00000001", "heading": "Fresh bread"}
TEXT = {"type": "rich_text", "id": "b_00000002", "markdown": "Since 1990."}
FEATURES = {"type": "features", "id": "b_00000003", "heading": "Why", "items": [{"title": "Slow"}]}


def body(*blocks: dict[str, Any], title: str = "Home") -> Body:
    return Body(title, "", list(blocks))


def test_changes_are_said_in_words() -> None:
    assert describe(body(HERO, TEXT), body({**HERO, "heading": "Warm bread"}, TEXT)) == [
        "Changed the headline of the Big headline block"
    ]
    gallery = {"type": "gallery", "id": "b_00000004", "images": []}
    assert describe(body(HERO), body(HERO, gallery)) == ["Added a Photo gallery block"]
    assert describe(body(HERO, TEXT), body(HERO)) == ["Removed the Text block"]
    assert describe(body(HERO, TEXT, FEATURES), body(HERO, FEATURES, TEXT)) == ["Moved the Text block"]
    assert describe(body(HERO), body(HERO, title="About us")) == ["Renamed the page “About us”"]
    both = {**HERO, "heading": "Warm", "subheading": "Daily"}
    assert describe(body(HERO), body(both)) == [
        "Changed the headline and line under the headline of the Big headline block"
    ]
    many = {**HERO, "heading": "Warm", "subheading": "Daily", "cta_label": "Go"}
    assert describe(body(HERO), body(many)) == ["Edited the Big headline block"]
    assert describe(body(HERO), body(HERO)) == []
    added = [{"type": "cta", "id": f"b_1000000{n}", "heading": "x", "label": "y", "href": "/"} for n in range(9)]
    said = describe(body(HERO), body(HERO, *added))
    assert len(said) == history.MAX_SAID
    assert said[-1] == "and 4 more changes"


async def edit(owner: Owner, url: str, blocks: list[dict[str, Any]]) -> None:
    await owner.ok("PUT", url, {"blocks": blocks})


async def test_saved_drafts_are_listed_in_words_and_restored(owner: Owner, clock: FakeClock) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    first = (await owner.ok("GET", url))["blocks"]
    await edit(owner, url, [{**first[0], "heading": "Fresh bread"}])
    clock.advance(10)
    await edit(owner, url, [{**first[0], "heading": "Fresh bread daily"}])  # joins the entry begun 10 s ago
    clock.advance(history.MERGE_SECONDS + 1)
    cta = {"type": "cta", "heading": "Order", "label": "Call", "href": "tel:+41000"}
    await edit(owner, url, [{**first[0], "heading": "Fresh bread daily"}, cta])
    entries = (await owner.ok("GET", f"{url}/history"))["entries"]
    assert [e["changes"] for e in entries] == [
        ["Added a Call to action block"],
        ["Changed the headline of the Big headline block"],
        [],  # the page as it was before the first change
    ]
    assert [e["kind"] for e in entries] == ["draft", "draft", "draft"]

    # The page as it was before any change, back as the draft: one more entry, itself undoable.
    oldest = entries[-1]["number"]
    etag = (await owner.call("GET", url)).header("etag")
    restored = await owner.call("POST", f"{url}/history/{oldest}/restore", {}, {"if-match": etag})
    assert restored.status == 200
    assert restored.json()["blocks"] == first
    assert restored.header("etag") != etag
    again = (await owner.ok("GET", f"{url}/history"))["entries"]
    assert again[0]["kind"] == "restored"
    assert again[0]["changes"] == ["Changed the headline of the Big headline block", "Removed the Call to action block"]
    # A stale tab cannot restore over newer text; an entry that is not kept is 404.
    stale = await owner.call("POST", f"{url}/history/{oldest}/restore", {}, {"if-match": etag})
    assert stale.status == 412
    gone = await owner.call("POST", f"{url}/history/999/restore", {}, {"if-match": restored.header("etag")})
    assert (gone.status, gone.json()["error"]["code"]) == (404, "history_not_found")


async def test_a_published_version_can_be_restored_into_the_draft(owner: Owner, clock: FakeClock) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    await edit(owner, url, [{"type": "hero", "heading": "As published"}])
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)
    clock.advance(history.MERGE_SECONDS + 1)
    await edit(owner, url, [{"type": "hero", "heading": "Later draft"}])
    entries = (await owner.ok("GET", f"{url}/history"))["entries"]
    published = next(e for e in entries if e["kind"] == "published")
    assert published["version"] == 1
    await owner.ok("POST", f"{url}/history/{published['number']}/restore", {})
    assert (await owner.ok("GET", url))["blocks"][0]["heading"] == "As published"


async def test_a_republish_adds_entries_only_for_the_pages_that_changed(owner: Owner, clock: FakeClock) -> None:
    site = await owner.new_site()
    base = f"/api/v1/sites/{site['id']}"
    home = f"{base}/pages/{site['pages'][0]['id']}"
    menu = f"{base}/pages/{(await owner.ok('POST', f'{base}/pages', {'title': 'Menu'}, 201))['id']}"
    await edit(owner, home, [{"type": "hero", "heading": "Bread"}])
    await edit(owner, menu, [{"type": "hero", "heading": "Menu"}])

    def published(entries: list[dict[str, Any]]) -> list[int]:
        return [e["version"] for e in entries if e["kind"] == "published"]

    await owner.ok("POST", f"{base}/publish", {}, 201)
    clock.advance(history.MERGE_SECONDS + 1)
    await edit(owner, menu, [{"type": "hero", "heading": "Soup"}])
    await owner.ok("POST", f"{base}/publish", {}, 201)  # the home page did not change: no entry
    assert published((await owner.ok("GET", f"{home}/history"))["entries"]) == [1]
    menu_entries = (await owner.ok("GET", f"{menu}/history"))["entries"]
    assert published(menu_entries) == [2, 1]
    assert menu_entries[0]["changes"] == []  # what changed was said by the draft entry before it


async def test_the_history_is_bounded_per_page(owner: Owner, clock: FakeClock, stack: Stack) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    for n in range(history.KEEP + 5):
        clock.advance(history.MERGE_SECONDS + 1)
        await edit(owner, url, [{"type": "hero", "heading": f"Take {n}"}])
    entries = (await owner.ok("GET", f"{url}/history"))["entries"]
    assert len(entries) == history.KEEP
    assert entries[0]["number"] == history.KEEP + 6  # the page as it was, then KEEP + 5 saves
    rows = await (await stack.site_db(site["id"])).all(
        "SELECT count(*) AS n FROM page_history WHERE site_id = ?", (site["id"],)
    )
    assert rows[0]["n"] == history.KEEP


async def test_bodies_are_site_files_and_those_no_entry_names_are_collected(
    owner: Owner, clock: FakeClock, stack: Stack
) -> None:
    """D1 holds the index; each body is a content-addressed site file. Bodies dropped past KEEP or
    replaced by a later save of the same entry are collected after the grace; kept ones stay."""
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    columns = {r["name"] for r in await (await stack.site_db(site["id"])).all("PRAGMA table_info(page_history)")}
    assert "body" not in columns
    assert "body_sha" in columns
    for n in range(history.KEEP + 3):
        clock.advance(history.MERGE_SECONDS + 1)
        await edit(owner, url, [{"type": "hero", "heading": f"Take {n}"}])
        clock.advance(10)
        await edit(owner, url, [{"type": "hero", "heading": f"Take {n}, typed on"}])  # joins: replaces its body
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/publish", {}, 201)  # the draft's body: nothing new
    named = await history_bodies(stack, site["id"])
    assert len(named) == history.KEEP - 1  # the last draft and its publish share one file
    clock.advance(ORPHAN_GRACE_SECONDS + 1)
    ran = await run(stack)
    # Every body a later save of its entry replaced, and the 5 entries dropped past KEEP (the page as
    # it was and the first 4 takes: KEEP + 5 entries were made, with the publish).
    assert ran["orphans_deleted"] == (history.KEEP + 3) + 5
    assert ran["orphans_failed"] == 0
    (version,) = await (await stack.site_db(site["id"])).all("SELECT manifest FROM versions")
    files = {key.rsplit("/", 1)[1] for key in await files_of(stack, site["id"])}
    assert named <= files  # every entry's body is still there
    assert files - named == referenced(json.loads(version["manifest"]))  # and nothing else
    entries = (await owner.ok("GET", f"{url}/history"))["entries"]
    await owner.ok("POST", f"{url}/history/{entries[-1]['number']}/restore", {})
    assert (await owner.ok("GET", url))["blocks"][0]["heading"] == "Take 4, typed on"


async def test_only_the_sites_owner_reads_or_restores_its_history(owner: Owner, stack: Stack, outbox: Outbox) -> None:
    site = await owner.new_site()
    url = f"/api/v1/sites/{site['id']}/pages/{site['pages'][0]['id']}"
    await edit(owner, url, [{"type": "hero", "heading": "Mine"}])
    number = (await owner.ok("GET", f"{url}/history"))["entries"][-1]["number"]
    etag = (await owner.call("GET", url)).header("etag")
    other = await second_owner(stack, owner, outbox)
    listed = await other.call("GET", f"{url}/history")
    assert (listed.status, listed.json()["error"]["code"]) == (404, "site_not_found")
    restore = await other.call("POST", f"{url}/history/{number}/restore", {}, {"if-match": etag})
    assert restore.status == 404
    assert (await owner.ok("GET", url))["blocks"][0]["heading"] == "Mine"
    missing = await owner.call("GET", f"/api/v1/sites/{site['id']}/pages/p_nope/history")
    assert missing.status == 404
