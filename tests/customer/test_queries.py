"""Customer's reads stay the same size whatever the number of customers, sites and domains (issue
25.5, and "design for a million sites"): no statement of customer's code walks the whole `sites` or
`domains` table (each is checked with SQLite's EXPLAIN QUERY PLAN on the migrated schema, D1's
engine), the dashboard's list reads D1 as often for five sites as for one, and a write looks up its
site's rank among the owner's sites without loading them all."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from devstack.stack import Stack
from tests.customer.conftest import Owner

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "workers" / "customer" / "src" / "customer"
MIGRATIONS = ROOT / "workers" / "customer" / "migrations"
GROWING = ("sites", "domains")  # a row (or more) per site of every customer


def statements() -> list[tuple[str, str]]:
    """Every SQL statement written out in customer's code, as (where, sql). Statements assembled at run
    time (placeholders for a list) are not seen here."""
    found = []
    for path in sorted(CODE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = " ".join(node.value.split())
                if re.match(r"(SELECT|UPDATE|DELETE|INSERT|WITH) ", sql):
                    found.append((f"{path.name}:{node.lineno}", sql))
    return found


def scans(db: sqlite3.Connection, sql: str) -> list[str] | None:
    """The plan's walks over a whole growing table; None for a fragment of a statement assembled at
    run time (not SQL on its own)."""
    try:
        plan = db.execute(f"EXPLAIN QUERY PLAN {sql}", [None] * sql.count("?")).fetchall()
    except sqlite3.OperationalError:
        return None
    return [row[3] for row in plan if re.match(rf"SCAN ({'|'.join(GROWING)})\b(?! USING)", row[3])]


def migrated() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    for migration in sorted(MIGRATIONS.glob("*.sql")):
        db.executescript(migration.read_text())
    return db


def test_no_statement_walks_every_site_or_every_domain() -> None:
    db = migrated()
    planned = {where: (sql, plan) for where, sql in statements() if (plan := scans(db, sql)) is not None}
    assert len(planned) > 100  # the code was read
    walking = {where: (sql[:100], plan) for where, (sql, plan) in planned.items() if plan}
    assert walking == {}


def test_the_check_sees_a_walk() -> None:
    db = migrated()
    assert scans(db, "SELECT * FROM domains WHERE cut_over_at = ?") == ["SCAN domains"]
    assert scans(db, "SELECT * FROM sites WHERE id = ?") == []


def recorded(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every read of customer's D1 from now on: (statement, rows it returned)."""
    reads: list[tuple[str, int]] = []
    d1 = stack.databases["customer"]
    original = d1.all

    async def recording(sql: str, params: Any = ()) -> Any:
        rows = await original(sql, params)
        reads.append((sql, len(rows)))
        return rows

    monkeypatch.setattr(d1, "all", recording)
    return reads


async def sites_with_domains(owner: Owner, n: int, start: int = 0) -> list[dict[str, Any]]:
    made = []
    for i in range(start, start + n):
        site = await owner.new_site(f"Bakery {i}")
        await owner.ok("POST", "/api/v1/domains", {"site_id": site["id"], "hostname": f"bakery-{i}.example.com"}, 201)
        made.append(site)
    return made


async def test_the_dashboards_list_reads_d1_as_often_for_five_sites_as_for_one(
    owner: Owner, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sites_with_domains(owner, 1)
    reads = recorded(stack, monkeypatch)
    one = await owner.ok("GET", "/api/v1/sites")
    for_one = len(reads)
    monkeypatch.undo()
    await sites_with_domains(owner, 4, start=1)
    reads = recorded(stack, monkeypatch)
    five = await owner.ok("GET", "/api/v1/sites")
    assert [len(s["domains"]) for s in five["sites"]] == [1] * 5  # each site's own domain listed
    assert one["sites"][0] in five["sites"]
    assert len(reads) == for_one, reads


async def test_a_write_reads_as_many_site_rows_with_five_sites_as_with_one(
    owner: Owner, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def rows_read_by_a_save(site: dict[str, Any]) -> int:
        reads = recorded(stack, monkeypatch)
        await owner.ok("PATCH", f"/api/v1/sites/{site['id']}", {"name": f"{site['name']} & Co"})
        monkeypatch.undo()
        return sum(rows for sql, rows in reads if re.search(r"\bFROM sites\b", sql))

    first = await owner.new_site("Bakery 0")
    with_one = await rows_read_by_a_save(first)
    for i in range(1, 5):
        await owner.new_site(f"Bakery {i}")
    assert await rows_read_by_a_save(first) == with_one
