"""Publishing: render the draft, write the files that are new, record an immutable version, then
switch the live pointer with one R2 put per host.

R2 layout and pointer format: shared/site_layout.py (the domain worker reads only those, and only
through the pointer). One pointer per host; every file content-addressed, written once, never changed.

A reader gets the old pointer or the new one (R2 puts are atomic), and every file a pointer names
was written before the pointer was, so it sees the old site or the new one, whole. A publish checks
what R2 really holds (one list), so a file lost since it was written is written again: publishing
heals the site. A publish that
dies before the put leaves the old pointer live. Versions (their manifests) live in D1; the last N
are kept (N from the plan) and rollback re-puts an old manifest: no file is written.

Only what changed is rendered (customer/render.py): a publish reuses the live version's pages, a
preview the previous preview's, when their inputs are unchanged and R2 still holds their files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

from customer import drafts, formfields, formscript, history, orphans
from customer.deps import CustomerDeps
from customer.model import Page, Site, SiteHosts
from customer.render import FRAME_SCRIPT, FRAME_STYLE, NOT_FOUND, Earlier, File, Rendered, SiteData, render_site
from customer.render import Entry as FileEntry
from customer.store import asset_types, file_sizes, images_of, pages_of, site_by_id
from shared import plans
from shared.errors import HttpError
from shared.ports import Row
from shared.site_layout import FORM_PREFIX, Entry, Live, encode, file_key, files_prefix, pointer_key

# A publish killed half-way (the isolate evicted, a deploy) holds the site this long at most, so a
# user retrying finds it free within a minute; a publish checks it still holds the lock before it
# switches the pointer, so one that outlived its lock never overwrites a newer publish.
LOCK_SECONDS = 45
FORM_ACTION = FORM_PREFIX.rstrip("/")  # + /<block id>: a lead form posts to its site's own host (domain/forms.py)
PARALLEL_WRITES = 6  # a Worker may hold 6 connections open at once


def csp(deps: CustomerDeps, style_src: str, frame_ancestors: str = "'none'", editor: str = "") -> str:
    # One script of ours, the lead-form script, by its hash; the pages' own inline CSS by its hash;
    # forms post to the site's own host (domain forwards them to customer); audit tools may fetch
    # robots.txt from a page.
    # With Turnstile on, its script and frame come from challenges.cloudflare.com, and nothing else.
    # The editor's preview (`editor`: the portal's origin) also loads the portal's on-page editing
    # script and style, by their exact addresses; nothing published ever does.
    scripts = [*(["https://challenges.cloudflare.com"] if deps.turnstile.site_key else [])]
    if editor:
        scripts.append(editor + FRAME_SCRIPT)
        style_src = f"{style_src} {editor}{FRAME_STYLE}"
    else:
        scripts.append(formscript.HASH_SOURCE)  # the lead-form script, by its hash (customer/formscript.py)
    turnstile = (
        f"script-src {' '.join(scripts)}; "
        + ("frame-src https://challenges.cloudflare.com; " if deps.turnstile.site_key else "")
        if scripts
        else ""
    )
    return (
        f"default-src 'none'; style-src {style_src}; img-src 'self'; font-src 'self'; connect-src 'self'; {turnstile}"
        f"form-action 'self'; base-uri 'none'; frame-ancestors {frame_ancestors}"
    )


async def render_draft(
    deps: CustomerDeps,
    site: Site,
    plan: plans.Plan,
    origin: str,
    noindex: bool,
    earlier: dict[str, Any] | None = None,
    present: set[str] | None = None,
    pages: list[Page] | None = None,
    editor: str = "",
) -> Rendered:
    """The draft's files; the documents of `earlier` (a manifest) whose inputs did not change and
    whose files are `present` in R2 are reused, not rendered. `pages`: the draft's, when read already."""
    pages = await pages_of(deps.site_db(site), site.id) if pages is None else pages
    data = SiteData(
        id=site.id,
        name=site.name,
        theme=site.theme,
        seo=site.seo,
        pages=pages,
        origin=origin,
        form_action=FORM_ACTION,
        assets=await asset_types(deps.site_db(site), site.id),
        images=await images_of(deps.site_db(site), site.id),
        badge=not plan.entitlements.remove_badge,
        # Lead forms are always rendered: the plan decides who may add one (sites.checked_blocks), and
        # a form added on a paid plan keeps working after a downgrade (docs/billing.md).
        noindex=noindex,
        turnstile_site_key=deps.turnstile.site_key,
        editor=editor,
    )
    return render_site(data, Earlier.of(earlier), present or set())


