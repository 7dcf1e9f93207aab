"""Customer's site stores on CPython: one SQLite file per site, running the same object logic
(customer/sitestore.py) the Durable Object runs, with its guarantees: one store per site id, and
no statement of another call between `open` copying from D1 and the store being ready."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from customer.sitestore import SiteStore
from shared.ports import Database, Row, SqlValue


class _Sql:
    """sqlite3 as `ctx.storage.sql`: each statement commits on its own, `transaction` groups them."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row

    def exec(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        return [dict(row) for row in self._conn.execute(sql, tuple(params)).fetchall()]

    def changes(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount

    def transaction(self, work: Callable[[], None]) -> None:
        self._conn.execute("BEGIN")
        try:
            work()
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()


class _Object:
    """One site's store, as its Durable Object: calls wait while the store opens."""

    def __init__(self, path: Path, d1: Database) -> None:
        self.sql = _Sql(path)
        self.store = SiteStore(self.sql, d1)
        self._opening = asyncio.Lock()

    async def ready(self, site_id: str) -> SiteStore:
        async with self._opening:
            await self.store.open(site_id)
        return self.store


class _Database:
    def __init__(self, stores: SqliteSiteStores, site_id: str) -> None:
        self._stores, self._site_id = stores, site_id

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        return (await self._stores.ready(self._site_id)).all(sql, params)

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return (await self._stores.ready(self._site_id)).run(sql, params)

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        (await self._stores.ready(self._site_id)).batch(statements)


class SqliteSiteStores:
    """customer.sitestore.SiteStores over a folder: `<root>/<site id>.sqlite3`."""

    def __init__(self, root: str | Path, d1: Database) -> None:
        self.root = Path(root)
        self._d1 = d1
        self._objects: dict[str, _Object] = {}

    async def ready(self, site_id: str) -> SiteStore:
        found = self._objects.get(site_id)
        if found is None:
            self.root.mkdir(parents=True, exist_ok=True)
            found = self._objects[site_id] = _Object(self.root / f"{site_id}.sqlite3", self._d1)
        return await found.ready(site_id)

    def database(self, site_id: str) -> Database:
        return _Database(self, site_id)

    async def drop(self, site_id: str) -> None:
        found = self._objects.pop(site_id, None)
        if found is not None:
            found.sql.close()
        (self.root / f"{site_id}.sqlite3").unlink(missing_ok=True)

    def close(self) -> None:
        for found in self._objects.values():
            found.sql.close()
        self._objects.clear()
