"""The leads inbox of one site: newest first, read/unread, delete, and a CSV export a spreadsheet
opens safely (shared/csvsafe.py: every field quoted, no cell starts a formula, even after a separator)."""

from __future__ import annotations

import json
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


async def _rows(deps: CustomerDeps, site: Site) -> list[dict[str, Any]]:
    site_id = site.id
    rows = await deps.site_db(site).all(
        "SELECT id, page, name, email, phone, message, answers, mailed, created_at, read_at FROM leads"
        " WHERE site_id = ? ORDER BY created_at DESC, id LIMIT ?",
        (site_id, LIMIT),
    )
    # `answers`: every answer of a form the owner shaped, in its order ([] for the fixed form).
    return [{**dict(r), "answers": _answers(r["answers"]), "read": r["read_at"] is not None} for r in rows]


def _answers(text: Any) -> list[dict[str, str]]:
    return [{"label": str(label), "value": str(value)} for label, value in json.loads(str(text or "[]"))]


async def list_leads(deps: CustomerDeps, site: Site) -> dict[str, Any]:
    leads = await _rows(deps, site)
    return {"leads": leads, "unread": sum(1 for lead in leads if not lead["read"])}


async def _one(deps: CustomerDeps, site: Site, lead_id: str) -> None:
    if not await deps.site_db(site).all("SELECT 1 FROM leads WHERE site_id = ? AND id = ?", (site.id, lead_id)):
        raise HttpError(404, "lead_not_found", "This enquiry is gone (deleted in another tab?).")


async def mark(deps: CustomerDeps, site: Site, lead_id: str, body: dict[str, Any]) -> None:
    """PATCH {"read": true|false}."""
    data = check_fields(MARK, body)
    await _one(deps, site, lead_id)
    await deps.site_db(site).run(
        "UPDATE leads SET read_at = ? WHERE site_id = ? AND id = ?",
        (deps.clock.now() if data["read"] else None, site.id, lead_id),
    )


async def delete(deps: CustomerDeps, site: Site, lead_id: str) -> None:
    await _one(deps, site, lead_id)
    await deps.site_db(site).run("DELETE FROM leads WHERE site_id = ? AND id = ?", (site.id, lead_id))


async def export_csv(deps: CustomerDeps, site: Site) -> Download:
    """Every enquiry a row: the date, the fixed columns, then one column per question of the owner's
    own forms (each label once, in the order first met, oldest enquiry first)."""
    leads = await _rows(deps, site)
    labels: list[str] = []
    for lead in reversed(leads):
        labels += [a["label"] for a in lead["answers"] if a["label"] not in labels]
    rows = []
    for lead in leads:
        given = {a["label"]: a["value"] for a in lead["answers"]}
        rows.append(
            [
                datetime.fromtimestamp(float(lead["created_at"]), UTC).strftime("%Y-%m-%d %H:%M"),
                *(lead[c] for c in _COLUMNS),
                *(given.get(label, "") for label in labels),
            ]
        )
    text = csvsafe.write(["received (UTC)", *_COLUMNS, *labels], rows)
    # The BOM makes Excel read UTF-8.
    return Download(("\ufeff" + text).encode(), "text/csv; charset=utf-8", f"enquiries-{site.slug}.csv")
