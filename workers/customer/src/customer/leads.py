"""The leads inbox of one site: newest first, read/unread, delete, and a CSV export a spreadsheet
opens safely (shared/csvsafe.py: every field quoted, no cell starts a formula, even after a separator)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from customer.deps import CustomerDeps
from customer.model import Download, Site
from shared import csvsafe
from shared.errors import HttpError
from shared.schema import Bool, Field, check_fields

LIMIT = 500
_COLUMNS = ("name", "email", "phone", "message", "page")  # after the date

MARK: dict[str, Field] = {"read": Bool(required=True)}


async def _rows(deps: CustomerDeps, site_id: str) -> list[dict[str, Any]]:
    rows = await deps.db.all(
        "SELECT id, page, name, email, phone, message, mailed, created_at, read_at FROM leads WHERE site_id = ?"
        " ORDER BY created_at DESC, id LIMIT ?",
        (site_id, LIMIT),
    )
    return [{**dict(r), "read": r["read_at"] is not None} for r in rows]


async def list_leads(deps: CustomerDeps, site: Site) -> dict[str, Any]:
    leads = await _rows(deps, site.id)
    return {"leads": leads, "unread": sum(1 for lead in leads if not lead["read"])}


async def _one(deps: CustomerDeps, site: Site, lead_id: str) -> None:
    if not await deps.db.all("SELECT 1 FROM leads WHERE site_id = ? AND id = ?", (site.id, lead_id)):
        raise HttpError(404, "lead_not_found", "This enquiry is gone (deleted in another tab?).")


async def mark(deps: CustomerDeps, site: Site, lead_id: str, body: dict[str, Any]) -> None:
    """PATCH {"read": true|false}."""
    data = check_fields(MARK, body)
    await _one(deps, site, lead_id)
    await deps.db.run(
        "UPDATE leads SET read_at = ? WHERE site_id = ? AND id = ?",
        (deps.clock.now() if data["read"] else None, site.id, lead_id),
    )


async def delete(deps: CustomerDeps, site: Site, lead_id: str) -> None:
    await _one(deps, site, lead_id)
    await deps.db.run("DELETE FROM leads WHERE site_id = ? AND id = ?", (site.id, lead_id))


async def export_csv(deps: CustomerDeps, site: Site) -> Download:
    rows = [
        [
            datetime.fromtimestamp(float(lead["created_at"]), UTC).strftime("%Y-%m-%d %H:%M"),
            *(lead[c] for c in _COLUMNS),
        ]
        for lead in await _rows(deps, site.id)
    ]
    text = csvsafe.write(["received (UTC)", *_COLUMNS], rows)
    # The BOM makes Excel read UTF-8.
    return Download(("\ufeff" + text).encode(), "text/csv; charset=utf-8", f"enquiries-{site.slug}.csv")
