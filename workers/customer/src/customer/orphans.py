"""Orphan candidates, recorded where files can become unreferenced (docs/operations.md, "Scheduled
work"): a publish or preview notes the files it is about to write (if it dies before recording its
version they are orphans), and dropping versions or a preview notes the files they used. The
scheduled collector (customer.maintenance) checks each candidate after a grace period and deletes
the file if nothing references it then. So nothing ever lists a site's files to find orphans.

One row per (site, file) in `orphan_files`; noting again restarts the grace (a file being written
again is in use)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from shared.ports import Clock, Database

PER_STATEMENT = 500  # 500 × 67 bytes of JSON stays far inside D1's 100 KB statement limit


def _batches(shas: Iterable[str]) -> Iterator[str]:
    """The hashes as JSON arrays of at most PER_STATEMENT, for `json_each(?)`."""
    todo = sorted(set(shas))
    for start in range(0, len(todo), PER_STATEMENT):
        yield json.dumps(todo[start : start + PER_STATEMENT])


async def note(db: Database, clock: Clock, site_id: str, shas: Iterable[str]) -> float:
    """Records the candidates (one statement per PER_STATEMENT); returns the time noted."""
    now = clock.now()
    for batch in _batches(shas):
        await db.run(
            "INSERT INTO orphan_files (site_id, sha256, first_seen) SELECT ?, value, ? FROM json_each(?) WHERE true"
            " ON CONFLICT (site_id, sha256) DO UPDATE SET first_seen = excluded.first_seen",
            (site_id, now, batch),
        )
    return now


async def forget(db: Database, site_id: str, shas: Iterable[str], noted_at: float) -> None:
    """Drops candidates handled by their own caller, unless noted again since `noted_at`."""
    for batch in _batches(shas):
        await db.run(
            "DELETE FROM orphan_files WHERE site_id = ? AND first_seen <= ?"
            " AND sha256 IN (SELECT value FROM json_each(?))",
            (site_id, noted_at, batch),
        )
