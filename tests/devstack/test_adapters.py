import sqlite3
from pathlib import Path

import pytest

from devstack.adapters import CHUNK_BYTES, FolderBlobStore, SqliteDatabase, read_stream


@pytest.fixture
def db(tmp_path: Path):
    database = SqliteDatabase(tmp_path / "t.sqlite3")
    database.execute_script("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);")
    yield database
    database.close()


async def test_run_counts_changes_and_all_returns_dicts(db: SqliteDatabase) -> None:
    assert await db.run("INSERT INTO t VALUES (?, ?)", ("a", 1)) == 1
    assert await db.all("SELECT k, v FROM t") == [{"k": "a", "v": 1}]


async def test_batch_is_all_or_nothing(db: SqliteDatabase) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await db.batch([("INSERT INTO t VALUES (?, ?)", ("a", 1)), ("INSERT INTO t VALUES (?, ?)", ("b", None))])
    assert await db.all("SELECT * FROM t") == []


def test_a_failing_script_leaves_nothing_behind(db: SqliteDatabase) -> None:
    with pytest.raises(sqlite3.OperationalError):
        db.execute_script("CREATE TABLE u (x); INSERT INTO nowhere VALUES (1);")
    with pytest.raises(sqlite3.OperationalError):
        db.execute_script("SELECT * FROM u;")


async def test_blob_round_trip_and_listing(tmp_path: Path) -> None:
    blobs = FolderBlobStore(tmp_path)
    await blobs.put("sites/a/index.html", b"<p>hi", "text/html", {"v": "1"})
    await blobs.put("../../escape", b"x")
    got = await blobs.get("sites/a/index.html")
    assert got is not None
    assert (got.body, got.content_type, got.metadata) == (b"<p>hi", "text/html", {"v": "1"})
    assert got.etag.startswith('"')
    assert await blobs.list("sites/") == ["sites/a/index.html"]
    # Keys are opaque: a key that looks like a path stays inside the folder.
    assert all(p.parent == tmp_path for p in tmp_path.iterdir())
    await blobs.delete("sites/a/index.html")
    assert await blobs.get("sites/a/index.html") is None


async def test_blob_open_streams_whole_objects_and_ranges_in_chunks(tmp_path: Path) -> None:
    blobs = FolderBlobStore(tmp_path)
    body = bytes(range(256)) * 1024  # 256 KiB: several chunks
    await blobs.put("big", body, "image/png")
    whole = await blobs.open("big")
    assert whole is not None
    assert (whole.size, whole.content_type, whole.stream.length) == (len(body), "image/png", len(body))
    chunks = [chunk async for chunk in whole.stream.native]
    assert len(chunks) > 1
    assert max(map(len, chunks)) <= CHUNK_BYTES
    assert b"".join(chunks) == body
    part = await blobs.open("big", 100_000, 100_009)
    assert part is not None
    assert (part.size, part.stream.length) == (len(body), 10)
    assert await read_stream(part.stream) == body[100_000:100_010]
    tail = await blobs.open("big", len(body) - 3, len(body) + 50)  # past the end: up to the end
    assert tail is not None
    assert await read_stream(tail.stream) == body[-3:]
    assert await blobs.open("missing") is None
