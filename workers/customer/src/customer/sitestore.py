"""A site's own database: its pages, uploads' rows, published versions, preview, enquiries, page
history and team activity, in one SQLite database per site (a Durable Object, `SiteStore`, on Cloudflare;
docs/architecture.md, "Storage"). D1 keeps the small index every site has one row in (accounts,
sites, slugs, hostnames, members), so no database grows past a few GB at a million sites.

The tables keep D1's shape, `site_id` column included, so every statement reads the same in either
place and a site's rows move over as they are. `sites.store` says where a site's rows live: NULL,
in D1 (a site from before this change); 'site', in its own store. A site moves by setting its mark
(D1's triggers then refuse any write to its D1 rows, migration 0017) and its store copies those
frozen rows from D1 the first time it is opened: whatever the order of the events, no write is
lost and none lands twice.

This module is the object's logic, free of `js`: the Durable Object (customer's entry.py) and the
CPython stack (devstack/adapters.py) both run it over their SQLite."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Protocol

from shared.ports import Database, Row, SqlValue

# Where a site's rows live (sites.store).
IN_D1 = None
IN_STORE = "site"
PROBE = "health"  # the store deep health opens: no site's (site ids are s_…)

# The tables a site's store holds, in the order they are copied (a page's history after its page).
SITE_TABLES = (
    "pages",
    "assets",
    "asset_variants",
    "versions",
    "site_preview",
    "leads",
    "page_history",
    "site_activity",
)

# The store's schema, one entry per version, applied in order and recorded in `_store`. The tables
# are D1's (workers/customer/migrations) without the foreign keys to `sites`, which is in D1.
SCHEMA: tuple[str, ...] = (
    """
    CREATE TABLE pages (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        slug TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL,
        blocks TEXT NOT NULL DEFAULT '[]',
        updated_at REAL NOT NULL,
        revision INTEGER NOT NULL DEFAULT 1,
        UNIQUE (site_id, slug)
    );
    CREATE TABLE assets (
        site_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        width INTEGER,
        height INTEGER,
        missing_since REAL,
        PRIMARY KEY (site_id, sha256)
    );
    CREATE TABLE asset_variants (
        site_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        variant TEXT NOT NULL,
        content_type TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        size INTEGER NOT NULL,
        PRIMARY KEY (site_id, sha256, content_type, width)
    );
    CREATE TABLE versions (
        site_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        manifest TEXT NOT NULL,
        created_at REAL NOT NULL,
        source TEXT,
        forms TEXT,
        PRIMARY KEY (site_id, number)
    );
    CREATE TABLE site_preview (
        site_id TEXT PRIMARY KEY,
        manifest TEXT NOT NULL
    );
    CREATE TABLE leads (
        id TEXT PRIMARY KEY,
        site_id TEXT NOT NULL,
        block_id TEXT NOT NULL,
        page TEXT NOT NULL,
        name TEXT NOT NULL,
        email TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL,
        mailed INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        read_at REAL,
        answers TEXT NOT NULL DEFAULT '[]',
        digest INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX leads_by_site ON leads(site_id, created_at);
    CREATE TABLE page_history (
        site_id TEXT NOT NULL,
        page_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        created_at REAL NOT NULL,
        saved_at REAL NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER,
        revision INTEGER,
        customer_id TEXT,
        who TEXT NOT NULL DEFAULT '',
        changes TEXT NOT NULL,
        body_sha TEXT NOT NULL,
        PRIMARY KEY (site_id, page_id, number)
    );
    CREATE TABLE site_activity (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        site_id TEXT NOT NULL,
        customer_id TEXT,
        who TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        at REAL NOT NULL
    );
    CREATE INDEX site_activity_by_site ON site_activity(site_id, at)
    """,
)


class SiteSql(Protocol):
    """The object's own SQLite, synchronous as a Durable Object's `ctx.storage.sql` is: nothing
    else runs in the object between two statements of one event."""

    def exec(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]: ...

    def changes(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        """Executes a write; returns the number of rows it changed."""
        ...

    def transaction(self, work: Callable[[], None]) -> None:
        """Runs `work` as one transaction (`ctx.storage.transactionSync`): all or nothing."""
        ...


class SiteStore:
    """One site's database: the schema applied, the site's rows copied from D1 once, then D1's
    three calls (all, run, batch). `open` awaits D1, so the object runs it under its own lock (no
    other event may see a half-copied store); everything else is synchronous."""

    def __init__(self, sql: SiteSql, d1: Database) -> None:
        self._sql = sql
        self._d1 = d1
        self.site_id: str | None = None  # set once open

    async def open(self, site_id: str) -> None:
        """Makes the store ready for `site_id`: schema up to date, rows copied from D1 if never copied."""
        if self.site_id == site_id:
            return
        self._sql.exec("CREATE TABLE IF NOT EXISTS _store (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        mine = self._meta("site_id")
        if mine is not None and mine != site_id:
            raise ValueError("this store belongs to another site")
        version = int(self._meta("schema") or 0)
        for number in range(version + 1, len(SCHEMA) + 1):
            self._sql.transaction(functools.partial(self._migrate, number))
        if mine is None:
            rows = await self._rows_in_d1(site_id)
            self._sql.transaction(functools.partial(self._copy, site_id, rows))
        self.site_id = site_id

    async def _rows_in_d1(self, site_id: str) -> dict[str, list[Row]]:
        """The site's rows D1 holds. A new site's store opens before its `sites` row is written
        (customer/sites.py, create_site): no row there, nothing to copy, one read."""
        if not await self._d1.all("SELECT 1 FROM sites WHERE id = ?", (site_id,)):
            return {}
        return {t: await self._d1.all(f"SELECT * FROM {t} WHERE site_id = ?", (site_id,)) for t in SITE_TABLES}  # noqa: S608 (constant names)

    def _meta(self, key: str) -> str | None:
        rows = self._sql.exec("SELECT value FROM _store WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def _set(self, key: str, value: str) -> None:
        self._sql.exec(
            "INSERT INTO _store (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _migrate(self, number: int) -> None:
        for statement in SCHEMA[number - 1].split(";"):
            if statement.strip():
                self._sql.exec(statement)
        self._set("schema", str(number))

    def _copy(self, site_id: str, rows: dict[str, list[Row]]) -> None:
        for table, found in rows.items():
            for row in found:
                columns = list(row)
                marks = ", ".join("?" for _ in columns)
                self._sql.exec(
                    f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                    tuple(row.values()),
                )
        self._set("site_id", site_id)

    def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        return self._sql.exec(sql, params)

    def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return self._sql.changes(sql, params)

    def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        def work() -> None:
            for sql, params in statements:
                self._sql.exec(sql, params)

        self._sql.transaction(work)


class SiteStores(Protocol):
    """Every site's store, by site id: `database(site_id)` speaks D1's three calls (shared.ports.Database)."""

    def database(self, site_id: str) -> Database: ...

    async def drop(self, site_id: str) -> None:
        """Deletes everything the site's store holds (the site is gone)."""
        ...
