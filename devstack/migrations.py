"""Applies a worker's D1 migrations the way wrangler does: files in name order, recorded in
`d1_migrations`, each applied once."""

from __future__ import annotations

from pathlib import Path

from devstack.adapters import SqliteDatabase

TABLE = "d1_migrations"


async def apply(db: SqliteDatabase, folder: Path) -> list[str]:
    await db.run(f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                 " name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)")
    done = {row["name"] for row in await db.all(f"SELECT name FROM {TABLE}")}
    applied = []
    for path in sorted(folder.glob("*.sql")):
        if path.name in done:
            continue
        # One transaction per file, so a broken migration leaves nothing half-applied.
        name = path.name.replace("'", "''")
        db.execute_script(f"{path.read_text()}\nINSERT INTO {TABLE} (name) VALUES ('{name}');")
        applied.append(path.name)
    return applied
