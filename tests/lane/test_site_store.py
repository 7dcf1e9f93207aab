"""Customer's site stores on the lane (customer/sitestore.py, entry.py's `SiteStore`): a SQLite-backed
Durable Object per site, reached here through the admin door's RPC call (`POST /durable-objects/
<script>/<class>/<name>/<method>`, as a stub calls it), its rows read back from the object's file
in the lane's state. A site's statements land in its own object only; the object answers D1's three
calls as D1 does; a site still in D1 is copied into its object when the object first opens (every
call then sees every row, however many arrive while the copy awaits D1), and D1 then refuses writes
to the rows it moved ('site_moved', migration 0017)."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests import loopback
from tests.lane.client import signed_in
from tests.lane.harness import Lane
from tests.lane.scale import CUSTOMER_DB, d1, rows, run_cron, wait_until

pytestmark = pytest.mark.lane

NAMESPACE = "smartpages-customer/SiteStore"


class Store:
    """A site's object, called as customer's stub calls it (shared/edge/durable.py): the site id first."""

    def __init__(self, lane: Lane, site_id: str) -> None:
        self.lane, self.site_id = lane, site_id

    def call(self, method: str, *args: Any, status: int = 200) -> Any:
        url = f"{self.lane.admin}/durable-objects/{NAMESPACE}/{self.site_id}/{method}"
        reply = loopback.post(url, json={"args": args}, timeout=60)
        assert reply.status_code == status, reply.text
        return reply.json()["result" if status == 200 else "error"]

    def all(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.call("all", self.site_id, sql, params or [])

    def run(self, sql: str, params: list[Any] | None = None) -> Any:
        return self.call("run", self.site_id, sql, params or [])

    def batch(self, statements: list[list[Any]], status: int = 200) -> Any:
        return self.call("batch", self.site_id, statements, status=status)


def live_objects(lane: Lane) -> list[dict[str, Any]]:
    """The site stores the lane has instances of (`id`, `name`: the site id), from its report."""
    return list(loopback.get(f"{lane.admin}/durable-objects", timeout=30).json()["namespaces"][NAMESPACE]["live"])


def object_file(lane: Lane, site_id: str) -> Path:
    """The site's object's SQLite file in the lane's state (its id, from the lane's report)."""
    (found,) = [o["id"] for o in live_objects(lane) if o["name"] == site_id]
    return lane.build.parent / "state" / "durable-objects" / "smartpages-customer" / "SiteStore" / f"{found}.sqlite"


def read(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params)]


PAGE = "INSERT INTO pages (id, site_id, slug, title, position, blocks, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
LEAD = (
    "INSERT INTO leads (id, site_id, block_id, page, name, email, message, created_at, read_at)"
    " VALUES (?, ?, 'b', '/', ?, ?, ?, ?, ?)"
)
COUNTS = (
    "SELECT (SELECT count(*) FROM pages) AS pages, (SELECT count(*) FROM versions) AS versions,"
    " (SELECT count(*) FROM leads) AS leads"
)


@pytest.fixture
def site(request: pytest.FixtureRequest) -> str:
    """A fresh site id: its object never opened (a site D1 has no rows of is all an object needs)."""
    return f"st-{request.node.name[-40:]}-{time.monotonic_ns()}"


def test_each_site_has_its_own_object_and_its_rows_land_in_that_objects_file(lane: Lane) -> None:
    stamp = time.monotonic_ns()
    one, two = Store(lane, f"site-one-{stamp}"), Store(lane, f"site-two-{stamp}")
    assert one.run(PAGE, ["p1", one.site_id, "home", "Home", 0, "[]", 1700000000.5]) == 1
    assert two.run(PAGE, ["p2", two.site_id, "home", "Home of two", 0, "[]", 1700000001]) == 1

    assert one.all("SELECT id, title FROM pages") == [{"id": "p1", "title": "Home"}]
    assert two.all("SELECT id, title FROM pages") == [{"id": "p2", "title": "Home of two"}]
    first, second = object_file(lane, one.site_id), object_file(lane, two.site_id)
    assert first != second
    assert read(first, "SELECT id, site_id, updated_at FROM pages") == [
        {"id": "p1", "site_id": one.site_id, "updated_at": 1700000000.5}
    ]
    assert read(second, "SELECT id, site_id FROM pages") == [{"id": "p2", "site_id": two.site_id}]
    # The store's own bookkeeping: the site it belongs to, its schema version.
    assert {r["key"]: r["value"] for r in read(first, "SELECT key, value FROM _store")} == {
        "schema": "1",
        "site_id": one.site_id,
    }


def test_the_object_answers_d1s_three_calls_as_d1_does(lane: Lane, site: str) -> None:
    store = Store(lane, site)
    # `run` returns the rows changed, as D1's meta.changes (not workerd's rowsWritten, which also
    # counts the entries of the table's unique index).
    assert store.run(PAGE, ["a", site, "a", "A", 0, "[]", 1.5]) == 1
    assert store.run(PAGE, ["b", site, "b", "B", 1, "[]", 2]) == 1
    assert store.run("UPDATE pages SET revision = revision + 1 WHERE site_id = ?", [site]) == 2
    assert store.run("UPDATE pages SET title = 'x' WHERE id = ?", ["none"]) == 0
    # None, int, float and str cross both ways.
    assert store.run(LEAD, ["l1", site, "Ann", "a@x.test", "Hi ✓", 1700000000.25, None]) == 1
    assert store.all("SELECT name, message, created_at, read_at, mailed FROM leads") == [
        {"name": "Ann", "message": "Hi ✓", "created_at": 1700000000.25, "read_at": None, "mailed": 0}
    ]
    # A boolean is bound as D1 binds it: 1 or 0 (workerd's exec binds no boolean; the object converts).
    assert store.run("UPDATE leads SET mailed = ? WHERE id = ? AND digest = ?", [True, "l1", False]) == 1
    assert store.all("SELECT mailed, typeof(mailed) AS kind FROM leads") == [{"mailed": 1, "kind": "integer"}]

    # `batch` is all or nothing: the duplicate slug undoes the insert before it.
    duplicate = [[PAGE, ["c", site, "c", "C", 2, "[]", 3]], [PAGE, ["d", site, "a", "D", 3, "[]", 3]]]
    assert "UNIQUE constraint failed" in store.batch(duplicate, status=400)
    assert store.all("SELECT id FROM pages ORDER BY position") == [{"id": "a"}, {"id": "b"}]
    assert store.batch([[PAGE, ["c", site, "c", "C", 2, "[]", 3]], ["DELETE FROM pages WHERE id = ?", ["a"]]]) is None
    assert store.all("SELECT id FROM pages ORDER BY position") == [{"id": "b"}, {"id": "c"}]

    # `drop` empties the object: the next call finds a new, empty store.
    assert store.call("drop") is None
    assert store.all("SELECT count(*) AS n FROM pages") == [{"n": 0}]


def seed_legacy_site(lane: Lane, site_id: str) -> None:
    """A site from before the stores, in D1 only: five pages, a published version and an enquiry."""
    now, customer = 1700000000.0, f"c-{site_id}"
    pages = [
        (PAGE, [f"{site_id}-p{i}", site_id, f"page-{i}", f"Page {i}", i, '[{"type": "text"}]', now + i])
        for i in range(5)
    ]
    d1(lane, CUSTOMER_DB, [
        ("INSERT INTO customers (id, account_id, created_at) VALUES (?, ?, ?)", [customer, f"acct-{site_id}", now]),
        ("INSERT INTO sites (id, customer_id, slug, name, created_at) VALUES (?, ?, ?, 'Legacy', ?)",
         [site_id, customer, site_id, now]),
        *pages,
        ("INSERT INTO versions (site_id, number, manifest, created_at) VALUES (?, 1, '{}', ?)", [site_id, now]),
        (LEAD, [f"{site_id}-l", site_id, "Bo", "bo@x.test", "Hello", now, None]),
    ])  # fmt: skip


def test_a_legacy_site_is_copied_into_its_object_once_and_d1_then_refuses_writes_to_its_rows(
    lane: Lane, site: str
) -> None:
    seed_legacy_site(lane, site)
    assert rows(lane, CUSTOMER_DB, "SELECT store FROM sites WHERE id = ?", [site]) == [{"store": None}]
    # The move: the site's mark set (customer/sitestore.py); its D1 rows are frozen from then on.
    d1(lane, CUSTOMER_DB, [("UPDATE sites SET store = 'site' WHERE id = ?", [site])])

    # Eight writes at once into the never-opened object: the first event copies from D1, and while
    # it awaits D1 the others come in (the input gate opens on I/O). They wait for the copy (the
    # object's lock): none is answered from a half-copied store, none is undone by a second copy.
    store, home = Store(lane, site), f"{site}-p0"
    bump = "UPDATE pages SET revision = revision + 1 WHERE id = ?"
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(lambda _: store.run(bump, [home]), range(8))) == [1] * 8
    assert store.all(COUNTS) == [{"pages": 5, "versions": 1, "leads": 1}]
    assert store.all("SELECT revision FROM pages WHERE id = ?", [home]) == [{"revision": 9}]

    stored = object_file(lane, site)
    assert read(stored, "SELECT id, title, blocks FROM pages ORDER BY position")[0] == {
        "id": home, "title": "Page 0", "blocks": '[{"type": "text"}]'
    }  # fmt: skip
    assert read(stored, "SELECT name, email FROM leads") == [{"name": "Bo", "email": "bo@x.test"}]

    # Writes go to the object; D1 refuses any write to the rows it moved.
    assert store.run("UPDATE pages SET title = 'New' WHERE id = ?", [home]) == 1
    statements = [["UPDATE pages SET title = 'Lost' WHERE id = ?", [home]]]
    reply = loopback.post(f"{lane.admin}/d1/{CUSTOMER_DB}", json={"statements": statements}, timeout=60)
    assert reply.status_code == 400
    assert "site_moved" in reply.json()["error"]
    assert rows(lane, CUSTOMER_DB, "SELECT title FROM pages WHERE id = ?", [home]) == [{"title": "Page 0"}]
    assert store.all("SELECT title FROM pages WHERE id = ?", [home]) == [{"title": "New"}]


def insert(table: str, row: dict[str, Any]) -> tuple[str, list[Any]]:
    """An INSERT of the row as it is, for the admin door's `/d1` (the table is the test's own constant)."""
    marks = ", ".join("?" for _ in row)
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", list(row.values())  # noqa: S608


def test_through_the_api_a_legacy_site_keeps_its_pages_and_edits_across_the_stores_job(lane: Lane) -> None:
    """Customer's own path: a site still in D1 is read and edited through core as before; the Cron's
    `stores` job (customer/maintenance.py) moves it into its object over RPC (shared/edge/durable.py);
    the owner then sees every page and edit, and edits land in the object, never in D1 again."""
    owner = signed_in(lane, f"lane-store-{time.monotonic_ns()}@example.com")
    created = owner.post("/api/v1/sites", {"name": "New Store"})
    assert created.status_code == 201, created.text
    model = created.json()["id"]  # a new site: in its store from the start
    assert rows(lane, CUSTOMER_DB, "SELECT store FROM sites WHERE id = ?", [model]) == [{"store": "site"}]

    # A legacy site of the same owner, as D1 held it before the stores: the new site's rows copied
    # into D1 under another id (so their shape is the product's own), its mark NULL.
    legacy = f"legacy{time.monotonic_ns()}"
    (site_row,) = rows(lane, CUSTOMER_DB, "SELECT * FROM sites WHERE id = ?", [model])
    site_row.update(id=legacy, slug=legacy, name="Legacy Bakery", store=None, preview_token=None, live_version=None)
    pages = Store(lane, model).all("SELECT * FROM pages ORDER BY position")
    statements = [insert("sites", site_row)]
    for page in pages:
        page.update(id=f"{legacy}-{page['id']}", site_id=legacy)
        statements.append(insert("pages", page))
    d1(lane, CUSTOMER_DB, statements)
    home = pages[0]["id"]
    path = f"/api/v1/sites/{legacy}/pages/{home}"

    # Read and edited through the API while in D1 (or in its store, should a Cron move it first).
    assert owner.call("GET", path).status_code == 200
    before = [{"type": "rich_text", "markdown": "Baked before the move"}]
    assert owner.call("PUT", path, {"blocks": before}).status_code == 200
    mark = "SELECT store FROM sites WHERE id = ?"
    if rows(lane, CUSTOMER_DB, mark, [legacy]) == [{"store": None}]:  # the lane's own */10 Cron did not move it yet
        (in_d1,) = rows(lane, CUSTOMER_DB, "SELECT blocks FROM pages WHERE id = ?", [home])
        assert "Baked before the move" in in_d1["blocks"]
        assert legacy not in {o["name"] for o in live_objects(lane)}  # its object never opened so far

    # The Cron plans the `stores` job; its step sets the mark and opens the object, which copies.
    assert run_cron(lane, "customer", time.time())["outcome"] == "ok"
    wait_until(lambda: rows(lane, CUSTOMER_DB, mark, [legacy]) == [{"store": "site"}], timeout=120)
    wait_until(lambda: any(o["name"] == legacy for o in live_objects(lane)), timeout=60)

    shown = owner.call("GET", path)
    assert shown.status_code == 200
    assert "Baked before the move" in shown.text
    after = [{"type": "rich_text", "markdown": "Baked in the store"}]
    assert owner.call("PUT", path, {"blocks": after}).status_code == 200
    assert "Baked in the store" in owner.call("GET", path).text
    (in_d1,) = rows(lane, CUSTOMER_DB, "SELECT blocks FROM pages WHERE id = ?", [home])
    assert "Baked in the store" not in in_d1["blocks"]  # D1's row is frozen where the move left it
    (stored,) = read(object_file(lane, legacy), "SELECT blocks FROM pages WHERE id = ?", (home,))
    assert "Baked in the store" in stored["blocks"]
