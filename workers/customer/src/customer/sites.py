"""Sites and pages: create, read, update, delete, with the plan's limits. Every write is validated
by shared/schema.py before it touches D1; blocks get stable ids (`b_…`) the first time they are
saved, so lead forms and anchors keep their names across edits."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from customer import assets, drafts, history, orphans, publish, templatephotos, templates
from customer import blocks as blockdefs
from customer.deps import CustomerDeps
from customer.model import Block, Owner, Page, Site, Tagged
from customer.sitestore import IN_STORE
from customer.store import asset_types, customer_id, new_id, owned_site, page_of, pages_of, sites_of
from shared import plans
from shared.errors import HttpError
from shared.internal_auth import Identity
from shared.ports import Row
from shared.schema import SLUG, Choice, Str, check_fields, invalid
from shared.site_layout import file_key

RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "app",
        "edge",
        "mail",
        "admin",
        "preview",
        "portal",
        "status",
        "static",
        "cdn",
        "smartpages",
        "help",
        "support",
        "assets",
    }
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

_SLUG_HINT = "must be lower-case letters, digits and single hyphens (at most 60)"
_SLUG = Str(max_length=60, pattern=SLUG, hint=_SLUG_HINT)  # reserved words: check_slug
SITE_FIELDS = {"name": Str(max_length=80, required=True), "slug": _SLUG}
# POST /sites also takes the template to start from (customer/templates.py; the catalogue lists them).
NEW_SITE_FIELDS = {**SITE_FIELDS, "template": Choice(tuple(templates.BY_ID))}
PAGE_FIELDS = {
    "title": Str(max_length=80, required=True),
    "slug": _SLUG,
    "description": Str(max_length=160),
}


STALE = (
    "This was changed in another tab or on another device since you opened it. "
    "Reload to see the latest version; what you typed here is kept."
)


def etag_of(kind: str, revision: int) -> str:
    return f'"{kind}-{revision}"'


def stale() -> HttpError:
    return HttpError(412, "precondition_failed", STALE)


def check_if_match(if_match: str, current: str) -> None:
    """An editor write names the version it was based on (If-Match); any other version is stale.
    Without the header it is refused (428): two tabs writing blind lost one of two writes. `*` is a
    caller's explicit choice to overwrite whatever is there."""
    given = if_match.strip()
    if not given:
        raise HttpError(
            428, "precondition_required", "Send If-Match with the ETag of the version this change is based on."
        )
    if given == "*":
        return
    if current not in (tag.strip().removeprefix("W/") for tag in given.split(",")):
        raise stale()


async def owner_of(deps: CustomerDeps, identity: Identity) -> Owner:
    """The customer the vouched identity is (created on first use), with its plan."""
    return Owner(await customer_id(deps.db, deps.clock, deps.crypto, identity), plans.get(identity.plan))


async def my_site(deps: CustomerDeps, owner: Owner, site_id: str) -> Site:
    return await owned_site(deps.db, owner.customer_id, site_id)


async def editable_site(deps: CustomerDeps, owner: Owner, site_id: str) -> Site:
    """The site, if the plan lets the owner change it. After a downgrade, sites beyond the plan's
    count (the newest ones) stay online as they are but are read-only until the account is back under
    the limit (another site deleted) or subscribes again (docs/billing.md). Seeing, unpublishing and
    deleting them is always allowed."""
    site = await my_site(deps, owner, site_id)
    plan = owner.plan
    # Its rank among the owner's sites, oldest first (the order sites_of lists them in), counted by
    # the index: one row read, not every site she has.
    older = await deps.db.all(
        "SELECT count(*) AS n FROM sites WHERE customer_id = ?"
        " AND (created_at, id) < (SELECT created_at, id FROM sites WHERE id = ?)",
        (site.customer_id, site.id),
    )
    if int(older[0]["n"]) >= plan.entitlements.sites:
        raise HttpError(
            402,
            "site_read_only",
            f"Your plan includes {plan.entitlements.sites} site(s) and this one is beyond that: it stays online as"
            " it is. To change it, subscribe again or delete another site.",
            details={"feature": "sites", "limit": plan.entitlements.sites},
        )
    return site


def slugify(name: str) -> str:
    slug = _NOT_SLUG.sub("-", name.lower()).strip("-")[:40].strip("-")
    return slug or "site"


def check_slug(slug: str, field: str, reserved: frozenset[str] = RESERVED_SLUGS) -> str:
    if not SLUG.match(slug):
        raise invalid(field, _SLUG_HINT, "bad_format")
    if slug in reserved:
        raise invalid(field, f"{slug!r} is reserved")
    return slug