def _entry(f: File) -> list[Any]:
    return [f.sha256, f.content_type, len(f.body)]


def _kept(entry: FileEntry) -> list[Any]:
    return list(entry)


def same_site(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Two manifests serve the same site (the render keys they carry aside)."""
    if a is None or b is None:
        return a is b
    return {k: v for k, v in a.items() if k != "renders"} == {k: v for k, v in b.items() if k != "renders"}


async def manifest_of(deps: CustomerDeps, site: Site, rendered: Rendered, origin: str) -> dict[str, Any]:
    files: dict[str, list[Any]] = {path: _entry(f) for path, f in rendered.files.items()}
    files.update({path: _kept(entry) for path, entry in rendered.reused.items() if path != NOT_FOUND})
    if rendered.assets:
        sizes = await file_sizes(deps.site_db(site), site.id)
        for path, (sha, ctype) in rendered.assets.items():
            files[path] = [sha, ctype, sizes.get(sha, 0)]
    not_found = _entry(rendered.not_found) if rendered.not_found else _kept(rendered.reused[NOT_FOUND])
    return {
        "files": dict(sorted(files.items())),
        "not_found": not_found,
        "redirects": site.redirects,
        "csp": csp(deps, rendered.style_src),
        # What the pages call their own address (canonical links, sitemap): a version rendered for
        # another host is a different version.
        "origin": origin,
        # What the next render may reuse (render.Earlier); not part of what is served.
        "renders": rendered.renders(),
    }


def referenced(manifest: dict[str, Any]) -> set[str]:
    return {entry[0] for entry in manifest["files"].values()} | {manifest["not_found"][0]}


async def known_files(deps: CustomerDeps, site: Site) -> set[str]:
    """Files known to be in R2: those of every kept version and of the preview, the uploads and the
    bodies of the pages' history. One query (one call to the site's store: the orphan collector
    asks this for many sites a step)."""
    rows = await deps.site_db(site).all(
        "SELECT sha256 AS file, NULL AS manifest FROM assets WHERE site_id = ?"
        " UNION ALL SELECT variant, NULL FROM asset_variants WHERE site_id = ?"
        " UNION ALL SELECT body_sha, NULL FROM page_history WHERE site_id = ?"
        " UNION ALL SELECT NULL, manifest FROM versions WHERE site_id = ?"
        " UNION ALL SELECT NULL, manifest FROM site_preview WHERE site_id = ?",
        (site.id,) * 5,
    )
    known: set[str] = set()
    for row in rows:
        known |= referenced(json.loads(row["manifest"])) if row["manifest"] else {str(row["file"])}
    return known


async def preview_manifest(deps: CustomerDeps, site: Site) -> dict[str, Any] | None:
    rows = await deps.site_db(site).all("SELECT manifest FROM site_preview WHERE site_id = ?", (site.id,))
    return json.loads(rows[0]["manifest"]) if rows else None


async def stored_files(deps: CustomerDeps, site: Site) -> set[str]:
    """The files R2 really holds for the site (one list call per 1,000 files)."""
    prefix = files_prefix(site.id)
    return {key.removeprefix(prefix) for key in await deps.blobs.list(prefix)}


async def write_files(deps: CustomerDeps, site: Site, rendered: Rendered, present: set[str]) -> int:
    """Writes each generated file R2 does not hold (new, or lost since it was written); returns how many."""
    todo: dict[str, File] = {}
    for f in [*rendered.files.values(), *([rendered.not_found] if rendered.not_found else [])]:
        if f.sha256 not in present:
            todo[f.sha256] = f
    items = list(todo.items())
    await orphans.note(deps.db, deps.clock, site.id, todo)  # orphans if this dies before recording them
    for start in range(0, len(items), PARALLEL_WRITES):
        chunk = items[start : start + PARALLEL_WRITES]
        await asyncio.gather(*(deps.blobs.put(file_key(site.id, sha), f.body, f.content_type) for sha, f in chunk))
    present.update(todo)
    return len(items)


async def refuse_missing_uploads(deps: CustomerDeps, site: Site, rendered: Rendered, present: set[str]) -> None:
    """A publish never reports a site it cannot serve: an uploaded picture (or one of its sizes)
    the pages show but R2 lost is 409 `images_missing`, naming the pictures by their upload names,
    and each is marked missing for the library ("missing, upload again")."""
    lost = {sha for sha, _ in rendered.assets.values() if sha not in present}
    if not lost:
        return
    marks = ", ".join("?" for _ in lost)
    rows = await deps.site_db(site).all(
        f"SELECT sha256, name FROM assets WHERE site_id = ? AND (sha256 IN ({marks})"  # noqa: S608
        f" OR sha256 IN (SELECT sha256 FROM asset_variants WHERE site_id = ? AND variant IN ({marks})))",
        (site.id, *lost, site.id, *lost),
    )
    originals = sorted({str(r["sha256"]) for r in rows})
    names = sorted({str(r["name"]) or "a picture" for r in rows})
    if originals:
        await deps.site_db(site).run(
            f"UPDATE assets SET missing_since = COALESCE(missing_since, ?) WHERE site_id = ? AND sha256 IN"  # noqa: S608
            f" ({', '.join('?' for _ in originals)})",
            (deps.clock.now(), site.id, *originals),
        )
    one = len(names) == 1
    listed = ", ".join(names)
    message = (
        f"A picture on your pages could not be found ({listed}). Upload it again, then publish."
        if one
        else f"{len(names) or len(lost)} pictures on your pages could not be found ({listed})."
        " Upload them again, then publish."
    )
    raise HttpError(409, "images_missing", message, details={"missing": names})


def pointer(site_id: str, version: int, manifest: dict[str, Any], hsts: bool, noindex: bool = False) -> bytes:
    """The live pointer of a version: its manifest (as kept in D1) with the host's flags."""
    live = Live(
        site_id,
        version,
        {path: Entry(*entry) for path, entry in manifest["files"].items()},
        Entry(*manifest["not_found"]),
        manifest["redirects"],
        manifest["csp"],
        hsts,
        noindex,
        origin=manifest["origin"],
    )
    return encode(live)


