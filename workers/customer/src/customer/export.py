"""Data portability: everything customer holds about an account, for core's
`GET /api/v1/account/export`. Rows as stored (JSON columns decoded), plus the site files: the
uploads, every file the live version and the preview serve and the bodies of the pages' history,
base64-encoded."""

from __future__ import annotations

import base64
import json
from typing import Any

from customer.deps import CustomerDeps
from customer.publish import referenced
from customer.store import sites_of
from shared.site_layout import file_key

_JSON_COLUMNS = ("theme", "seo", "redirects", "blocks", "manifest", "records", "changes")
_SITE_TABLES = (
    "pages",
    "assets",
    "versions",
    "site_preview",
    "domains",
    "leads",
    "site_members",
    "site_activity",
    "page_history",
)
_INDEX_TABLES = ("domains", "site_members")  # in D1; the others in the site's store (customer/sitestore.py)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column in _JSON_COLUMNS:
        if isinstance(out.get(column), str):
            out[column] = json.loads(out[column])
    return out


async def export_account(deps: CustomerDeps, account_id: str) -> dict[str, Any]:
    rows = await deps.db.all("SELECT * FROM customers WHERE account_id = ?", (account_id,))
    if not rows:
        return {"customer": None, "sites": []}
    out_sites = []
    for site in await sites_of(deps.db, str(rows[0]["id"])):
        (site_row,) = await deps.db.all("SELECT * FROM sites WHERE id = ?", (site.id,))
        entry: dict[str, Any] = {"site": _decoded(site_row)}
        for table in _SITE_TABLES:
            db = deps.db if table in _INDEX_TABLES else deps.site_db(site)
            found = await db.all(f"SELECT * FROM {table} WHERE site_id = ?", (site.id,))  # noqa: S608
            entry[table] = [_decoded(r) for r in found]
        invited = await deps.db.all("SELECT * FROM site_invitations WHERE site_id = ?", (site.id,))
        entry["site_invitations"] = [{k: v for k, v in r.items() if k != "token_hash"} for r in invited]
        wanted = {str(a["sha256"]) for a in entry["assets"]} | {str(h["body_sha"]) for h in entry["page_history"]}
        for version in entry["versions"]:
            if version["number"] == site.live_version:
                wanted |= referenced(version["manifest"])
        for preview in entry["site_preview"]:
            wanted |= referenced(preview["manifest"])
        files = {}
        for sha in sorted(wanted):
            blob = await deps.blobs.get(file_key(site.id, sha))
            if blob is not None:
                files[sha] = {"content_type": blob.content_type, "base64": base64.b64encode(blob.body).decode()}
        entry["files"] = files
        out_sites.append(entry)
    # The sites of others she is in the team of (customer/team.py): her role, not their content.
    memberships = await deps.db.all(
        "SELECT m.site_id, s.name AS site_name, m.email, m.role, m.joined_at FROM site_members m"
        " JOIN sites s ON s.id = m.site_id WHERE m.customer_id = ?",
        (str(rows[0]["id"]),),
    )
    return {"customer": dict(rows[0]), "sites": out_sites, "memberships": [dict(r) for r in memberships]}