async def site_json(deps: CustomerDeps, site: Site, domains: list[Row] | None = None) -> dict[str, Any]:
    """The site as the API answers it. `domains`: its domains' rows (`domains_of`), when a list of
    sites has read them all at once."""
    if domains is None:
        domains = (await domains_of(deps, [site]))[site.id]
    pages = await pages_of(deps.site_db(site), site.id)
    host = deps.settings.default_host(site.slug)
    canonical = publish.hosts_from(deps, site, domains).canonical  # the primary custom domain once active
    preview = deps.settings.origin(deps.settings.preview_host(site.preview_token)) + "/" if site.preview_token else None
    live = None
    if site.live_version is not None:
        rows = await deps.site_db(site).all(
            "SELECT source FROM versions WHERE site_id = ? AND number = ?", (site.id, site.live_version)
        )
        live = json.loads(rows[0]["source"]) if rows and rows[0]["source"] else None
    return {
        "id": site.id,
        "name": site.name,
        "draft_changes": drafts.changes(live, drafts.fingerprint(site, pages)) if live else None,
        "slug": site.slug,
        "default_host": host,
        "url": deps.settings.origin(canonical) + "/",
        "theme": site.theme,
        "seo": site.seo,
        "redirects": site.redirects,
        "live_version": site.live_version,
        "preview_url": preview,
        "pages": [{"id": p.id, "slug": p.slug, "title": p.title, "path": p.path} for p in pages],
        "domains": [{"hostname": d["hostname"], "status": d["status"]} for d in domains],
    }


async def list_sites(deps: CustomerDeps, owner: Owner) -> list[dict[str, Any]]:
    return await sites_json(deps, await sites_of(deps.db, owner.customer_id))


async def sites_json(deps: CustomerDeps, listed: list[Site]) -> list[dict[str, Any]]:
    """Each site as `site_json` answers it, their domains read from D1 in one statement per hundred
    sites, not two per site. Each site's pages come from its own store."""
    domains = await domains_of(deps, listed)
    return [await site_json(deps, site, domains[site.id]) for site in listed]


# D1 binds at most 100 parameters a statement.
DOMAINS_PER_READ = 100


async def domains_of(deps: CustomerDeps, listed: list[Site]) -> dict[str, list[Row]]:
    """Each site's domains, oldest first (by the `domains_by_site` index)."""
    found: dict[str, list[Row]] = {site.id: [] for site in listed}
    ids = list(found)
    for start in range(0, len(ids), DOMAINS_PER_READ):
        chunk = ids[start : start + DOMAINS_PER_READ]
        marks = ", ".join("?" * len(chunk))  # placeholders only: the ids are bound
        sql = f"SELECT site_id, hostname, status, redirect_to, cut_over_at FROM domains WHERE site_id IN ({marks})"  # noqa: S608
        rows = await deps.db.all(f"{sql} ORDER BY created_at, hostname", tuple(chunk))
        for row in rows:
            found[str(row["site_id"])].append(row)
    return found


Statement = tuple[str, tuple[Any, ...]]


async def starter(
    deps: CustomerDeps, owner: Owner, template: templates.Template, site_id: str, name: str, now: float
) -> tuple[dict[str, Any], list[list[Block]], list[Statement]]:
    """A template made the new site's own: its theme, each page's blocks (checked as the API checks
    them, with ids; a contact form left out where the plan has none) and the statements recording
    its photos as the site's uploads. The photos' files are written to R2 here (noted as orphan
    candidates first, so a create that then fails leaves nothing behind for good): a few puts per
    site, whatever the number of customers."""
    pages: list[list[Block]] = []
    for page in template.pages:
        raw = [
            b
            for b in templates.named(list(page.blocks), name)
            if b["type"] != "lead_form" or owner.plan.entitlements.lead_forms
        ]
        blocks = blockdefs.check_blocks(raw, "template")
        for block in blocks:
            block["id"] = block_id(deps)
        pages.append(blocks)
    files = {p: templatephotos.PHOTOS[p] for p in template.photos()}
    decoded = {f[0]: base64.b64decode(f[4]) for original, variants in files.values() for f in (original, *variants)}
    await assets.require_storage(deps, owner, sum(map(len, decoded.values())))
    await orphans.note(deps.db, deps.clock, site_id, decoded)
    statements: list[Statement] = []
    for photo_name, ((sha, kind, width, height, _), variants) in files.items():
        data = decoded[sha]
        await deps.blobs.put(file_key(site_id, sha), data, kind)
        statements.append(
            (
                "INSERT INTO assets (site_id, sha256, content_type, size, name, created_at, width, height)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (site_id, sha, kind, len(data), f"{photo_name}.webp", now, width, height),
            )
        )
        for v_sha, v_kind, v_width, v_height, _ in variants:
            v_data = decoded[v_sha]
            await deps.blobs.put(file_key(site_id, v_sha), v_data, v_kind)
            statements.append(
                (
                    "INSERT INTO asset_variants (site_id, sha256, variant, content_type, width, height, size)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (site_id, sha, v_sha, v_kind, v_width, v_height, len(v_data)),
                )
            )
    theme = blockdefs.check_theme({"palette": template.palette, "fonts": template.fonts})
    return theme, pages, statements


