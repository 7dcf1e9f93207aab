import asyncio
import hashlib
import json
import random
import socket
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlsplit

import _cloudflare_compat_flags
from workers import DurableObject, Response, WorkerEntrypoint, fetch

from shared.edge.bindings import R2BlobStore, WebCrypto


def attempt(action):
    try:
        action()
    except Exception as exc:
        return f"refused: {type(exc).__name__}"
    return "allowed"


FORBIDDEN = {
    "thread": lambda: threading.Thread(target=lambda: None).start(),
    "socket": lambda: socket.create_connection(("127.0.0.1", 9), timeout=1),
    "subprocess": lambda: subprocess.run(["true"], check=False),
    "pbkdf2_hmac": lambda: hashlib.pbkdf2_hmac("sha256", b"p", b"s", 1),
}


DATE_FLAGS = ("python_request_headers_preserve_commas", "python_check_rng_state", "enable_python_external_sdk")


def spin(ms):
    """Busy CPU for `ms` milliseconds of the clock and at least `ms` x 2,000 turns of the loop (about
    `ms` of CPU on the lane here), synchronously. By the clock alone, a loaded machine once left the
    thread under the Free plan's 10 ms of CPU in a 60 ms spin (test_limits saw a 200, not a 503):
    the clock runs on while the thread waits for a core."""
    end = time.perf_counter() + ms / 1000
    turns = 0
    while time.perf_counter() < end or turns < ms * 2000:
        turns += 1


