"""Customer's scheduled repair and retention (Cron Trigger, `[triggers] crons` in wrangler.toml),
as jobs on the JOBS queue (shared.jobs: the Cron only plans, each message is one bounded step):

- `locks`: a publish killed half-way left its lock; it expires by itself (publish.LOCK_SECONDS),
  and this clears it so the state is tidy (one statement);
- `orphans`: files that may have become unreferenced are recorded where it happens
  (customer.orphans: a publish's or preview's new files, dropped versions and previews); after
  ORPHAN_GRACE_SECONDS each candidate is checked against what the site still references, and its
  file deleted if nothing does. ORPHAN_PAGE candidates a step, walked with a cursor;
- `domains`: a hostname still `pending` (DNS never pointed) after PENDING_DOMAIN_DAYS is released at
  Cloudflare and here, so it is free for its rightful owner. DOMAIN_PAGE a step;
- `domain_checks`: a domain not yet live (or whose "live" mail mailer could not take) is asked of
  Cloudflare again at most every DOMAIN_CHECK_SECONDS, so it goes live, and its owner is mailed,
  even when nobody has the portal open (customer.domains.sync). DOMAIN_CHECK_PAGE a step, walked
  by hostname; a domain that changed (its site re-linked: a publish) ends the step, the walk goes
  on in the next message;
- `retention`: form attempts past the rate-limit window and expired address holds (shared.retention);
- `digests`: the daily digest of enquiries for the forms whose owner chose it (forms.send_digests),
  DIGEST_PAGE sites a step.

Each job is its own message: one failing (Cloudflare's API down) never holds the others back."""

from __future__ import annotations

import json
from typing import Any

from customer import domains, forms, publish, team
from customer.deps import CustomerDeps
from customer.model import Site
from customer.sitestore import IN_STORE
from shared.jobs import Body, Jobs, Step
from shared.log import log
from shared.ports import Queue
from shared.retention import Rule, sweep
from shared.site_layout import file_key

ORPHAN_GRACE_SECONDS = 3600
PENDING_DOMAIN_DAYS = 14
# Per step, under half of the 1,000 binding operations and of the Free plan's 50 subrequests: a
# candidate page spans at most ORPHAN_SITES sites, each costing 2 D1 statements (site, forget), one
# call to its store (what it still uses: a subrequest) and 1 R2 delete per file.
ORPHAN_PAGE = 60
ORPHAN_SITES = 20
# Per step: each domain is 1 Cloudflare call (a subrequest), 1 R2 delete and 1 D1 statement.
DOMAIN_PAGE = 25
# Per step: each domain is at most 2 Cloudflare calls, a few D1 statements and maybe one mail; a
# domain that turns active re-links its site (a publish's cost), so at most one of those a step.
DOMAIN_CHECK_PAGE = 10
DOMAIN_CHECK_SECONDS = 600
# Sites moved into their own store a step: each one D1 write and one call to its store (which
# copies its rows from D1: a few reads on its own invocation).
MOVE_PAGE = 20

RETENTION = (
    Rule("form_attempts", "form_attempts", "at < ?", forms.WINDOW_SECONDS),
    Rule("held_addresses", "held_addresses", "held_until < ?", 0),
    # A site's team (customer/team.py): invitation links dead for 30 days (accepted ones too: the
    # membership is its own row), and who-changed-what older than a year.
    Rule("site_invitations", "site_invitations", "expires_at < ?", 30 * 86400),
    # Only sites still in D1: a store drops its own lines past the year (customer/team.py, record).
    Rule(
        "site_activity",
        "site_activity",
        "at < ? AND site_id IN (SELECT id FROM sites WHERE store IS NULL)",
        team.ACTIVITY_KEEP_SECONDS,
    ),
)


def jobs(deps: CustomerDeps, queue: Queue | None) -> Jobs:
    async def locks(body: Body) -> Step:
        return Step({"locks_released": await release_stale_locks(deps)})

    async def orphans(body: Body) -> Step:
        return await collect_orphans(deps, body.get("after"))

    async def domains_step(body: Body) -> Step:
        return await expire_pending_domains(deps, body.get("after"))

    async def domain_checks(body: Body) -> Step:
        return await check_pending_domains(deps, body.get("after"))

    async def retention(body: Body) -> Step:
        report, more = await sweep(deps.db, RETENTION, deps.clock.now())
        return Step(report, ({"job": "retention"},) if more else ())

    async def stores(body: Body) -> Step:
        return await move_sites(deps, body.get("after"))

    async def digests(body: Body) -> Step:
        report, more = await forms.send_digests(deps)
        return Step(report, ({"job": "digests"},) if more else ())

    return Jobs(
        {
            "locks": locks,
            "orphans": orphans,
            "domains": domains_step,
            "domain_checks": domain_checks,
            "retention": retention,
            "digests": digests,
            "stores": stores,
        },
        queue,
    )


async def release_stale_locks(deps: CustomerDeps) -> int:
    return await deps.db.run(
        "UPDATE sites SET publish_lock = NULL, publish_lock_owner = NULL WHERE publish_lock < ?", (deps.clock.now(),)
    )


