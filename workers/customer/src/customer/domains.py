"""Custom domains through Cloudflare for SaaS: register, show the DNS records, refresh until
active, remove. `example.com` and `www.example.com` come as a pair: both are registered and the
apex redirects to www (an apex cannot hold a plain CNAME at most DNS hosts; www can). Any other
name (`shop.example.com`) is registered on its own.

A domain serves nothing until Cloudflare reports both the hostname and its certificate active;
then the site is re-published so its canonical URLs, sitemap and HSTS follow the new host. The
apex/www split counts labels, so names under two-part suffixes (example.co.uk) are treated as
subdomains: connect www.example.co.uk and set the apex redirect at the DNS host.

Claims: a hostname is the account's for good only once Cloudflare reports it active, which needs
the customer's DNS (the ownership TXT `_cf-custom-hostname.<host>` or the HTTP token, and the
CNAME). A pending claim holds the name for PENDING_CLAIM_SECONDS; after that anyone, another
account included, may claim it, and the stale claim (its Cloudflare custom hostname too) is
removed. So nobody can squat a name they cannot prove."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from customer import connect, publish
from customer.cloudflare import CloudflareClient, CustomHostname
from customer.deps import CustomerDeps
from customer.model import Owner, Site
from customer.store import owned_site, owner_email, site_by_id, sites_of
from shared import plans, site_layout
from shared.errors import HttpError
from shared.log import log
from shared.schema import Field, Str, check_fields, invalid

_HOSTNAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])$")
PENDING_CLAIM_SECONDS = 3 * 24 * 3600
# After its pending claim lapses (or is dropped unproven), an account waits this long before it may
# claim the name again: the name's real owner gets a window (issue 23, L13).
CLAIM_COOLDOWN_SECONDS = 2 * 24 * 3600
_FORGOTTEN_AFTER = PENDING_CLAIM_SECONDS + CLAIM_COOLDOWN_SECONDS
FORBIDDEN_SUFFIXES = ("smartpages.online", "smartpages.site", "localhost", "cloudflare.com", "workers.dev")

ADD_DOMAIN: dict[str, Field] = {
    "site_id": Str(max_length=40, required=True),
    "hostname": Str(max_length=253, required=True),
}


def client(deps: CustomerDeps) -> CloudflareClient:
    s = deps.settings
    if deps.http is None or not s.cf_api_token or not s.cf_zone_id:
        raise HttpError(503, "custom_domains_unavailable", "Custom domains are not configured on this deployment.")
    return CloudflareClient(deps.http, s.cf_api_base, s.cf_api_token, s.cf_zone_id)  # Timed in CustomerDeps.of


def normalise(value: str) -> str:
    """Whatever she pasted, as the hostname it names (issue 28.1): a URL's scheme, user, port, path,
    query and fragment dropped, spaces and a final dot trimmed, capitals lowered, an international
    name (IDN) in its ASCII form (punycode). `https://WWW.Harbourlane-Bakery.ch/` is
    `www.harbourlane-bakery.ch`; `Bäckerei.ch` is `xn--bckerei-5wa.ch`. Not a check: check_hostname is."""
    host = value.strip()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.strip().rstrip(".").lower()
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host  # check_hostname refuses it in plain words
    return host


def check_hostname(deps: CustomerDeps, value: str) -> str:
    host = normalise(value)
    if not _HOSTNAME.match(host):
        raise invalid("hostname", "must be a domain name like www.example.com")
    for suffix in (*FORBIDDEN_SUFFIXES, deps.settings.sites_domain):
        if host == suffix or host.endswith("." + suffix):
            raise invalid("hostname", f"cannot be a name under {suffix}")
    return host


def pair(host: str) -> tuple[list[str], str | None]:
    """(hostnames to register, the apex that redirects to www or None)."""
    labels = host.split(".")
    if len(labels) == 2:
        return [f"www.{host}", host], host
    if len(labels) == 3 and labels[0] == "www":
        return [host, host[4:]], host[4:]
    return [host], None


def domain_json(deps: CustomerDeps, rows: list[dict[str, Any]]) -> dict[str, Any]:
    canonical = next((r for r in rows if not r["redirect_to"]), rows[0])
    return {
        "hostname": canonical["hostname"],
        "site_id": canonical["site_id"],
        "understood": connect.understood(rows),
        "status": "active" if all(r["status"] == "active" for r in rows) else "pending",
        # Visitors reach the site at `hostname` (its record and certificate are active), even while
        # the apex that redirects to it waits for its own record.
        "live": canonical["status"] == "active",
        # Cut over on day 14 after a downgrade (cut_over_account): it redirects to the site's own
        # address until a publish on a plan with custom domains.
        "paused": any(r.get("cut_over_at") is not None for r in rows),
        # Until active, the claim lapses then (the name is free for anyone again).
        "claim_expires_at": None
        if all(r["status"] == "active" for r in rows)
        else min(float(r["created_at"]) for r in rows) + PENDING_CLAIM_SECONDS,
        "hostnames": [
            {
                "hostname": r["hostname"],
                "status": r["status"],
                "ssl_status": r["ssl_status"],
                "redirects_to": r["redirect_to"],
            }
            for r in rows
        ],
        "dns_records": connect.needed(deps, rows),
    }


async def _group(deps: CustomerDeps, cid: str, hostname: str) -> tuple[Site, list[dict[str, Any]]]:
    """The domain (with its apex/www partner) if the account owns it, else 404."""
    host = hostname.strip().lower()
    rows = await deps.db.all("SELECT * FROM domains WHERE hostname = ?", (host,))
    site = await site_by_id(deps.db, str(rows[0]["site_id"])) if rows else None
    if not rows or site is None or site.customer_id != cid:
        raise HttpError(404, "domain_not_found", "No such domain on your account.")
    row = rows[0]
    root = row["redirect_to"] or row["hostname"]
    partners = await deps.db.all(
        "SELECT * FROM domains WHERE site_id = ? AND (hostname = ? OR redirect_to = ?)"
        " ORDER BY redirect_to IS NOT NULL, hostname",
        (site.id, root, root),
    )
    return site, partners


async def list_domains(deps: CustomerDeps, owner: Owner) -> list[dict[str, Any]]:
    out = []
    for site in await sites_of(deps.db, owner.customer_id):
        rows = await deps.db.all("SELECT * FROM domains WHERE site_id = ? ORDER BY created_at, hostname", (site.id,))
        roots = [r for r in rows if not r["redirect_to"]]
        for root in roots:
            group = [root, *[r for r in rows if r["redirect_to"] == root["hostname"]]]
            out.append(domain_json(deps, group))
    return out


async def add_domain(deps: CustomerDeps, owner: Owner, body: dict[str, Any]) -> dict[str, Any]:
    cid = owner.customer_id
    data = check_fields(ADD_DOMAIN, body)
    site = await owned_site(deps.db, cid, data["site_id"])
    host = check_hostname(deps, data["hostname"])
    used = await deps.db.all(
        "SELECT count(*) AS n FROM domains d JOIN sites s ON s.id = d.site_id"
        " WHERE s.customer_id = ? AND d.redirect_to IS NULL",
        (cid,),
    )
    plans.require_room(owner.plan, "custom_domains", int(used[0]["n"]))
    names, apex = pair(host)
    await require_hostname_room(deps, len(names))
    await free_lapsed_claims(deps, names)
    started = await claim_started(deps, cid, names)
    cf = client(deps)
    created: list[CustomHostname] = []
    try:
        for name in names:
            created.append(await cf.create(name))
    except HttpError:
        for done in created:  # all or nothing: do not leave half a pair registered
            await cf.delete(done.id)
        raise
    await deps.db.batch(
        [
            (
                "INSERT INTO domains (hostname, site_id, status, created_at, cf_id, redirect_to, records, ssl_status)"
                " VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)",
                (
                    c.hostname,
                    site.id,
                    started,  # the claim's clock: an earlier unproven claim's start, if any
                    c.id,
                    names[0] if c.hostname == apex else None,
                    json.dumps(c.records),
                    c.ssl_status,
                ),
            )
            for c in created
        ]
    )
    _, rows = await _group(deps, cid, names[0])
    return domain_json(deps, rows)


async def require_hostname_room(deps: CustomerDeps, wanted: int) -> None:
    """The zone's custom hostnames (every site's, apex and www each count) stay under Cloudflare's
    cap: past it, 409 `domains_full` in plain words and a log line for the operator (one count
    over the domains' primary key: a rare request)."""
    total = int((await deps.db.all("SELECT count(*) AS n FROM domains"))[0]["n"])
    if total + wanted <= deps.settings.custom_hostname_limit:
        return
    log("custom_hostname_limit_reached", hostnames=total, limit=deps.settings.custom_hostname_limit)
    raise HttpError(
        409,
        "domains_full",
        "We cannot connect new domains right now. Your site stays online at its SmartPages address;"
        " please try again in a few days.",
    )


async def free_lapsed_claims(deps: CustomerDeps, names: list[str]) -> None:
    """Removes claims on `names` that were never proven in time; 409 if a live claim holds one."""
    marks = ", ".join("?" for _ in names)
    taken = await deps.db.all(f"SELECT * FROM domains WHERE hostname IN ({marks})", names)  # noqa: S608
    if not taken:
        return
    roots = sorted({str(r["redirect_to"] or r["hostname"]) for r in taken})
    root_marks = ", ".join("?" for _ in roots)
    groups = await deps.db.all(
        f"SELECT * FROM domains WHERE hostname IN ({root_marks}) OR redirect_to IN ({root_marks})",  # noqa: S608
        [*roots, *roots],
    )
    now = deps.clock.now()
    live = [r for r in groups if r["status"] == "active" or now - float(r["created_at"]) < PENDING_CLAIM_SECONDS]
    if live:
        name = taken[0]["hostname"]
        if any(r["status"] == "active" for r in live):
            raise HttpError(
                409, "domain_taken", f"{name} is already connected to a site.", details={"field": "hostname"}
            )
        # Unproven: say when the other claim lapses, so the owner knows when to try again.
        lapses = min(float(r["created_at"]) for r in live) + PENDING_CLAIM_SECONDS
        raise HttpError(
            409,
            "domain_taken",
            f"Someone else has asked to connect {name} but has not proven they own it. If they do not,"
            f" you can connect it from {_when(lapses)}.",
            details={"field": "hostname", "claim_expires_at": lapses},
        )
    await remember_claims(deps, groups)
    await remove_rows(deps, groups)


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%d %B %Y, %H:%M UTC").lstrip("0")


async def remember_claims(deps: CustomerDeps, rows: list[dict[str, Any]]) -> None:
    """Unproven claims being removed: when each started, so the account's next claim on the name
    continues that clock instead of restarting it (issue 23, L13)."""
    now = deps.clock.now()
    for row in rows:
        if row["status"] == "active":
            continue
        site = await site_by_id(deps.db, str(row["site_id"]))
        if site is None:
            continue
        await deps.db.run(
            "INSERT INTO claim_history (hostname, customer_id, claimed_at) VALUES (?, ?, ?)"
            " ON CONFLICT (hostname, customer_id) DO UPDATE SET claimed_at = CASE"
            " WHEN claim_history.claimed_at > ? THEN min(claim_history.claimed_at, excluded.claimed_at)"
            " ELSE excluded.claimed_at END",
            (row["hostname"], site.customer_id, float(row["created_at"]), now - _FORGOTTEN_AFTER),
        )


async def claim_started(deps: CustomerDeps, cid: str, names: list[str]) -> float:
    """When the account's claim on these names counts from: now, or the start of its earlier unproven
    claim. 409 `claim_cooling_down` while an earlier claim of the account lapsed less than
    CLAIM_COOLDOWN_SECONDS ago (the squatter cannot renew the moment it lapses)."""
    now = deps.clock.now()
    marks = ", ".join("?" for _ in names)
    rows = await deps.db.all(
        f"SELECT hostname, claimed_at FROM claim_history WHERE customer_id = ? AND hostname IN ({marks})"  # noqa: S608
        " AND claimed_at > ? ORDER BY claimed_at",
        [cid, *names, now - _FORGOTTEN_AFTER],
    )
    if not rows:
        return now
    started = float(rows[0]["claimed_at"])
    if started + PENDING_CLAIM_SECONDS > now:
        return started  # still within its first window: the clock goes on
    until = started + _FORGOTTEN_AFTER
    raise HttpError(
        409,
        "claim_cooling_down",
        f"Your earlier request to connect {rows[0]['hostname']} was not proven in time. You can ask again"
        f" from {_when(until)}; until then its owner may connect it.",
        details={"field": "hostname", "available_at": until},
    )


async def get_domain(deps: CustomerDeps, owner: Owner, hostname: str) -> dict[str, Any]:
    _, rows = await _group(deps, owner.customer_id, hostname)
    return domain_json(deps, rows)


async def refresh_domain(deps: CustomerDeps, owner: Owner, hostname: str) -> dict[str, Any]:
    """Asks Cloudflare for the current state (when the domain turns active, it goes live and its
    owner is mailed, once) and the world's DNS for each record she needs (customer/connect.py)."""
    cid = owner.customer_id
    site, rows = await _group(deps, cid, hostname)
    await sync(deps, site, rows, owner.plan)
    _, rows = await _group(deps, cid, hostname)
    # The live check: each record needed against what the world sees now (bounded, cached lookups).
    return {**domain_json(deps, rows), "check": await connect.check(deps, rows)}


async def sync(deps: CustomerDeps, site: Site, rows: list[dict[str, Any]], plan: plans.Plan) -> bool:
    """Cloudflare's state into the rows (one call per hostname); the site follows its hosts when a
    status changed; the owner is mailed when the domain is live. True when a status changed."""
    cf = client(deps)
    changed = False
    for row in rows:
        state = await cf.get(str(row["cf_id"])) if row["cf_id"] else None
        if state is None:
            continue
        status = "active" if state.active else "pending"
        changed |= status != row["status"]
        await deps.db.run(
            "UPDATE domains SET status = ?, ssl_status = ?, records = ?, checked_at = ? WHERE hostname = ?",
            (status, state.ssl_status, json.dumps(state.records), deps.clock.now(), row["hostname"]),
        )
    if changed:
        await relink(deps, site, plan)
    await mail_when_live(deps, site, str(rows[0]["redirect_to"] or rows[0]["hostname"]))
    return changed


async def mail_when_live(deps: CustomerDeps, site: Site, hostname: str) -> bool:
    """The "your domain is live" mail, once per activation: the row is marked before the mail is
    asked for (two checks at once: one wins the mark), the mark is undone if mailer could not take
    it (a later check tries again), and mailer's idempotency key (hostname and the claim's start)
    keeps a retry to one mail. A new claim of the name is a new activation."""
    now = deps.clock.now()
    marked = await deps.db.run(
        "UPDATE domains SET live_mailed_at = ? WHERE hostname = ? AND redirect_to IS NULL AND status = 'active'"
        " AND live_mailed_at IS NULL AND cut_over_at IS NULL",
        (now, hostname),
    )
    if not marked:
        return False
    to = await owner_email(deps.db, site)
    rows = await deps.db.all("SELECT created_at FROM domains WHERE hostname = ?", (hostname,))
    if not to or not rows:
        return False
    data = {"hostname": hostname, "site_name": site.name, "link": deps.settings.origin(hostname) + "/"}
    key = f"domain-live/{hostname}/{float(rows[0]['created_at']):.0f}"
    sent = await deps.mail.notify("domain_live", to, data, key)
    if not sent:
        await deps.db.run("UPDATE domains SET live_mailed_at = NULL WHERE hostname = ?", (hostname,))
    return sent


async def sync_hostname(deps: CustomerDeps, hostname: str) -> bool:
    """The scheduled check of one domain (customer/maintenance.py): as a refresh, without a caller;
    the owner's plan is the one customer last saw vouched (customers.plan)."""
    rows = await deps.db.all("SELECT site_id FROM domains WHERE hostname = ?", (hostname,))
    site = await site_by_id(deps.db, str(rows[0]["site_id"])) if rows else None
    if site is None:
        return False
    found = await deps.db.all("SELECT plan FROM customers WHERE id = ?", (site.customer_id,))
    _, group = await _group(deps, site.customer_id, hostname)
    return await sync(deps, site, group, plans.get(found[0]["plan"] if found else None))


async def remove_domain(deps: CustomerDeps, owner: Owner, hostname: str) -> None:
    site, rows = await _group(deps, owner.customer_id, hostname)
    await remember_claims(deps, rows)  # dropping an unproven claim does not restart its clock
    await remove_rows(deps, rows)
    await relink(deps, site, owner.plan)


async def remove_rows(deps: CustomerDeps, rows: list[dict[str, Any]]) -> None:
    cf = client(deps) if any(r["cf_id"] for r in rows) else None
    for row in rows:
        if cf is not None and row["cf_id"]:
            await cf.delete(str(row["cf_id"]))
        await deps.blobs.delete(site_layout.pointer_key(str(row["hostname"]).lower()))
        await deps.db.run("DELETE FROM domains WHERE hostname = ?", (row["hostname"],))


async def relink(deps: CustomerDeps, site: Site, plan: plans.Plan) -> None:
    """A live site follows its hosts, never replacing the version the owner chose."""
    fresh = await site_by_id(deps.db, site.id)
    if fresh is not None:
        await publish.follow_hosts(deps, fresh, plan)


async def cut_over_account(deps: CustomerDeps, account_id: str) -> int:
    """Day 14 after a downgrade to Free (docs/billing.md, "Downgrade policy"; billing's timeline
    asks): every custom domain of the account's sites stops serving and redirects (302) to the
    site's smartpages.site address, which becomes canonical. Rows and Cloudflare hostnames stay, so
    a resubscription's next publish serves them again (publish.publish). The live version is kept
    as it is: its canonical links follow at the owner's next publish. Idempotent; a site being
    published answers 409 and billing asks again at its next run. Returns how many domains it cut over."""
    rows = await deps.db.all("SELECT id FROM customers WHERE account_id = ?", (account_id,))
    cut = 0
    for site in await sites_of(deps.db, str(rows[0]["id"])) if rows else []:
        owner = await publish.lock(deps, site)
        try:
            marked = await deps.db.run(
                "UPDATE domains SET cut_over_at = ? WHERE site_id = ? AND cut_over_at IS NULL",
                (deps.clock.now(), site.id),
            )
            live = await publish.live_manifest(deps, site) if marked else None
            if live is not None and site.live_version is not None:
                await publish.switch(deps, site, site.live_version, live, all_hosts=True)
        finally:
            await publish.unlock(deps, site, owner)
        cut += marked
    return cut
