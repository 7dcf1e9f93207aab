"""Customer's scheduled repair (Cron Trigger, `[triggers] crons` in wrangler.toml):

- stale publish locks: a publish killed half-way left its lock; it expires by itself
  (publish.LOCK_SECONDS), and this clears it so the state is tidy;
- orphaned files: files in R2 that nothing references (a publish killed after writing files and
  before recording its version) are noted, and deleted when still unreferenced a grace period
  later, so nothing being written right now is collected;
- stale domain claims: a hostname still `pending` (DNS never pointed) after PENDING_DOMAIN_DAYS is
  released at Cloudflare and here, so it is free for its rightful owner."""

from __future__ import annotations

from typing import Any

from customer import domains, publish
from customer.deps import CustomerDeps
from customer.model import Site
from shared.site_layout import file_key

ORPHAN_GRACE_SECONDS = 3600
PENDING_DOMAIN_DAYS = 14


async def run(deps: CustomerDeps) -> dict[str, Any]:
    return {
        "locks_released": await release_stale_locks(deps),
        **await collect_orphans(deps),
        "domains_expired": await expire_pending_domains(deps),
    }


async def release_stale_locks(deps: CustomerDeps) -> int:
    return await deps.db.run(
        "UPDATE sites SET publish_lock = NULL, publish_lock_owner = NULL WHERE publish_lock < ?", (deps.clock.now(),)
    )


async def collect_orphans(deps: CustomerDeps) -> dict[str, int]:
    now = deps.clock.now()
    noted = deleted = 0
    rows = await deps.db.all("SELECT * FROM sites ORDER BY id")
    for row in rows:
        if row["publish_lock"] is not None and float(row["publish_lock"]) >= now:
            continue  # a publish is writing files it has not recorded yet
        site = Site.from_row(row)
        unreferenced = await publish.stored_files(deps, site) - await publish.known_files(deps, site)
        seen = {
            str(r["sha256"]): float(r["first_seen"])
            for r in await deps.db.all("SELECT sha256, first_seen FROM orphan_files WHERE site_id = ?", (site.id,))
        }
        for sha in sorted(unreferenced):
            if sha not in seen:
                await deps.db.run(
                    "INSERT INTO orphan_files (site_id, sha256, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (site.id, sha, now),
                )
                noted += 1
            elif seen[sha] <= now - ORPHAN_GRACE_SECONDS:
                await deps.blobs.delete(file_key(site.id, sha))
                await deps.db.run("DELETE FROM orphan_files WHERE site_id = ? AND sha256 = ?", (site.id, sha))
                deleted += 1
        for sha in set(seen) - unreferenced:  # referenced again (or gone): no longer a candidate
            await deps.db.run("DELETE FROM orphan_files WHERE site_id = ? AND sha256 = ?", (site.id, sha))
    return {"orphans_noted": noted, "orphans_deleted": deleted}


async def expire_pending_domains(deps: CustomerDeps) -> int:
    cutoff = deps.clock.now() - PENDING_DOMAIN_DAYS * 86400
    rows = await deps.db.all(
        "SELECT hostname, cf_id FROM domains WHERE status = 'pending' AND created_at < ?", (cutoff,)
    )
    if rows:
        await domains.remove_rows(deps, rows)
    return len(rows)