def redirect_pointer(site_id: str, origin: str, hsts: bool, temporary: bool = False) -> bytes:
    """A host that only redirects to `origin`; `temporary` (302) for a domain cut over after a
    downgrade, which serves the site again after a resubscription."""
    return encode(Live(site_id, hsts=hsts, redirect=origin, redirect_status=302 if temporary else 301))


async def hosts_of(deps: CustomerDeps, site: Site) -> SiteHosts:
    """The site's hosts (`hosts_from`), its active domains read by the `domains_by_site` index."""
    rows = await deps.db.all(
        "SELECT hostname, status, redirect_to, cut_over_at FROM domains WHERE site_id = ? AND status = 'active'"
        " ORDER BY created_at, hostname",
        (site.id,),
    )
    return hosts_from(deps, site, rows)


def hosts_from(deps: CustomerDeps, site: Site, domains: list[Row]) -> SiteHosts:
    """The site's hosts from its domains' rows (oldest first; those not active are left out): the
    first active custom domain that is not an apex redirecting to its www is canonical; otherwise the
    default host is. A domain cut over after a downgrade (`cut_over_at`) only redirects: it is never
    canonical."""
    rows = [r for r in domains if r["status"] == "active"]
    custom = [str(r["hostname"]).lower() for r in rows]
    serving = [r for r in rows if r["cut_over_at"] is None]
    preferred = [str(r["hostname"]).lower() for r in serving if not r["redirect_to"]]
    fallback = [str(r["hostname"]).lower() for r in serving]
    default = deps.settings.default_host(site.slug)
    canonical = preferred[0] if preferred else (fallback[0] if fallback else default)
    others = [h for h in [default, *custom] if h != canonical]
    return SiteHosts(canonical, others, set(custom))