async def create_site(deps: CustomerDeps, owner: Owner, body: dict[str, Any]) -> dict[str, Any]:
    """A new site: one page with a hero, or (`template`) a template's pages, theme and photos."""
    cid = owner.customer_id
    data = check_fields(NEW_SITE_FIELDS, body)
    existing = await sites_of(deps.db, cid)
    plans.require_room(owner.plan, "sites", len(existing))
    name = data["name"].strip()
    given = data["slug"]
    slug = check_slug(given, "slug") if given else slugify(name)
    if slug in RESERVED_SLUGS:
        slug = f"{slug}-site"
    site_id, now = new_id(deps.crypto, "s"), deps.clock.now()
    theme: dict[str, Any] = {}
    extra: list[Statement] = []
    if data["template"]:
        template = templates.BY_ID[data["template"]]
        theme, blocks, extra = await starter(deps, owner, template, site_id, name, now)
        pages = [
            (p.slug, p.title, templates.description(p, name), b) for p, b in zip(template.pages, blocks, strict=True)
        ]
    else:
        hero = {"type": "hero", "id": block_id(deps), **check_fields(blockdefs.BLOCKS["hero"], {"heading": name})}
        pages = [("", "Home", "", [hero])]
    for position, (page_slug, title, description, page_blocks) in enumerate(pages):
        extra.insert(
            position,
            (
                "INSERT INTO pages (id, site_id, slug, title, description, position, blocks, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    new_id(deps.crypto, "p"),
                    site_id,
                    page_slug,
                    title,
                    description,
                    position,
                    json.dumps(page_blocks),
                    now,
                ),
            ),
        )
    # The new site's store is filled first: until its sites row exists nothing reads it, and a create
    # that loses its slug or its room to a concurrent one drops it again.
    store = deps.stores.database(site_id)
    await store.batch(extra)
    try:
        await _index_site(deps, owner, site_id, slug, given, name, now, theme)
    except BaseException:
        await deps.stores.drop(site_id)
        raise
    return await site_json(deps, await owned_site(deps.db, cid, site_id))


async def _index_site(
    deps: CustomerDeps, owner: Owner, site_id: str, slug: str, given: str, name: str, now: float, theme: dict[str, Any]
) -> None:
    """The new site's row in D1, under a free address, within the plan."""
    cid, limit = owner.customer_id, owner.plan.entitlements.sites
    for attempt in range(4):
        candidate = slug if attempt == 0 else f"{slug[:50]}-{deps.crypto.random_bytes(2).hex()}"
        # An address a deleted or renamed site left behind is held for its owner's links (30 days).
        held = await deps.db.all("SELECT 1 FROM held_addresses WHERE slug = ? AND held_until > ?", (candidate, now))
        # The slug and the plan's room are taken by the INSERT itself (concurrent requests may have
        # taken either since any check: 20 at once made 6 sites on a 1-site plan): a lost race writes nothing.
        if not held:
            await deps.db.run(
                "INSERT INTO sites (id, customer_id, slug, name, created_at, updated_at, theme, store)"
                " SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM sites WHERE customer_id = ?) < ?"
                " ON CONFLICT DO NOTHING",
                (site_id, cid, candidate, name, now, now, json.dumps(theme), IN_STORE, cid, limit),
            )
        if not held and await deps.db.all("SELECT 1 FROM sites WHERE id = ?", (site_id,)):
            return
        plans.require_room(owner.plan, "sites", len(await sites_of(deps.db, cid)))  # lost to a concurrent create
        if given:
            raise HttpError(409, "slug_taken", "That address is taken; choose another slug.", details={"field": "slug"})
    raise HttpError(409, "slug_taken", "Choose a slug for this site.", details={"field": "slug"})


