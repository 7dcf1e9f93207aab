"""Durable Objects as databases: a SQLite-backed object's own storage as the synchronous SQL a
store runs on (`StorageSql`), and a namespace of such objects as D1's three calls per name
(`ObjectDatabases`: one object per name, reached over RPC).

What crosses RPC is what the SDK's `python_to_rpc`/`python_from_rpc` carry: None, int, float, str,
lists and dicts of them (never a tuple: the SDK refuses one), so parameters travel as lists, a
batch as a list of `[sql, params]` pairs, rows as a list of dicts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pyodide.ffi import create_proxy

from shared.ports import Database, Row, SqlValue


class StorageSql:
    """`ctx.storage.sql` and `ctx.storage.transactionSync` as a store's synchronous SQL (the
    `SiteSql` protocol of customer/sitestore.py): rows as dicts, `changes` as D1 counts them,
    a transaction that is all or nothing."""

    def __init__(self, storage: Any) -> None:
        # The SDK's wrapper of `ctx.storage` converts parameters (None -> null) and rows (null ->
        # None) as RPC does; `transactionSync` is called on the runtime's own object instead, with
        # a callback destroyed once it returns (the wrapper's proxy of a callable is never freed).
        self._sql = storage.sql
        self._storage = getattr(storage, "_binding", storage)

    def exec(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        return [dict(row) for row in self._sql.exec(sql, *_bindable(params)).toArray()]

    def changes(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        # Not the cursor's `rowsWritten`: workerd counts every row written there, index entries
        # included (an INSERT into a table with one index writes 2), which is what Cloudflare bills,
        # not what D1's `meta.changes` says. SQLite's changes() is D1's figure (workerd allows it).
        self._sql.exec(sql, *_bindable(params)).toArray()  # stepped to the end, RETURNING rows included
        return int(self._sql.exec("SELECT changes() AS n").one()["n"])

    def transaction(self, work: Callable[[], None]) -> None:
        callback = create_proxy(work)
        try:
            self._storage.transactionSync(callback)
        finally:
            callback.destroy()


def _bindable(params: Sequence[SqlValue]) -> list[SqlValue]:
    """Parameters as `sql.exec` binds them. workerd binds a string, a number (as a double), bytes or
    null; D1 takes a boolean as 1 or 0, so a boolean becomes that number here too."""
    return [int(p) if isinstance(p, bool) else p for p in params]


class ObjectDatabase:
    """One name's object as `shared.ports.Database`: each call is an RPC to its stub, made where it
    is used (a stub belongs to the request that made it). The object takes the name as its first
    argument (what it opens its store for)."""

    def __init__(self, namespace: Any, name: str) -> None:
        self._namespace = namespace
        self._name = name

    def _stub(self) -> Any:
        return self._namespace.getByName(self._name)

    async def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        rows = await self._stub().all(self._name, sql, list(params))
        return [dict(row) for row in rows]

    async def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return int(await self._stub().run(self._name, sql, list(params)))

    async def batch(self, statements: Sequence[tuple[str, Sequence[SqlValue]]]) -> None:
        await self._stub().batch(self._name, [[sql, list(params)] for sql, params in statements])


class ObjectDatabases:
    """A Durable Object namespace (`[[durable_objects.bindings]]`) as one database per name: the
    `SiteStores` port of customer/sitestore.py over `env.SITE_STORE`."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def database(self, name: str) -> Database:
        return ObjectDatabase(self._namespace, name)

    async def drop(self, name: str) -> None:
        await self._namespace.getByName(name).drop()
