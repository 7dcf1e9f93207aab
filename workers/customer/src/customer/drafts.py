"""Does the draft differ from what is live, and where? Each published version keeps a fingerprint
of the draft it was made from (a hash per page, one for the site's settings); the editor compares
the current draft with the live version's fingerprint and says what changed, in words."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from customer.model import Page, Site


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:32]


def fingerprint(site: Site, pages: list[Page]) -> dict[str, Any]:
    return {
        "settings": _digest([site.name, site.theme, site.seo, site.redirects]),
        "pages": {p.id: {"title": p.title, "hash": _digest([p.slug, p.title, p.description, p.blocks])} for p in pages},
        "order": [p.id for p in pages],
    }


def changes(live: dict[str, Any] | None, draft: dict[str, Any]) -> list[str]:
    """What an owner would call the differences, e.g. ["Home: edited", "About: new page"]."""
    if live is None:
        return []
    said: list[str] = []
    old, new = live.get("pages", {}), draft["pages"]
    for page_id, page in new.items():
        if page_id not in old:
            said.append(f"{page['title']}: new page")
        elif old[page_id]["hash"] != page["hash"]:
            said.append(f"{page['title']}: edited")
    said += [f"{page['title']}: deleted" for page_id, page in old.items() if page_id not in new]
    if live.get("order") and [p for p in live["order"] if p in new] != [p for p in draft["order"] if p in old]:
        said.append("Page order")
    if live.get("settings") != draft["settings"]:
        said.append("Name, theme or search settings")
    return said
