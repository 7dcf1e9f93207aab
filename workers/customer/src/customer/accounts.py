"""Deleting a site, and everything of a customer when core deletes an account: each site is taken
offline (its host pointers deleted), its custom hostnames removed at Cloudflare, its files deleted
from R2, then the rows go (pages, assets, versions, domains, leads follow by cascade). A deleted account's
site addresses are held for 30 days (`held_addresses`) before anyone may claim them."""

from __future__ import annotations

from customer import domains, publish
from customer.deps import CustomerDeps
from customer.store import Site, sites_of
from shared import site_layout
from shared.errors import HttpError
from shared.http import Request, Response
from shared.internal import identity_of

HOLD_SECONDS = 30 * 86400  # a deleted account's addresses wait this long before reuse


async def delete_site(deps: CustomerDeps, site: Site) -> None:
    await publish.unpublish(deps, site)
    rows = await deps.db.all("SELECT * FROM domains WHERE site_id = ?", (site.id,))
    if rows:
        await domains.remove_rows(deps, rows)
    if site.preview_token:
        await deps.blobs.delete(site_layout.pointer_key(deps.settings.preview_host(site.preview_token)))
    for key in await deps.blobs.list(f"sites/{site.id}/"):
        await deps.blobs.delete(key)
    await deps.db.run("DELETE FROM sites WHERE id = ?", (site.id,))


async def delete_account_data(deps: CustomerDeps, request: Request, account_id: str) -> Response:
    # Only for the account core vouched for: a bug elsewhere must not delete someone else's data.
    if identity_of(request).account_id != account_id:
        raise HttpError(403, "internal_auth_failed", "The vouched identity does not own this account.")
    rows = await deps.db.all("SELECT id FROM customers WHERE account_id = ?", (account_id,))
    if not rows:
        return Response(404)
    held_until = deps.clock.now() + HOLD_SECONDS
    for site in await sites_of(deps.db, str(rows[0]["id"])):
        await deps.db.run(
            "INSERT INTO held_addresses (slug, held_until) VALUES (?, ?)"
            " ON CONFLICT (slug) DO UPDATE SET held_until = excluded.held_until",
            (site.slug, held_until),
        )
        await delete_site(deps, site)
    await deps.db.run("DELETE FROM customers WHERE account_id = ?", (account_id,))
    return Response(204)
