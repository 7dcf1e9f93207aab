"""Editor writes need If-Match (428 without it). Test helpers that set a site up write as the portal
does: they read the resource's ETag first. Tests about concurrency send their own header."""

from __future__ import annotations

import re

# PATCH/DELETE a site, PUT/DELETE a page, POST a block: the writes customer checks against a version.
_SITE_OR_PAGE = re.compile(r"^(/api/v1/sites/[^/?]+(?:/pages/[^/?]+)?)(/blocks|/history/\d+/restore)?$")


def versioned_resource(method: str, path: str) -> str | None:
    """The resource whose ETag an editor write must name, or None for any other request."""
    match = _SITE_OR_PAGE.match(path)
    if not match:
        return None
    resource, blocks = match[1], match[2]
    page = "/pages/" in resource
    if blocks:
        return resource if page and method == "POST" else None
    if (method == "PATCH" and not page) or (method in ("PUT", "DELETE") and page):
        return resource
    return None
