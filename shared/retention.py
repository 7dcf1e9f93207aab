"""Retention: rows past their period are deleted in bounded chunks (docs/operations.md,
"Retention"). One chunk is one statement deleting at most CHUNK rows; a step runs at most
CHUNKS_PER_STEP of them per rule, so a step costs a bounded number of binding operations whatever
the backlog, and a backlog is worked off over the next runs. Each rule is isolated: a failing one is
logged and the others still run."""

from __future__ import annotations

from dataclasses import dataclass

from shared.log import log
from shared.ports import Clock, Database
from shared.scheduled import Job

CHUNK = 500
CHUNKS_PER_STEP = 10
DAY = 86400


@dataclass(frozen=True)
class Rule:
    """Rows of `table` for which `expired` holds (its one `?` is now minus `keep_seconds`)."""

    name: str
    table: str
    expired: str
    keep_seconds: float


async def sweep(db: Database, rules: tuple[Rule, ...], now: float) -> tuple[dict[str, int], bool]:
    """Deletes expired rows, bounded; returns the counts per rule and whether any rule has more."""
    report: dict[str, int] = {}
    more = False
    for rule in rules:
        deleted = 0
        try:
            for _ in range(CHUNKS_PER_STEP):
                n = await db.run(
                    f"DELETE FROM {rule.table} WHERE rowid IN"  # noqa: S608 (names are constants)
                    f" (SELECT rowid FROM {rule.table} WHERE {rule.expired} LIMIT {CHUNK})",
                    (now - rule.keep_seconds,),
                )
                deleted += n
                if n < CHUNK:
                    break
            else:
                more = True
        except Exception as exc:
            log("retention_failed", exc, rule=rule.name)
        report[f"retention_{rule.name}"] = deleted
    return report, more


def job(db: Database, clock: Clock, rules: tuple[Rule, ...]) -> Job:
    """A Cron job that sweeps `rules` one bounded step a run (a backlog is worked off over the next runs)."""

    async def run(cron: str, scheduled_time: float) -> dict[str, int]:
        report, _ = await sweep(db, rules, clock.now())
        return report

    return run
