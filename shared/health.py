"""Store checks each worker's health route reports."""

from __future__ import annotations

from collections.abc import Iterable

from shared.log import log
from shared.ports import BlobStore, Database

PROBE_KEY = "health/probe"


async def check_database(db: Database, tables: Iterable[str]) -> str:
    """'ok' when the database answers and holds the tables its migrations create."""
    try:
        rows = await db.all("SELECT name FROM sqlite_master WHERE type = 'table'")
    except Exception as exc:  # A store that fails is a report, not a crash of the health route.
        log("health_d1_failed", exc)
        return f"error: {type(exc).__name__}"
    missing = sorted(set(tables) - {str(row["name"]) for row in rows})
    return f"missing tables: {', '.join(missing)}" if missing else "ok"


async def check_blob_store(blobs: BlobStore, write: bytes | None = None) -> str:
    """'ok' when the bucket answers a read; with `write`, when it also stores and returns those bytes
    (for workers that write to R2: a full round trip)."""
    try:
        if write is not None:
            await blobs.put(PROBE_KEY, write, "text/plain")
        probe = await blobs.get(PROBE_KEY)
    except Exception as exc:
        log("health_r2_failed", exc)
        return f"error: {type(exc).__name__}"
    if write is not None and (probe is None or probe.body != write):
        return "error: read back differs"
    return "ok"


def report(worker: str, stores: dict[str, str]) -> dict[str, object]:
    healthy = all(state == "ok" for state in stores.values())
    return {"worker": worker, "status": "ok" if healthy else "degraded", "stores": stores}