async def tagged_site(deps: CustomerDeps, site: Site) -> Tagged:
    return Tagged(await site_json(deps, site), etag_of("site", site.revision))


def merged(kept: dict[str, Any], sent: Any) -> Any:
    return {**kept, **sent} if isinstance(sent, dict) else sent


async def update_site(deps: CustomerDeps, owner: Owner, site_id: str, data: dict[str, Any], if_match: str) -> Tagged:
    site = await editable_site(deps, owner, site_id)
    check_if_match(if_match, etag_of("site", site.revision))
    fields = {"name": SITE_FIELDS["name"]}
    changes = check_fields(fields, {k: v for k, v in data.items() if k == "name"}, partial=True)
    for key in data:
        if key not in ("name", "theme", "seo", "redirects"):
            raise invalid(key, "unknown field")
    # theme and seo are merged: the fields sent replace those kept, the others stay as they were.
    known = await asset_types(deps.site_db(site), site.id) if "theme" in data or "seo" in data else {}
    if "theme" in data:
        theme = blockdefs.check_theme(merged(site.theme, data["theme"]))
        if theme["logo"] and theme["logo"] not in known:
            raise invalid("theme.logo", "no such image on this site", "no_such_image")
        changes["theme"] = json.dumps(theme)
    if "seo" in data:
        seo = blockdefs.check_seo(merged(site.seo, data["seo"]))
        for key in ("social_image", "favicon"):
            if seo[key] and seo[key] not in known:
                raise invalid(f"seo.{key}", "no such image on this site", "no_such_image")
        changes["seo"] = json.dumps(seo)
    if "redirects" in data:
        changes["redirects"] = json.dumps(blockdefs.check_redirects(data["redirects"]))
    if changes:
        sets = ", ".join(f"{k} = ?" for k in changes)
        changed = await deps.db.run(
            f"UPDATE sites SET {sets}, updated_at = ?, revision = revision + 1"  # noqa: S608 (keys are ours)
            " WHERE id = ? AND revision = ?",
            (*changes.values(), deps.clock.now(), site.id, site.revision),
        )
        if not changed:
            raise stale()
    return await tagged_site(deps, await owned_site(deps.db, site.customer_id, site.id))


def block_id(deps: CustomerDeps) -> str:
    return f"b_{deps.crypto.random_bytes(8).hex()}"


async def checked_blocks(
    deps: CustomerDeps, plan: plans.Plan, site: Site, raw: Any, before: list[Block], path: str = "blocks"
) -> list[Block]:
    """The blocks, checked. Only a lead form that was not on the page `before` needs the plan: an
    owner on Free keeps (and may edit) the forms added while subscribed (docs/billing.md)."""
    clean = blockdefs.check_blocks(raw, path)
    seen: set[str] = set()
    for block in clean:
        if "id" not in block or block["id"] in seen:
            block["id"] = block_id(deps)
        seen.add(block["id"])
    had = {b["id"] for b in before if b["type"] == "lead_form" and "id" in b}
    if any(b["type"] == "lead_form" and b["id"] not in had for b in clean):
        plans.require(plan, "lead_forms")
    known = await asset_types(deps.site_db(site), site.id)
    missing = sorted(blockdefs.referenced_assets(clean) - set(known))
    if missing:
        raise invalid(path, f"no image {missing[0]} on this site (upload it first)", "no_such_image")
    return clean


MAX_DRAFT_BYTES = 2_000_000  # every page's blocks of one site together (issue 23, L10)


async def check_draft_room(deps: CustomerDeps, site: Site, page_id: str, blocks: str) -> None:
    """413 if the site's pages would hold more than MAX_DRAFT_BYTES of blocks after this save: the
    editor, the dashboard, publishing and the export all load a site's pages whole."""
    rows = await deps.site_db(site).all(
        "SELECT coalesce(sum(length(CAST(blocks AS BLOB))), 0) AS n FROM pages WHERE site_id = ? AND id != ?",
        (site.id, page_id),
    )
    if int(rows[0]["n"]) + len(blocks.encode()) > MAX_DRAFT_BYTES:
        raise HttpError(
            413,
            "draft_too_large",
            f"This site's pages hold too much text: {MAX_DRAFT_BYTES // 1_000_000} MB in all at most."
            " Shorten or remove some blocks, or move text to fewer pages.",
            details={"field": "blocks", "max_bytes": MAX_DRAFT_BYTES},
        )


