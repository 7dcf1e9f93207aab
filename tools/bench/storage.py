"""Storage per site and its projection to a million sites (prints figures, not a test):

    .venv/bin/python -m tools.bench.storage [--sites 20]

Builds N sites of the realistic profile on CPython (devstack's stack: D1 and each site's store are
SQLite files, as on Cloudflare): a template's pages filled up to 20 pages of its blocks, 10 photos,
100 enquiries, five publishes with an edit before each (so kept versions and page history exist),
a preview. Then prints, per site, the bytes in customer's D1 (the index: customers, sites, domains,
members) and in the site's own store (pages, uploads' rows, versions, enquiries, history, activity),
as the bytes their tables and indexes use, and what that makes at 1M sites: D1's total against its 10 GB and the
issue's 5 GB line, and one store against a Durable Object's 10 GB. Before site stores, the same
rows all sat in the one D1: the sum of the two columns."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from devstack import stack as stack_module
from devstack.adapters import HashlibCrypto, SystemClock
from shared import internal_auth
from shared.http import Request, Response
from tests.imagefiles import png

MILLION = 1_000_000
D1_LIMIT = 10e9
OBJECT_LIMIT = 10e9
PAGES, PHOTOS, LEADS, PUBLISHES = 20, 10, 100, 5


async def call(
    stack: stack_module.Stack, account: str, method: str, path: str, body: Any = None, raw: bytes = b"", query: str = ""
) -> Any:
    identity = internal_auth.Identity(account_id=account, email=f"{account}@example.com", plan="pro")
    data = raw or (json.dumps(body).encode() if body is not None else b"")
    secret = stack_module.read_dev_vars("customer")["INTERNAL_SECRET"]
    header = await internal_auth.sign(
        HashlibCrypto(), SystemClock(), secret, Request(method, path, query, body=data), identity
    )
    ctype = "image/png" if raw else "application/json"
    headers = {internal_auth.HEADER: header, "content-type": ctype, "if-match": "*"}
    response: Response = await stack.customer.handle(Request(method, path, query, headers, data))
    assert response.status < 300, (path, response.status, response.body[:300])
    return response.json() if response.body else None


async def realistic_site(stack: stack_module.Stack, n: int) -> str:
    account = f"acct_{n:06d}"
    from customer import templates

    template = next(iter(templates.BY_ID))
    site = await call(stack, account, "POST", "/api/v1/sites", {"name": f"Bakery {n}", "template": template})
    sid = site["id"]
    base = f"/api/v1/sites/{sid}"
    home = await call(stack, account, "GET", f"{base}/pages/{site['pages'][0]['id']}")
    blocks = [{k: v for k, v in b.items() if k != "id"} for b in home["blocks"]]
    for p in range(len(site["pages"]), PAGES):
        await call(stack, account, "POST", f"{base}/pages", {"title": f"Page {p}", "blocks": blocks})
    library = (await call(stack, account, "GET", f"{base}/assets"))["assets"]
    for i in range(max(0, PHOTOS - len(library))):
        await call(
            stack, account, "POST", f"{base}/assets", raw=png(n * 100 + i, 2000, 800, 600), query=f"name=photo-{i}.png"
        )
    pages = (await call(stack, account, "GET", base))["pages"]
    for version in range(PUBLISHES):
        page = pages[version % len(pages)]["id"]
        await call(stack, account, "PUT", f"{base}/pages/{page}", {"title": f"Updated {version}"})
        await call(stack, account, "POST", f"{base}/publish", {})
    await call(stack, account, "POST", f"{base}/preview", {})
    store = await stack.site_db(sid)
    for i in range(LEADS):  # a year of enquiries, as the form post stores them
        await store.run(
            "INSERT INTO leads (id, site_id, block_id, page, name, email, phone, message, answers, created_at)"
            " VALUES (?, ?, 'b_form', '/contact/', ?, ?, '+44 20 7946 0000', ?, '[]', ?)",
            (f"l_{n}_{i}", sid, f"Visitor {i} Lastname", f"visitor{i}@example.com", "Hello, I would like " * 15, i),
        )
    return sid


class LaterClock:
    """The system's time, moved on by `offset` seconds (the bench lets an hour pass)."""

    offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset


def used_bytes(path: Path) -> int:
    """Bytes the tables and indexes use (SQLite's dbstat: pages less their free space), the schema
    aside: what the rows take however full the file's last pages are."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT sum(pgsize - unused) FROM dbstat WHERE name != 'sqlite_schema'").fetchone()
    return int(row[0] or 0)


async def main(sites: int, keep: str = "") -> None:
    from customer import app as customer_app  # importable once devstack has set the path
    from customer.maintenance import ORPHAN_GRACE_SECONDS

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        clock = LaterClock()
        stack = await stack_module.build(state, clock=clock)
        empty = used_bytes(state / "customer.sqlite3")
        ids = [await realistic_site(stack, n) for n in range(sites)]
        # As the Cron leaves it: orphan candidates collected after their grace (they are transient).
        clock.offset = ORPHAN_GRACE_SECONDS + 60
        job = customer_app.bootstrap_job(stack.settings["customer"], stack.ports["customer"])
        await job("*/10 * * * *", clock.now())
        assert stack.stores is not None
        stack.stores.close()
        d1 = (used_bytes(state / "customer.sqlite3") - empty) / sites
        stores = [used_bytes(stack.stores.root / f"{sid}.sqlite3") for sid in ids]
        store = sum(stores) / sites
        stack.close()
        if keep:
            shutil.copytree(state, keep, dirs_exist_ok=True)
    print(f"{sites} sites of the realistic profile ({PAGES} pages, {PHOTOS} photos, {LEADS} enquiries, "
          f"{PUBLISHES} publishes and a preview each)")  # fmt: skip
    print(f"{'':<26}{'per site':>12}{'at 1M sites':>14}  limit")
    print(f"{'customer D1 (the index)':<26}{d1 / 1e3:>9.1f} KB{d1 * MILLION / 1e9:>11.2f} GB  10 GB (D1)")
    print(f"{'a site store':<26}{store / 1e3:>9.1f} KB{'(one each)':>14}  10 GB per object; largest here "
          f"{max(stores) / 1e3:.1f} KB")  # fmt: skip
    print(f"{'before: all in one D1':<26}{(d1 + store) / 1e3:>9.1f} KB{(d1 + store) * MILLION / 1e9:>11.2f} GB  "
          f"10 GB: full at {D1_LIMIT / (d1 + store):,.0f} sites")  # fmt: skip
    print(f"after: customer D1 reaches 5 GB at {5e9 / d1:,.0f} sites, 10 GB at {D1_LIMIT / d1:,.0f}; a store "
          f"reaches 10 GB at {OBJECT_LIMIT / store:,.0f}x this profile")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=20)
    asyncio.run(main(parser.parse_args().sites))