class Counter(DurableObject):
    """A SQLite-backed Durable Object: counts per key, records its alarms, reports its storage."""

    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        self.calls = 0  # in memory: lives as long as this one instance
        ctx.storage.sql.exec(
            "CREATE TABLE IF NOT EXISTS counts (k TEXT PRIMARY KEY, n INTEGER NOT NULL);"
            "CREATE TABLE IF NOT EXISTS fired (at INTEGER, retry INTEGER);"
            "CREATE TABLE IF NOT EXISTS blobs (b BLOB)"
        )

    async def increment(self, key="n"):
        """Read, await storage, write: two concurrent calls would lose one without the input gate."""
        self.calls += 1
        sql = self.ctx.storage.sql
        row = sql.exec("SELECT n FROM counts WHERE k = ?", key).toArray()
        n = row[0]["n"] if row else 0
        await self.ctx.storage.put("last", key)  # an async storage call between the read and the write
        sql.exec("INSERT INTO counts (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n", key, n + 1)
        return n + 1

    async def racy(self, url, key="racy"):
        """Read, await a fetch, write: workerd lets the object's next event in during the fetch."""
        sql = self.ctx.storage.sql
        row = sql.exec("SELECT n FROM counts WHERE k = ?", key).toArray()
        n = row[0]["n"] if row else 0
        await (await fetch(url)).text()
        sql.exec("INSERT INTO counts (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n", key, n + 1)
        return n + 1

    async def call_self(self):
        """An event that calls its own object through a stub (re-entrancy) and waits for the answer."""
        return await self.env.COUNTER.get(self.ctx.id).count()

    async def count(self, key="n"):
        cursor = self.ctx.storage.sql.exec("SELECT n FROM counts WHERE k = ?", key)
        rows = list(cursor)
        return {
            "n": rows[0]["n"] if rows else 0,
            "calls": self.calls,
            "id": self.ctx.id.toString(),
            "name": self.ctx.id.name,
            "rowsRead": cursor.rowsRead,
        }

    async def schedule(self, ms, failures=0):
        self.failures = failures  # in memory: how many alarm() runs raise before one succeeds
        self.attempts = []
        at = int(time.time() * 1000) + int(ms)
        await self.ctx.storage.setAlarm(at)
        return {"set": at, "get": await self.ctx.storage.getAlarm()}

    async def alarm(self, info=None):
        retry = info.retryCount if info is not None else -1
        self.attempts = [*getattr(self, "attempts", []), retry]
        if getattr(self, "failures", 0) > 0:
            self.failures -= 1
            raise RuntimeError("a planned alarm failure")
        self.ctx.storage.sql.exec("INSERT INTO fired (at, retry) VALUES (?, ?)", int(time.time() * 1000), retry)

    async def fired(self):
        return {
            "fired": self.ctx.storage.sql.exec("SELECT at, retry FROM fired ORDER BY at").toArray(),
            "alarm": await self.ctx.storage.getAlarm(),
            "attempts": getattr(self, "attempts", []),
        }

    async def fill(self, rows, size):
        written = 0
        for _ in range(rows):
            written += self.ctx.storage.sql.exec("INSERT INTO blobs (b) VALUES (?)", "x" * size).rowsWritten
        # The SDK's _BindingWrapper caches a property once read (ctx.storage.sql.databaseSize would
        # keep its first value for this instance's life, on Cloudflare too): read it from the JS object.
        return {"written": written, "databaseSize": self.ctx._ctx.storage.sql.databaseSize}

    async def kv(self):
        """The key-value API and transactionSync (rolled back when its function raises)."""
        storage = self.ctx.storage
        await storage.put("k", {"a": 1})
        got = await storage.get("k")

        def work():
            storage.sql.exec("INSERT INTO counts (k, n) VALUES ('txn', 1)")
            raise RuntimeError("undo")

        try:
            storage.transactionSync(work)
            raised = False
        except Exception:
            raised = True
        rows = storage.sql.exec("SELECT count(*) AS c FROM counts WHERE k = 'txn'").one()["c"]
        deleted = await storage.delete("k")
        return {"got": got, "raised": raised, "rows": rows, "deleted": deleted, "after": await storage.get("k")}

    async def blob(self):
        data = bytes(range(256))
        sql = self.ctx.storage.sql
        sql.exec("INSERT INTO blobs (b) VALUES (?)", data)
        [row] = sql.exec("SELECT b, typeof(b) AS kind FROM blobs WHERE typeof(b) = 'blob' LIMIT 1").toArray()
        return {"kind": row["kind"], "type": type(row["b"]).__name__, "same": bytes(row["b"]) == data}

    async def full(self, pages):
        """Lowers the object's size cap (workerd's test hook), then writes until it is full."""
        sql = self.ctx._ctx.storage.sql  # the JS object: the hook is not an SDK method
        sql.setMaxPageCountForTest(pages)
        try:
            for _ in range(1000):
                self.ctx.storage.sql.exec("INSERT INTO blobs (b) VALUES (?)", "x" * 4000)
        except Exception as exc:
            return {"error": str(exc), "databaseSize": sql.databaseSize}
        return {"error": None, "databaseSize": sql.databaseSize}

    async def refusals(self):
        sql = self.ctx.storage.sql

        def error(query, *bindings):
            try:
                sql.exec(query, *bindings)
            except Exception as exc:
                return str(exc)
            return "allowed"

        def one(query):
            try:
                return sql.exec(query).one()
            except Exception as exc:
                return str(exc)

        return {
            "blob": error("INSERT INTO blobs (b) VALUES (?)", "x" * (2 * 1024 * 1024 + 1)),
            "statement": error("SELECT '" + "x" * (100 * 1024) + "'"),
            "parameters": error("SELECT " + ", ".join("?" * 101), *range(101)),
            "columns": error("CREATE TABLE wide (" + ", ".join(f"c{i}" for i in range(101)) + ")"),
            "bindings": error("SELECT ?", 1, 2),
            "transaction": error("BEGIN TRANSACTION"),
            "reserved": error("SELECT * FROM _cf_KV"),
            "syntax": error("SELEC 1"),
            "one_of_two": one("SELECT 1 AS a UNION ALL SELECT 2"),
            "one_of_none": one("SELECT 1 AS a WHERE 0"),
            "one": one("SELECT 7 AS a"),
        }

    async def hold(self, ms):
        """Starts blockConcurrencyWhile work and returns at once: the next event waits for it."""
        self.held = "waiting"

        async def work():
            await asyncio.sleep(ms / 1000)
            self.held = "done"

        self.ctx.blockConcurrencyWhile(work)
        return self.held

    async def after_hold(self):
        return self.held

    async def fetch(self, request):
        return Response(json.dumps({"url": request.url, "calls": self.calls}))


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlsplit(request.url)
        path, query = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        if path == "/flags":
            return Response(json.dumps({flag: bool(getattr(_cloudflare_compat_flags, flag)) for flag in DATE_FLAGS}))
        if path == "/spin":
            spin(int(query["ms"]))
            return Response("spun")
        if path == "/parallel":

            async def one():
                return await (await fetch(query["url"])).text()

            await asyncio.gather(*(one() for _ in range(int(query["n"]))))
            return Response("fetched")
        if path == "/crash":
            # Plain json.loads, no depth guard: deep enough, the wasm stack overflows (a fatal error).
            depth = int(query["depth"])
            json.loads("[" * depth + "]" * depth)
            return Response("survived")
        if path == "/random":  # the random module's next number in this isolate
            return Response(repr(random.random()))  # noqa: S311 (what the test reads is the state)
        if path == "/allocate":
            held = bytearray(int(query["mb"]) * 2**20)
            return Response(str(len(held)))
        if path == "/subrequests":
            for _ in range(int(query["n"])):
                await (await fetch(query["url"])).text()
            return Response("fetched")
        if path == "/forbidden":
            return Response(json.dumps({name: attempt(action) for name, action in FORBIDDEN.items()}))
        if path == "/crypto":
            ask = json.loads(await request.text())
            crypto = WebCrypto()
            password, salt = ask["password"].encode(), ask["salt"].encode()
            try:
                derived = (await crypto.pbkdf2_sha256(password, salt, ask["iterations"])).hex()
            except Exception as exc:
                derived = f"refused: {type(exc).__name__}"
            answer = {
                "pbkdf2": derived,
                "hmac": (await crypto.hmac_sha256(salt, password)).hex(),
                "sha256": (await crypto.sha256(password)).hex(),
                "random": len(crypto.random_bytes(32)),
            }
            return Response(json.dumps(answer))
        if path == "/blob":  # the edge's R2 adapter on an object as stored (e.g. without a content type)
            store = R2BlobStore(self.env.BLOBS)
            blob = await store.get(query["key"])
            opened = await store.open(query["key"])
            if blob is None or opened is None:
                return Response("no such object", status=404)
            answer = {"get": blob.content_type, "open": opened.content_type, "size": len(blob.body)}
            return Response(json.dumps(answer))
        if path.startswith("/do/"):
            return await self.durable(path.removeprefix("/do/"), query)
        return Response("not found", status=404)

    async def durable(self, op, query):
        namespace = self.env.COUNTER
        stub = namespace.get(namespace.idFromName(query.get("name", "a")))
        if op == "increment":
            return Response(json.dumps(await stub.increment()))
        if op == "burst":  # n stub calls in one invocation, concurrently
            results = await asyncio.gather(*(stub.increment() for _ in range(int(query["n"]))))
            return Response(json.dumps(sorted(results)))
        if op == "racy":  # n concurrent read-fetch-write calls in one invocation
            results = await asyncio.gather(*(stub.racy(query["url"]) for _ in range(int(query["n"]))))
            return Response(json.dumps(sorted(results)))
        if op == "self":
            return Response(json.dumps(await stub.call_self()))
        if op == "count":
            return Response(json.dumps(await stub.count()))
        if op == "schedule":
            return Response(json.dumps(await stub.schedule(int(query["ms"]), int(query.get("failures", 0)))))
        if op == "fired":
            return Response(json.dumps(await stub.fired()))
        if op == "fill":
            return Response(json.dumps(await stub.fill(int(query["rows"]), int(query["size"]))))
        if op == "missing":
            try:
                await stub.no_such_method()
            except Exception as exc:
                return Response(str(exc))
            return Response("answered")
        if op == "full":
            return Response(json.dumps(await stub.full(int(query["pages"]))))
        if op == "kv":
            return Response(json.dumps(await stub.kv()))
        if op == "blob":
            return Response(json.dumps(await stub.blob()))
        if op == "refusals":
            return Response(json.dumps(await stub.refusals()))
        if op == "hold":
            return Response(json.dumps([await stub.hold(int(query["ms"])), await stub.after_hold()]))
        if op == "fetch":
            return Response(await (await stub.fetch("https://counter.internal/hello")).text())
        if op == "ids":
            one, again = namespace.idFromName("a"), namespace.idFromName("a")
            unique = namespace.newUniqueId()
            try:
                namespace.idFromString("f" * 64)
                forged = "accepted"
            except Exception as exc:
                forged = str(exc)
            return Response(
                json.dumps(
                    {
                        "deterministic": one.toString() == again.toString() and one.equals(again),
                        "other": namespace.idFromName("b").toString() != one.toString(),
                        "length": len(one.toString()),
                        "unique_round_trip": namespace.idFromString(unique.toString()).toString() == unique.toString(),
                        "forged": forged,
                    }
                )
            )
        return Response("not found", status=404)
