"""Deleting a site, and everything of a customer when core deletes an account: each site is taken
offline (its host pointers deleted), its custom hostnames removed at Cloudflare, its files deleted
from R2, then the rows go (pages, assets, versions, domains, leads follow by cascade). A deleted account's
site addresses are held for 30 days (`held_addresses`) before anyone may claim them."""

from __future__ import annotations

from customer import domains, history, publish, team
from customer.deps import CustomerDeps
from customer.model import Site
from customer.store import sites_of
from shared import site_layout
from shared.errors import HttpError

HOLD_SECONDS = 30 * 86400  # a deleted account's addresses wait this long before reuse


async def _customer_sites(deps: CustomerDeps, account_id: str) -> list[Site] | None:
    rows = await deps.db.all("SELECT id FROM customers WHERE account_id = ?", (account_id,))
    return await sites_of(deps.db, str(rows[0]["id"])) if rows else None


async def suspend_account(deps: CustomerDeps, account_id: str) -> int:
    """Core scheduled the account's deletion (14 days to change her mind): every published site goes
    offline, its live version remembered in `suspended_version`; files, versions, domains and leads
    stay. Idempotent: a site already suspended is left as it is. Returns the sites taken offline."""
    taken = 0
    for site in await _customer_sites(deps, account_id) or []:
        if site.live_version is None:
            continue
        await deps.db.run("UPDATE sites SET suspended_version = ? WHERE id = ?", (site.live_version, site.id))
        await publish.unpublish(deps, site)
        taken += 1
    return taken


async def restore_account(deps: CustomerDeps, account_id: str) -> int:
    """She signed in within the window: every suspended site serves its version again, on every
    host it had (its custom domains included). Returns the sites put back."""
    restored = 0
    for site in await _customer_sites(deps, account_id) or []:
        rows = await deps.db.all("SELECT suspended_version FROM sites WHERE id = ?", (site.id,))
        number = rows[0]["suspended_version"] if rows else None
        if number is None:
            continue
        if site.live_version is None:
            try:
                await publish.rollback(deps, site, int(number))
            except HttpError as exc:  # the version is gone (never while suspended): she publishes again
                if exc.code != "version_not_found":
                    raise
        await deps.db.run("UPDATE sites SET suspended_version = NULL WHERE id = ?", (site.id,))
        restored += 1
    return restored


async def delete_site(deps: CustomerDeps, site: Site) -> None:
    await publish.unpublish(deps, site)
    rows = await deps.db.all("SELECT * FROM domains WHERE site_id = ?", (site.id,))
    if rows:
        await domains.remove_rows(deps, rows)
    if site.preview_token:
        await deps.blobs.delete(site_layout.pointer_key(deps.settings.preview_host(site.preview_token)))
    for key in await deps.blobs.list(site_layout.site_prefix(site.id)):
        await deps.blobs.delete(key)
    await deps.db.run("DELETE FROM sites WHERE id = ?", (site.id,))
    await deps.stores.drop(site.id)  # after its row: a site is never listed with its pages gone


async def delete_account_data(deps: CustomerDeps, account_id: str) -> bool:
    """Deletes everything of the account; False when customer never knew it."""
    rows = await deps.db.all("SELECT id FROM customers WHERE account_id = ?", (account_id,))
    if not rows:
        return False
    held_until = deps.clock.now() + HOLD_SECONDS
    for site in await sites_of(deps.db, str(rows[0]["id"])):
        await deps.db.run(
            "INSERT INTO held_addresses (slug, held_until) VALUES (?, ?)"
            " ON CONFLICT (slug) DO UPDATE SET held_until = excluded.held_until",
            (site.slug, held_until),
        )
        await delete_site(deps, site)
    await deps.db.run("DELETE FROM claim_history WHERE customer_id = ?", (str(rows[0]["id"]),))
    for site in await team.contributed(deps, str(rows[0]["id"])):  # others' sites she helped on
        await history.forget_author(deps, site, str(rows[0]["id"]))
        await team.forget_account(deps, site, str(rows[0]["id"]))  # her memberships go by cascade
    await deps.db.run("DELETE FROM site_contributors WHERE customer_id = ?", (str(rows[0]["id"]),))
    await deps.db.run("DELETE FROM customers WHERE account_id = ?", (account_id,))
    return True
