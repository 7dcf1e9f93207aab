from pathlib import Path

import pytest

from devstack import migrations
from devstack.adapters import SqliteDatabase


async def test_applies_in_order_once(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0002_more.sql").write_text("ALTER TABLE a ADD COLUMN y;")
    (folder / "0001_init.sql").write_text("CREATE TABLE a (x);")
    db = SqliteDatabase(tmp_path / "d.sqlite3")
    assert await migrations.apply(db, folder) == ["0001_init.sql", "0002_more.sql"]
    assert await migrations.apply(db, folder) == []
    assert [r["name"] for r in await db.all("SELECT name FROM d1_migrations ORDER BY id")] == [
        "0001_init.sql",
        "0002_more.sql",
    ]


async def test_a_broken_migration_is_not_recorded_and_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_bad.sql").write_text("CREATE TABLE b (x); THIS IS NOT SQL;")
    db = SqliteDatabase(tmp_path / "d.sqlite3")
    with pytest.raises(Exception, match="syntax"):
        await migrations.apply(db, folder)
    tables = {r["name"] for r in await db.all("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "b" not in tables
    assert await db.all("SELECT name FROM d1_migrations") == []