async def cut_over_hosts(deps: CustomerDeps, site: Site) -> set[str]:
    rows = await deps.db.all(
        "SELECT hostname FROM domains WHERE site_id = ? AND status = 'active' AND cut_over_at IS NOT NULL", (site.id,)
    )
    return {str(r["hostname"]).lower() for r in rows}


async def switch(deps: CustomerDeps, site: Site, version: int, manifest: dict[str, Any], all_hosts: bool) -> int:
    """Points the site's hosts at `version`: one put for the canonical host (the switch), plus the
    redirecting hosts' small pointers when they may have changed. Returns the number of puts."""
    hosts = await hosts_of(deps, site)
    canonical, custom = hosts.canonical, hosts.custom
    await deps.blobs.put(
        pointer_key(canonical), pointer(site.id, version, manifest, canonical in custom), "application/json"
    )
    puts = 1
    if all_hosts:
        origin = deps.settings.origin(canonical)
        cut_over = await cut_over_hosts(deps, site)
        for host in hosts.redirecting:
            await deps.blobs.put(
                pointer_key(host),
                redirect_pointer(site.id, origin, host in custom, temporary=host in cut_over),
                "application/json",
            )
            puts += 1
    return puts


BUSY = HttpError(409, "publish_in_progress", "This site is being published; try again in a moment.")


async def lock(deps: CustomerDeps, site: Site) -> str:
    """Takes the site's publish lock; returns the owner token that releases it."""
    now, owner = deps.clock.now(), deps.crypto.random_bytes(12).hex()
    taken = await deps.db.run(
        "UPDATE sites SET publish_lock = ?, publish_lock_owner = ?"
        " WHERE id = ? AND (publish_lock IS NULL OR publish_lock < ?)",
        (now + LOCK_SECONDS, owner, site.id, now),
    )
    if not taken:
        raise BUSY
    return owner


async def still_locked(deps: CustomerDeps, site: Site, owner: str) -> None:
    """Extends our lock, or 409 if it expired and another publish took it."""
    now = deps.clock.now()
    held = await deps.db.run(
        "UPDATE sites SET publish_lock = ? WHERE id = ? AND publish_lock_owner = ? AND publish_lock >= ?",
        (now + LOCK_SECONDS, site.id, owner, now),
    )
    if not held:
        raise BUSY


async def unlock(deps: CustomerDeps, site: Site, owner: str) -> None:
    await deps.db.run(
        "UPDATE sites SET publish_lock = NULL, publish_lock_owner = NULL WHERE id = ? AND publish_lock_owner = ?",
        (site.id, owner),
    )


async def live_manifest(deps: CustomerDeps, site: Site) -> dict[str, Any] | None:
    if site.live_version is None:
        return None
    rows = await deps.site_db(site).all(
        "SELECT manifest FROM versions WHERE site_id = ? AND number = ?", (site.id, site.live_version)
    )
    return json.loads(rows[0]["manifest"]) if rows else None


