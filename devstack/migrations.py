"""Applies a worker's D1 migrations the way wrangler does: files in name order, recorded in
`d1_migrations`, each applied once."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from devstack.adapters import SqliteDatabase

# A fresh database with a folder's migrations applied, kept per process by the folder's exact content:
# the tests build hundreds of stacks, and copying a migrated database costs a tenth of applying it.
_migrated: dict[str, tuple[sqlite3.Connection, list[str]]] = {}


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256(str(folder.resolve()).encode())
    for path in sorted(folder.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


async def apply(db: SqliteDatabase, folder: Path) -> list[str]:
    """Applies what is not applied yet; a fresh database gets a copy of the same result made once."""
    if not db.is_empty():
        return await _apply_each(db, folder)
    key = _fingerprint(folder)
    if key in _migrated:
        template, names = _migrated[key]
        db.copy_from(template)
        return list(names)
    names = await _apply_each(db, folder)
    template = sqlite3.connect(":memory:", check_same_thread=False)
    db.copy_to(template)
    _migrated[key] = (template, names)
    return list(names)


async def _apply_each(db: SqliteDatabase, folder: Path) -> list[str]:
    await db.run(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)"
    )
    done = {row["name"] for row in await db.all("SELECT name FROM d1_migrations")}
    applied = []
    for path in sorted(folder.glob("*.sql")):
        if path.name in done:
            continue
        # One transaction per file, so a broken migration leaves nothing half-applied.
        name = path.name.replace("'", "''")
        db.execute_script(f"{path.read_text()}\nINSERT INTO d1_migrations (name) VALUES ('{name}');")
        applied.append(path.name)
    return applied