async def create_page(deps: CustomerDeps, owner: Owner, site_id: str, body: dict[str, Any]) -> Tagged:
    site = await editable_site(deps, owner, site_id)
    body = dict(body)
    raw_blocks = body.pop("blocks", [])
    data = check_fields(PAGE_FIELDS, body)
    pages = await pages_of(deps.site_db(site), site.id)
    plans.require_room(owner.plan, "pages_per_site", len(pages))
    slug = check_slug(data["slug"] or slugify(data["title"]), "slug", frozenset({"assets"}))
    if any(p.slug == slug for p in pages):
        raise HttpError(
            409, "page_slug_taken", "This site already has a page at that address.", details={"field": "slug"}
        )
    blocks = await checked_blocks(deps, owner.plan, site, raw_blocks, [])
    await check_draft_room(deps, site, "", json.dumps(blocks))
    # A page at an address a renamed page left behind takes it over (redirects would shadow it).
    freed = {k: v for k, v in site.redirects.items() if k not in (f"/{slug}/", f"/{slug}")}
    if freed != site.redirects:
        await deps.db.run("UPDATE sites SET redirects = ? WHERE id = ?", (json.dumps(freed), site.id))
    page_id = new_id(deps.crypto, "p")
    # The room on the plan is taken by the INSERT itself: concurrent creates cannot overshoot it.
    added = await deps.site_db(site).run(
        "INSERT INTO pages (id, site_id, slug, title, description, position, blocks, updated_at)"
        " SELECT ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM pages WHERE site_id = ?), ?, ?"
        " WHERE (SELECT count(*) FROM pages WHERE site_id = ?) < ? ON CONFLICT DO NOTHING",
        (
            page_id,
            site.id,
            slug,
            data["title"],
            data["description"],
            site.id,
            json.dumps(blocks),
            deps.clock.now(),
            site.id,
            owner.plan.entitlements.pages_per_site,
        ),
    )
    if not added:
        plans.require_room(owner.plan, "pages_per_site", len(await pages_of(deps.site_db(site), site.id)))
        # Room was left: a concurrent request took the slug since the check above.
        raise HttpError(
            409, "page_slug_taken", "This site already has a page at that address.", details={"field": "slug"}
        )
    return await tagged_page(deps, site, page_id)


async def tagged_page(deps: CustomerDeps, site: Site, page_id: str) -> Tagged:
    page = await page_of(deps.site_db(site), site.id, page_id)
    return Tagged(page.to_json(), etag_of("page", page.revision))


async def page_to_change(
    deps: CustomerDeps, owner: Owner, site_id: str, page_id: str, if_match: str
) -> tuple[Site, Page]:
    """The page an editor write changes (with its site): on a site the owner may change, and not
    changed since the revision the write names."""
    site = await editable_site(deps, owner, site_id)
    page = await page_of(deps.site_db(site), site.id, page_id)
    check_if_match(if_match, etag_of("page", page.revision))
    return site, page


async def update_page(
    deps: CustomerDeps,
    owner: Owner,
    site_id: str,
    page_id: str,
    body: dict[str, Any],
    if_match: str,
    author: history.Author,
) -> Tagged:
    """PUT: title, slug, description and the whole ordered block list."""
    site, page = await page_to_change(deps, owner, site_id, page_id, if_match)
    data = check_fields(PAGE_FIELDS, {k: v for k, v in body.items() if k != "blocks"}, partial=True)
    slug = page.slug
    if "slug" in data and data["slug"] != page.slug:
        if not page.slug:
            raise invalid("slug", "the home page stays at /")
        slug = check_slug(data["slug"], "slug", frozenset({"assets"}))
        clash = await deps.site_db(site).all(
            "SELECT 1 FROM pages WHERE site_id = ? AND slug = ? AND id != ?", (site.id, slug, page.id)
        )
        if clash:
            raise HttpError(
                409, "page_slug_taken", "This site already has a page at that address.", details={"field": "slug"}
            )
    blocks = await checked_blocks(deps, owner.plan, site, body.get("blocks", page.blocks), page.blocks)
    await check_draft_room(deps, site, page.id, json.dumps(blocks))
    title, description = data.get("title", page.title), data.get("description", page.description)
    changed = await deps.site_db(site).run(
        "UPDATE pages SET slug = ?, title = ?, description = ?, blocks = ?, updated_at = ?, revision = revision + 1"
        " WHERE id = ? AND revision = ?",
        (slug, title, description, json.dumps(blocks), deps.clock.now(), page.id, page.revision),
    )
    if not changed:
        raise stale()
    await history.saved(deps, site, page, history.Body(title, description, blocks), author)
    if slug != page.slug:  # after the page moved: a stale write moves nothing
        await deps.db.run(
            "UPDATE sites SET redirects = ? WHERE id = ?",
            (json.dumps(renamed(site.redirects, f"/{page.slug}/", f"/{slug}/")), site.id),
        )
    return await tagged_page(deps, site, page.id)