async def publish(
    deps: CustomerDeps, site: Site, plan: plans.Plan, author: history.Author, all_hosts: bool = False
) -> dict[str, Any]:
    """`author` publishes the draft as a new version; a draft identical to the live version records
    nothing (`unchanged: true`), so a double click never evicts a kept version."""
    owner = await lock(deps, site)
    try:
        if plan.entitlements.custom_domains and await cut_over_hosts(deps, site):
            # Back on a plan with custom domains: the domains cut over after the downgrade serve again.
            await deps.db.run("UPDATE domains SET cut_over_at = NULL WHERE site_id = ?", (site.id,))
            all_hosts = True
        origin = deps.settings.origin((await hosts_of(deps, site)).canonical)
        # What R2 holds, not what it should hold: a file lost since it was written is rendered and
        # written again (by an unchanged publish too); the live version's other pages are reused.
        present = await stored_files(deps, site)
        previous = await live_manifest(deps, site)
        pages = await pages_of(deps.site_db(site), site.id)  # rendered, and described by the version's fingerprint
        rendered = await render_draft(deps, site, plan, origin, False, previous, present, pages)
        await refuse_missing_uploads(deps, site, rendered, present)
        manifest = await manifest_of(deps, site, rendered, origin)
        written = await write_files(deps, site, rendered, present)
        await still_locked(deps, site, owner)
        live = site.live_version
        if live is not None and same_site(manifest, previous):
            puts = await switch(deps, site, live, manifest, all_hosts=True) if all_hosts else 0
            return {
                "version": live,
                "unchanged": True,
                "url": origin + "/",
                "files_written": written,
                "pages_rendered": rendered.documents,
                "pointers_written": puts,
                "files_deleted": 0,
            }
        source = drafts.fingerprint(site, pages)
        rows = await deps.site_db(site).all(
            "INSERT INTO versions (site_id, number, manifest, created_at, source, forms)"
            " SELECT ?, COALESCE(MAX(number), 0) + 1, ?, ?, ?, ? FROM versions WHERE site_id = ? RETURNING number",
            (
                site.id,
                json.dumps(manifest, separators=(",", ":")),
                deps.clock.now(),
                json.dumps(source),
                json.dumps(formfields.published(pages), separators=(",", ":")),  # checked by customer/forms.py
                site.id,
            ),
        )
        number = int(rows[0]["number"])
        await history.published(deps, site, pages, number, author)  # restorable into the draft later
        puts = await switch(deps, site, number, manifest, all_hosts=all_hosts or site.live_version is None)
        await deps.db.run(
            "UPDATE sites SET live_version = ?, updated_at = ? WHERE id = ?", (number, deps.clock.now(), site.id)
        )
        deleted = await prune(deps, site, plan.entitlements.kept_versions, number)
    finally:
        await unlock(deps, site, owner)
    return {
        "version": number,
        "unchanged": False,
        "url": origin + "/",
        "files_written": written,
        "pages_rendered": rendered.documents,
        "pointers_written": puts,
        "files_deleted": deleted,
    }


async def follow_hosts(deps: CustomerDeps, site: Site, plan: plans.Plan) -> None:
    """A live site's hosts changed (a domain became active or was removed): every host's pointer is
    rewritten. If the live version is what the draft renders for its address, it is re-rendered for
    the new canonical address (a new version); otherwise (the owner rolled back, or has unpublished
    edits) the live version stays exactly as chosen and only the pointers move: its canonical links
    follow at the owner's next publish."""
    live = await live_manifest(deps, site)
    if live is None or site.live_version is None:
        return
    old_origin = live.get("origin")
    if isinstance(old_origin, str):
        present = await stored_files(deps, site)
        rendered = await render_draft(deps, site, plan, old_origin, noindex=False, earlier=live, present=present)
        if same_site(await manifest_of(deps, site, rendered, old_origin), live):
            await publish(deps, site, plan, history.NOBODY, all_hosts=True)
            return
    await switch(deps, site, site.live_version, live, all_hosts=True)


async def rollback(deps: CustomerDeps, site: Site, number: int) -> dict[str, Any]:
    rows = await deps.site_db(site).all(
        "SELECT manifest FROM versions WHERE site_id = ? AND number = ?", (site.id, number)
    )
    if not rows:
        raise HttpError(404, "version_not_found", "That version is not kept any more.")
    await switch(deps, site, number, json.loads(rows[0]["manifest"]), all_hosts=site.live_version is None)
    await deps.db.run(
        "UPDATE sites SET live_version = ?, updated_at = ? WHERE id = ?", (number, deps.clock.now(), site.id)
    )
    return {"version": number}


async def unpublish(deps: CustomerDeps, site: Site) -> None:
    hosts = await hosts_of(deps, site)
    for host in {hosts.canonical, *hosts.redirecting, deps.settings.default_host(site.slug)}:
        await deps.blobs.delete(pointer_key(host))
    await deps.db.run("UPDATE sites SET live_version = NULL, updated_at = ? WHERE id = ?", (deps.clock.now(), site.id))


