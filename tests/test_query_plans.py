"""No statement walks a whole table that grows with the customers ("design for a million sites"):
every SQL statement written out in a D1-owning worker's code is planned by SQLite (D1's engine) on
that worker's migrated schema with EXPLAIN QUERY PLAN, and a plan that scans a table fails, but for
the few listed below with the reason their walk is bounded. Statements assembled at run time
(placeholders for a list) are not seen here."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
D1_OWNERS = ("core", "customer", "billing", "mailer")
# Statements whose walk is allowed, with why: (worker, a part of the statement) -> reason.
BOUNDED = {
    ("billing", "WHERE checkout_at IS NOT NULL OR first_paid_at IS NOT NULL"): (
        "the funnel behind core's operator report reads every subscription that ever checked out"
    ),
}


def statements(worker: str) -> list[tuple[str, str]]:
    """Every SQL statement written out in the worker's code, as (where, sql)."""
    found = []
    for path in sorted((ROOT / "workers" / worker / "src" / worker).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                sql = " ".join(node.value.split())
                if re.match(r"(SELECT|UPDATE|DELETE|INSERT|WITH) ", sql):
                    found.append((f"{path.name}:{node.lineno}", sql))
    return found


def migrated(worker: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    for migration in sorted((ROOT / "workers" / worker / "migrations").glob("*.sql")):
        db.executescript(migration.read_text())
    return db


def walks(db: sqlite3.Connection, sql: str) -> list[str] | None:
    """The tables the plan scans whole; None for a fragment of a statement assembled at run time."""
    try:
        plan = db.execute(f"EXPLAIN QUERY PLAN {sql}", [None] * sql.count("?")).fetchall()
    except sqlite3.OperationalError:
        return None
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    aliases = {alias: table for table, alias in re.findall(r"(?:FROM|JOIN) (\w+) (?:AS )?(\w+)", sql)}
    scanned = [m.group(1) for row in plan if (m := re.match(r"SCAN (\w+)$", row[3]))]  # "... USING INDEX" is not a walk
    return sorted({aliases.get(name, name) for name in scanned} & tables)


@pytest.mark.parametrize("worker", D1_OWNERS)
def test_no_statement_walks_a_whole_table(worker: str) -> None:
    db = migrated(worker)
    planned = {where: (sql, plan) for where, sql in statements(worker) if (plan := walks(db, sql)) is not None}
    assert len(planned) > 20  # the code was read
    allowed = [part for (owner, part) in BOUNDED if owner == worker]
    walking = {
        where: (sql[:110], tables)
        for where, (sql, tables) in planned.items()
        if tables and not any(part in sql for part in allowed)
    }
    assert walking == {}


def test_the_check_sees_a_walk_and_an_aliased_one() -> None:
    db = migrated("customer")
    assert walks(db, "SELECT * FROM domains WHERE cut_over_at = ?") == ["domains"]
    joined = "SELECT d.* FROM domains d JOIN sites s ON s.id = d.site_id WHERE d.cut_over_at = ?"
    assert walks(db, joined) == ["domains"]
    assert walks(db, "SELECT * FROM sites WHERE id = ?") == []