def renamed(redirects: dict[str, str], old: str, new: str) -> dict[str, str]:
    """The site's redirects after a page moved from `old` to `new` (both "/slug/"): the old address
    answers 301 to the new one (with and without its slash), redirects that led to the old address
    lead to the new one, and nothing redirects away from the page's new address. Published with the
    next version, like every redirect."""
    kept = {source: (new if target == old else target) for source, target in redirects.items()}
    for source in (new, new.rstrip("/")):
        kept.pop(source, None)
    if len(kept) + 2 <= blockdefs.MAX_REDIRECTS:  # past the limit the old address simply ends
        kept[old] = new
        kept[old.rstrip("/")] = new
    return kept


async def add_block(
    deps: CustomerDeps,
    owner: Owner,
    site_id: str,
    page_id: str,
    body: dict[str, Any],
    if_match: str,
    author: history.Author,
) -> Tagged:
    """POST one block; it goes at `position` (default: the end). Returns the block as saved."""
    site, page = await page_to_change(deps, owner, site_id, page_id, if_match)
    revision = page.revision
    position = body.get("position", len(page.blocks))
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= len(page.blocks):
        raise invalid("position", f"must be a whole number from 0 to {len(page.blocks)}")
    block = blockdefs.check_block({k: v for k, v in body.items() if k != "position"}, "block")
    new_blocks = [*page.blocks[:position], block, *page.blocks[position:]]
    blocks = await checked_blocks(deps, owner.plan, site, new_blocks, page.blocks)
    await check_draft_room(deps, site, page.id, json.dumps(blocks))
    changed = await deps.site_db(site).run(
        "UPDATE pages SET blocks = ?, updated_at = ?, revision = revision + 1 WHERE id = ? AND revision = ?",
        (json.dumps(blocks), deps.clock.now(), page.id, revision),
    )
    if not changed:
        raise stale()
    await history.saved(deps, site, page, history.Body(page.title, page.description, blocks), author)
    return Tagged(blocks[position], etag_of("page", revision + 1))


async def page_history(deps: CustomerDeps, site: Site, page_id: str) -> dict[str, Any]:
    """The page's history, newest first (customer/history.py)."""
    page = await page_of(deps.site_db(site), site.id, page_id)
    return {"entries": await history.entries(deps, site, page.id), "kept": history.KEEP}


async def restore_page(
    deps: CustomerDeps,
    owner: Owner,
    site_id: str,
    page_id: str,
    number: int,
    if_match: str,
    author: history.Author,
) -> Tagged:
    """Puts an entry of the page's history back as its draft (title, description, blocks; the
    page's address stays). The draft it replaces stays in the history, so a restore can be undone."""
    site, page = await page_to_change(deps, owner, site_id, page_id, if_match)
    body = await history.entry(deps, site, page.id, number)
    if body is None:
        raise HttpError(404, "history_not_found", "That earlier draft is not kept any more.")
    blocks = await checked_blocks(deps, owner.plan, site, body.blocks, page.blocks)
    await check_draft_room(deps, site, page.id, json.dumps(blocks))
    changed = await deps.site_db(site).run(
        "UPDATE pages SET title = ?, description = ?, blocks = ?, updated_at = ?, revision = revision + 1"
        " WHERE id = ? AND revision = ?",
        (body.title, body.description, json.dumps(blocks), deps.clock.now(), page.id, page.revision),
    )
    if not changed:
        raise stale()
    restored = history.Body(body.title, body.description, blocks)
    await history.saved(deps, site, page, restored, author, kind="restored")
    return await tagged_page(deps, site, page.id)


async def delete_page(deps: CustomerDeps, owner: Owner, site_id: str, page_id: str, if_match: str) -> None:
    site, page = await page_to_change(deps, owner, site_id, page_id, if_match)
    if not page.slug:
        raise HttpError(409, "home_page", "The home page cannot be deleted.")
    if not await deps.site_db(site).run("DELETE FROM pages WHERE id = ? AND revision = ?", (page.id, page.revision)):
        raise stale()
    await history.forget(deps, site, page.id)
