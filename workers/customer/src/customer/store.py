"""Customer's D1 rows as Python values: customers, sites, pages. Ownership is checked here: a site
is only ever loaded for the account that owns it (anything else is 404, never 403)."""

from __future__ import annotations

from customer.images import Image, Variant
from customer.model import Page, Site
from shared.errors import HttpError
from shared.internal_auth import Identity
from shared.ports import Clock, Crypto, Database


def new_id(crypto: Crypto, prefix: str) -> str:
    return f"{prefix}_{crypto.random_bytes(16).hex()}"


async def customer_id(db: Database, clock: Clock, crypto: Crypto, identity: Identity) -> str:
    """The customer row for the vouched account, created on first use; keeps the owner's email
    current (lead notifications go there) and her plan (her team works within it)."""
    if not identity.account_id:
        raise HttpError(401, "not_signed_in", "Sign in first.")
    rows = await db.all("SELECT id, email, plan FROM customers WHERE account_id = ?", (identity.account_id,))
    if rows:
        if identity.email and rows[0]["email"] != identity.email:
            await db.run("UPDATE customers SET email = ? WHERE id = ?", (identity.email, rows[0]["id"]))
        # The plan core vouched for, kept for her team's calls on her sites (customer/team.py).
        if identity.plan and rows[0]["plan"] != identity.plan:
            await db.run("UPDATE customers SET plan = ? WHERE id = ?", (identity.plan, rows[0]["id"]))
        return str(rows[0]["id"])
    cid = new_id(crypto, "c")
    await db.run(
        "INSERT INTO customers (id, account_id, email, created_at, plan) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(account_id) DO NOTHING",
        (cid, identity.account_id, identity.email, clock.now(), identity.plan),
    )
    rows = await db.all("SELECT id FROM customers WHERE account_id = ?", (identity.account_id,))
    return str(rows[0]["id"])


async def sites_of(db: Database, cid: str) -> list[Site]:
    rows = await db.all("SELECT * FROM sites WHERE customer_id = ? ORDER BY created_at, id", (cid,))
    return [Site.from_row(r) for r in rows]


async def site_by_id(db: Database, site_id: str) -> Site | None:
    rows = await db.all("SELECT * FROM sites WHERE id = ?", (site_id,))
    return Site.from_row(rows[0]) if rows else None


async def owned_site(db: Database, cid: str, site_id: str) -> Site:
    site = await site_by_id(db, site_id)
    if site is None or site.customer_id != cid:
        raise HttpError(404, "site_not_found", "No such site.")
    return site


async def pages_of(db: Database, site_id: str) -> list[Page]:
    rows = await db.all("SELECT * FROM pages WHERE site_id = ? ORDER BY position, id", (site_id,))
    return [Page.from_row(r) for r in rows]


async def page_of(db: Database, site_id: str, page_id: str) -> Page:
    """The page with its revision (the ETag an editor write must match), or 404."""
    rows = await db.all("SELECT * FROM pages WHERE site_id = ? AND id = ?", (site_id, page_id))
    if not rows:
        raise HttpError(404, "page_not_found", "No such page.")
    return Page.from_row(rows[0])


async def asset_types(db: Database, site_id: str) -> dict[str, str]:
    rows = await db.all("SELECT sha256, content_type FROM assets WHERE site_id = ?", (site_id,))
    return {str(r["sha256"]): str(r["content_type"]) for r in rows}


async def images_of(db: Database, site_id: str) -> dict[str, Image]:
    """The site's uploads with their sizes and responsive variants, for the renderer."""
    variants: dict[str, list[Variant]] = {}
    for v in await db.all(
        "SELECT sha256, variant, content_type, width, height FROM asset_variants WHERE site_id = ?", (site_id,)
    ):
        found = Variant(str(v["variant"]), str(v["content_type"]), int(v["width"]), int(v["height"]))
        variants.setdefault(str(v["sha256"]), []).append(found)
    rows = await db.all("SELECT sha256, content_type, width, height FROM assets WHERE site_id = ?", (site_id,))
    return {
        str(r["sha256"]): Image(
            str(r["sha256"]),
            str(r["content_type"]),
            int(r["width"]) if r["width"] else None,
            int(r["height"]) if r["height"] else None,
            tuple(variants.get(str(r["sha256"]), ())),
        )
        for r in rows
    }


async def file_sizes(db: Database, site_id: str) -> dict[str, int]:
    """sha256 -> bytes, of every upload and variant in R2."""
    rows = await db.all(
        "SELECT sha256, size FROM assets WHERE site_id = ? UNION ALL"
        " SELECT variant AS sha256, size FROM asset_variants WHERE site_id = ?",
        (site_id, site_id),
    )
    return {str(r["sha256"]): int(r["size"]) for r in rows}


async def owner_email(db: Database, site: Site) -> str | None:
    rows = await db.all("SELECT email FROM customers WHERE id = ?", (site.customer_id,))
    return str(rows[0]["email"]) if rows and rows[0]["email"] else None
