"""A store per site (customer/sitestore.py): new sites live in theirs; a site from before moves over
with every row (the `stores` job), nothing written around the move is lost, and D1 refuses writes
to a moved site's old rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from customer import maintenance
from customer.deps import CustomerDeps
from customer.sitestore import IN_STORE, SITE_TABLES, SiteStore
from customer.store import site_by_id
from devstack.adapters import SqliteDatabase
from devstack.sitestores import _Sql
from devstack.stack import Stack
from tests.customer.conftest import Owner, published_page
from tests.customer.test_forms import LEAD, form_site, submit


def deps_of(stack: Stack) -> CustomerDeps:
    return CustomerDeps.of(stack.settings["customer"], stack.ports["customer"])


async def rows_of(db: Any, site_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the site's tables, in a stable order."""
    found = {t: await db.all(f"SELECT * FROM {t} WHERE site_id = ?", (site_id,)) for t in SITE_TABLES}  # noqa: S608
    return {t: sorted(rows, key=lambda r: json.dumps(r, sort_keys=True)) for t, rows in found.items()}


async def as_from_before(stack: Stack, site_id: str) -> dict[str, list[dict[str, Any]]]:
    """Turns a site into one from before stores existed: its rows in D1, no store. Returns them."""
    assert stack.stores is not None
    d1 = stack.databases["customer"]
    rows = await rows_of(stack.stores.database(site_id), site_id)
    await d1.run("UPDATE sites SET store = NULL WHERE id = ?", (site_id,))
    for table, found in rows.items():
        for row in found:
            marks = ", ".join("?" for _ in row)
            await d1.run(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", tuple(row.values()))  # noqa: S608
    await stack.stores.drop(site_id)
    return rows


async def move_all(stack: Stack) -> dict[str, int]:
    return (await maintenance.move_sites(deps_of(stack))).report


async def test_a_new_site_lives_in_its_own_store(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    d1 = stack.databases["customer"]
    assert (await d1.all("SELECT store FROM sites WHERE id = ?", (site["id"],)))[0]["store"] == IN_STORE
    assert await d1.all("SELECT * FROM pages WHERE site_id = ?", (site["id"],)) == []
    assert stack.stores is not None
    assert Path(stack.stores.root, f"{site['id']}.sqlite3").exists()
    (home,) = await stack.stores.database(site["id"]).all("SELECT title FROM pages WHERE site_id = ?", (site["id"],))
    assert home["title"] == "Home"


async def test_a_site_from_before_moves_over_with_every_row(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    assert (await submit(stack, site["id"], block, LEAD)).status == 303
    await owner.ok("POST", f"/api/v1/sites/{site['id']}/preview", {})
    before = await as_from_before(stack, site["id"])
    assert all(before[t] for t in ("pages", "versions", "site_preview", "leads", "site_activity"))
    editor = await owner.ok("GET", f"/api/v1/sites/{site['id']}")  # served from D1 until it moves

    assert await move_all(stack) == {"sites_moved": 1, "site_moves_failed": 0}
    d1 = stack.databases["customer"]
    assert (await d1.all("SELECT store FROM sites WHERE id = ?", (site["id"],)))[0]["store"] == IN_STORE
    assert await rows_of(await stack.site_db(site["id"]), site["id"]) == before  # every row, as it was
    assert await owner.ok("GET", f"/api/v1/sites/{site['id']}") == editor
    assert (await published_page(stack, str(site["default_host"]))).status == 200
    # D1's copies are frozen: a write there is refused, not silently lost.
    with pytest.raises(sqlite3.IntegrityError, match="site_moved"):
        await d1.run("UPDATE pages SET title = 'Lost' WHERE site_id = ?", (site["id"],))
    with pytest.raises(sqlite3.IntegrityError, match="site_moved"):
        await d1.run("DELETE FROM leads WHERE site_id = ?", (site["id"],))
    # And it goes on working in its store: a new enquiry, an edit.
    assert (await submit(stack, site["id"], block, LEAD)).status == 303
    leads = (await owner.ok("GET", f"/api/v1/sites/{site['id']}/leads"))["leads"]
    assert len(leads) == 2
    assert await d1.all("SELECT count(*) AS n FROM leads WHERE site_id = ?", (site["id"],)) == [{"n": 1}]
    assert await move_all(stack) == {"sites_moved": 0, "site_moves_failed": 0}  # nothing left to move


async def test_a_site_from_before_works_in_d1_until_it_moves(owner: Owner, stack: Stack) -> None:
    site, block = await form_site(owner)
    await as_from_before(stack, site["id"])
    assert (await submit(stack, site["id"], block, LEAD)).status == 303
    home = site["pages"][0]["id"]
    page = await owner.call("GET", f"/api/v1/sites/{site['id']}/pages/{home}")
    body = {"title": "Welcome"}
    saved = await owner.call("PUT", f"/api/v1/sites/{site['id']}/pages/{home}", body, {"if-match": page.header("etag")})
    assert saved.status == 200
    d1 = stack.databases["customer"]
    assert (await d1.all("SELECT title FROM pages WHERE id = ?", (home,)))[0]["title"] == "Welcome"
    assert len(await d1.all("SELECT * FROM leads WHERE site_id = ?", (site["id"],))) == 1
    assert stack.stores is not None
    assert not Path(stack.stores.root, f"{site['id']}.sqlite3").exists()


async def test_a_write_that_read_the_old_mark_lands_in_the_store(owner: Owner, stack: Stack) -> None:
    """A request read the site's row just before it moved, then writes: D1 refuses (the trigger),
    and the write goes to the store, where the rows now are."""
    site = await owner.new_site()
    await as_from_before(stack, site["id"])
    deps = deps_of(stack)
    stale = await site_by_id(deps.db, site["id"])
    assert stale is not None
    assert stale.store is None
    await move_all(stack)
    home = site["pages"][0]["id"]
    changed = await deps.site_db(stale).run("UPDATE pages SET title = 'After the move' WHERE id = ?", (home,))
    assert changed == 1
    store = await stack.site_db(site["id"])
    assert (await store.all("SELECT title FROM pages WHERE id = ?", (home,)))[0]["title"] == "After the move"
    d1 = stack.databases["customer"]
    assert (await d1.all("SELECT title FROM pages WHERE id = ?", (home,)))[0]["title"] == "Home"


async def test_a_deleted_site_takes_its_store_with_it(owner: Owner, stack: Stack) -> None:
    site = await owner.new_site()
    assert stack.stores is not None
    path = Path(stack.stores.root, f"{site['id']}.sqlite3")
    assert path.exists()
    await owner.ok("DELETE", f"/api/v1/sites/{site['id']}", None, 204)
    assert not path.exists()


async def test_the_move_is_a_bounded_step_that_walks_on(owner: Owner, stack: Stack) -> None:
    await owner.new_site()
    (customer,) = await stack.databases["customer"].all("SELECT id FROM customers")
    for n in range(maintenance.MOVE_PAGE + 3):
        await stack.databases["customer"].run(
            "INSERT INTO sites (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, ?, 0)",
            (f"s_old{n:03d}", customer["id"], f"old-{n}", f"Old {n}"),
        )
    first = await maintenance.move_sites(deps_of(stack))
    assert first.report == {"sites_moved": maintenance.MOVE_PAGE, "site_moves_failed": 0}
    (more,) = first.next
    second = await maintenance.move_sites(deps_of(stack), more["after"])
    assert second.report == {"sites_moved": 3, "site_moves_failed": 0}
    assert second.next == ()


async def test_a_store_copies_from_d1_once_and_only_for_its_site(tmp_path: Path) -> None:
    d1 = SqliteDatabase(tmp_path / "d1.sqlite3")
    await d1.run("CREATE TABLE pages (id TEXT, site_id TEXT, slug TEXT, title TEXT, description TEXT,"
                 " position INTEGER, blocks TEXT, updated_at REAL, revision INTEGER)")  # fmt: skip
    for table in SITE_TABLES[1:]:
        await d1.run(f"CREATE TABLE {table} (site_id TEXT)")
    await d1.run("CREATE TABLE sites (id TEXT)")
    await d1.run("INSERT INTO sites VALUES ('s1')")
    await d1.run("INSERT INTO pages VALUES ('p1', 's1', '', 'Home', '', 0, '[]', 0, 1)")
    sql = _Sql(tmp_path / "s1.sqlite3")
    store = SiteStore(sql, d1)
    await store.open("s1")
    assert [r["title"] for r in store.all("SELECT title FROM pages")] == ["Home"]
    await d1.run("INSERT INTO pages VALUES ('p2', 's1', 'late', 'Late', '', 1, '[]', 0, 1)")
    again = SiteStore(sql, d1)  # a new instance of the same object (an isolate restarted)
    await again.open("s1")
    assert [r["title"] for r in again.all("SELECT title FROM pages")] == ["Home"]  # copied once, never twice
    with pytest.raises(ValueError, match="another site"):
        await SiteStore(sql, d1).open("s2")
    assert again.all("SELECT value FROM _store WHERE key = 'schema'") == [{"value": "1"}]
    sql.close()
    # A new site's store opens before its row exists in D1: one read, nothing copied, even a stray row.
    await d1.run("INSERT INTO pages VALUES ('p9', 's9', '', 'Stray', '', 0, '[]', 0, 1)")
    reads: list[str] = []
    counted = SqliteDatabase(tmp_path / "d1.sqlite3")
    real = counted.all

    async def counting(query: str, params: Any = ()) -> Any:
        reads.append(query)
        return await real(query, params)

    counted.all = counting  # type: ignore[method-assign]
    fresh_sql = _Sql(tmp_path / "s9.sqlite3")
    fresh = SiteStore(fresh_sql, counted)
    await fresh.open("s9")
    assert fresh.all("SELECT * FROM pages") == []
    assert reads == ["SELECT 1 FROM sites WHERE id = ?"]
    fresh_sql.close()
    counted.close()
    d1.close()