async def collect_orphans(deps: CustomerDeps, after: Any = None) -> Step:
    """One page of candidates past the grace, from the cursor `after` ([site id, sha256])."""
    now = deps.clock.now()
    cutoff = now - ORPHAN_GRACE_SECONDS
    site_after, sha_after = (str(after[0]), str(after[1])) if isinstance(after, list) and len(after) == 2 else ("", "")
    rows = await deps.db.all(
        "SELECT site_id, sha256 FROM orphan_files WHERE first_seen < ? AND (site_id, sha256) > (?, ?)"
        " ORDER BY site_id, sha256 LIMIT ?",
        (cutoff, site_after, sha_after, ORPHAN_PAGE),
    )
    full = len(rows) == ORPHAN_PAGE
    by_site: dict[str, list[str]] = {}
    for n, row in enumerate(rows):
        if str(row["site_id"]) not in by_site and len(by_site) == ORPHAN_SITES:
            rows, full = rows[:n], True  # the rest in the next step: one store call per site
            break
        by_site.setdefault(str(row["site_id"]), []).append(str(row["sha256"]))
    deleted = kept = failed = 0
    for site_id, shas in by_site.items():
        try:
            found = await deps.db.all("SELECT * FROM sites WHERE id = ?", (site_id,))
            if found and found[0]["publish_lock"] is not None and float(found[0]["publish_lock"]) >= now:
                continue  # a publish is writing files it has not recorded yet: checked at a later run
            site = Site.from_row(found[0]) if found else None
            known = await publish.known_files(deps, site) if site is not None else set()  # a deleted site keeps nothing
            for sha in shas:
                if sha in known:
                    kept += 1
                else:
                    await deps.blobs.delete(file_key(site_id, sha))
                    deleted += 1
            await deps.db.run(
                "DELETE FROM orphan_files WHERE site_id = ? AND first_seen < ?"
                " AND sha256 IN (SELECT value FROM json_each(?))",
                (site_id, cutoff, json.dumps(shas)),
            )
        except Exception as exc:  # this site's candidates stay for a later run; the walk goes on
            failed += 1
            log("orphans_failed", exc, site_id=site_id)
    more: tuple[Body, ...] = ()
    if full:
        last = rows[-1]
        more = ({"job": "orphans", "after": [str(last["site_id"]), str(last["sha256"])]},)
    return Step({"orphans_deleted": deleted, "orphans_referenced": kept, "orphans_failed": failed}, more)


async def move_sites(deps: CustomerDeps, after: Any = None) -> Step:
    """One page of sites whose rows are still in D1, from the cursor `after` (a site id), each moved
    into its own store (customer/sitestore.py): its mark set (D1 then refuses writes to its old rows)
    and its store opened, which copies them. A store that cannot open now copies at its next use."""
    rows = await deps.db.all(
        "SELECT id FROM sites INDEXED BY sites_in_d1 WHERE store IS NULL AND id > ? ORDER BY id LIMIT ?",
        (str(after or ""), MOVE_PAGE),
    )
    moved = failed = 0
    for row in rows:
        site_id = str(row["id"])
        try:
            await deps.db.run("UPDATE sites SET store = ? WHERE id = ? AND store IS NULL", (IN_STORE, site_id))
            await deps.stores.database(site_id).all("SELECT count(*) AS n FROM pages")
            moved += 1
        except Exception as exc:  # this one waits for a later run (or copies at its next use)
            failed += 1
            log("site_move_failed", exc, site_id=site_id)
    more = ({"job": "stores", "after": str(rows[-1]["id"])},) if len(rows) == MOVE_PAGE else ()
    return Step({"sites_moved": moved, "site_moves_failed": failed}, more)


async def expire_pending_domains(deps: CustomerDeps, after: Any = None) -> Step:
    """One page of stale pending domains, from the cursor `after` (a hostname)."""
    cutoff = deps.clock.now() - PENDING_DOMAIN_DAYS * 86400
    rows = await deps.db.all(
        "SELECT hostname, cf_id FROM domains WHERE status = 'pending' AND created_at < ? AND hostname > ?"
        " ORDER BY hostname LIMIT ?",
        (cutoff, str(after or ""), DOMAIN_PAGE),
    )
    expired = failed = 0
    for row in rows:
        try:
            await domains.remove_rows(deps, [row])
            expired += 1
        except Exception as exc:  # Cloudflare refused or is down: this one waits for a later run
            failed += 1
            log("domain_expiry_failed", exc, hostname=row["hostname"])
    if failed == len(rows) > 0:
        raise RuntimeError(f"no stale domain could be released ({failed})")  # retried, with backoff
    more = ({"job": "domains", "after": str(rows[-1]["hostname"])},) if len(rows) == DOMAIN_PAGE else ()
    return Step({"domains_expired": expired, "domains_failed": failed}, more)


async def check_pending_domains(deps: CustomerDeps, after: Any = None) -> Step:
    """One page of domains that may still turn live (or still owe their mail), from the cursor
    `after` (a hostname); each asked of Cloudflare at most every DOMAIN_CHECK_SECONDS."""
    now = deps.clock.now()
    rows = await deps.db.all(
        "SELECT hostname, checked_at FROM domains INDEXED BY domains_to_check"
        " WHERE redirect_to IS NULL AND (status = 'pending' OR live_mailed_at IS NULL) AND hostname > ?"
        " ORDER BY hostname LIMIT ?",
        (str(after or ""), DOMAIN_CHECK_PAGE),
    )
    checked = live = failed = 0
    last = None
    for row in rows:
        last = str(row["hostname"])
        if row["checked_at"] is not None and float(row["checked_at"]) > now - DOMAIN_CHECK_SECONDS:
            continue  # the owner's panel (or an earlier run) asked a moment ago
        try:
            changed = await domains.sync_hostname(deps, last)
            checked += 1
        except Exception as exc:  # Cloudflare down: this one waits for a later run
            failed += 1
            log("domain_check_failed", exc, hostname=last)
            continue
        if changed:
            live += 1
            break  # its site was re-linked: the rest in the next step
    more = (
        ({"job": "domain_checks", "after": last},)
        if last is not None and (live or len(rows) == DOMAIN_CHECK_PAGE)
        else ()
    )
    return Step({"domains_checked": checked, "domains_changed": live, "domain_checks_failed": failed}, more)