async def preview(deps: CustomerDeps, site: Site, plan: plans.Plan) -> dict[str, Any]:
    """Renders the draft to the site's private preview host (noindex everywhere)."""
    token = site.preview_token or deps.crypto.random_bytes(16).hex()
    host = deps.settings.preview_host(token)
    origin = deps.settings.origin(host)
    present = await stored_files(deps, site)
    earlier = await preview_manifest(deps, site)
    portal = deps.settings.portal_origin
    # The preview is the editor's editing surface: its pages say which block and field each
    # element shows and load the portal's frame script (render.SiteData.editor).
    rendered = await render_draft(deps, site, plan, origin, True, earlier, present, editor=portal)
    manifest = await manifest_of(deps, site, rendered, origin)
    # Only the preview may be framed, and only by the portal (its editor shows it live).
    manifest["csp"] = csp(deps, rendered.style_src, frame_ancestors=portal, editor=portal)
    written = await write_files(deps, site, rendered, present)
    await deps.blobs.put(pointer_key(host), pointer(site.id, 0, manifest, False, noindex=True), "application/json")
    await deps.site_db(site).run(
        "INSERT INTO site_preview (site_id, manifest) VALUES (?, ?)"
        " ON CONFLICT (site_id) DO UPDATE SET manifest = excluded.manifest",
        (site.id, json.dumps(manifest, separators=(",", ":"))),
    )
    if token != site.preview_token:
        await deps.db.run("UPDATE sites SET preview_token = ? WHERE id = ?", (token, site.id))
    if earlier:
        await collect(deps, await reloaded(deps, site), referenced(earlier))
    return {"url": origin + "/", "files_written": written, "pages_rendered": rendered.documents}


async def reloaded(deps: CustomerDeps, site: Site) -> Site:
    """The site as D1 holds it now (it may have moved into its store since this request read it, and
    files are only deleted after reading what the store, not D1's frozen rows, still names); as given
    if deleted meanwhile."""
    return await site_by_id(deps.db, site.id) or site


async def prune(deps: CustomerDeps, site: Site, keep: int, live: int) -> int:
    """Drops versions beyond the newest `keep` (never the live one) and the files only they used."""
    site_id = site.id
    rows = await deps.site_db(site).all(
        "SELECT number, manifest FROM versions WHERE site_id = ? ORDER BY number DESC", (site_id,)
    )
    dropped = [r for i, r in enumerate(rows) if i >= max(keep, 1) and int(r["number"]) != live]
    if not dropped:
        return 0
    numbers = [int(r["number"]) for r in dropped]
    marks = ", ".join("?" for _ in numbers)
    candidates: set[str] = set()
    for r in dropped:
        candidates |= referenced(json.loads(r["manifest"]))
    await orphans.note(deps.db, deps.clock, site_id, candidates)  # collected later if this dies now
    await deps.site_db(site).run(f"DELETE FROM versions WHERE site_id = ? AND number IN ({marks})", (site_id, *numbers))  # noqa: S608
    return await collect(deps, await reloaded(deps, site), candidates)


async def collect(deps: CustomerDeps, site: Site, candidates: Iterable[str]) -> int:
    """Deletes the candidate files no kept version, preview or upload still uses."""
    candidates = set(candidates)
    noted = await orphans.note(deps.db, deps.clock, site.id, candidates)  # finished later if this dies
    unused = candidates - await known_files(deps, site)
    for sha in sorted(unused):
        await deps.blobs.delete(file_key(site.id, sha))
    await orphans.forget(deps.db, site.id, candidates, noted)
    return len(unused)


async def versions(deps: CustomerDeps, site: Site) -> dict[str, Any]:
    rows = await deps.site_db(site).all(
        "SELECT number, created_at FROM versions WHERE site_id = ? ORDER BY number DESC", (site.id,)
    )
    items = [
        {"number": int(r["number"]), "created_at": r["created_at"], "live": int(r["number"]) == site.live_version}
        for r in rows
    ]
    return {"versions": items, "live_version": site.live_version}
