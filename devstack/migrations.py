"""Applies a worker's D1 migrations the way wrangler does: files in name order, recorded in
`d1_migrations`, each applied once."""

from __future__ import annotations

from pathlib import Path

from devstack.adapters import SqliteDatabase


async def apply(db: SqliteDatabase, folder: Path) -> list[str]:
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
